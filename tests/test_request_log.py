"""One log line per request with its id, the same id in the answer, the error page and the
error's log."""

import io
import logging
import re

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines(app):
    """What Patrol's log handler writes during the test, line by line."""
    (handler,) = [h for h in logging.getLogger("app").handlers if getattr(h, "patrol", False)]
    written = io.StringIO()
    before = handler.setStream(written)
    yield lambda: written.getvalue().splitlines()
    handler.setStream(before)


@pytest.fixture
def failing(app):
    """Routes that fail as a bug does, and as a busy database does."""

    @app.route("/test/bug")
    def bug():
        raise RuntimeError("a bug")

    @app.route("/test/pool-empty")
    def pool_empty():
        raise sa.exc.TimeoutError("QueuePool limit reached")

    app.config["PROPAGATE_EXCEPTIONS"] = False


def test_a_sane_incoming_id_is_kept_and_returned(client):
    for sane in ("abc", "4f1c9e2a" * 4, "lb-01.req_77", "x" * 64):
        assert client.get("/login", headers={"X-Request-ID": sane}).headers["X-Request-ID"] == sane


@pytest.mark.parametrize(
    "hostile",
    ["", " ", "x" * 65, "a b", "a\tb", "abc;rm -rf", "<script>", "请求", "a%0Ab", "../etc"],
)
def test_a_hostile_or_missing_id_is_replaced_by_a_new_one(client, log_lines, hostile):
    given = client.get("/login", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
    assert NEW_ID.fullmatch(given)
    (line,) = log_lines()
    assert f"[{given}]" in line
    if hostile.strip():
        assert hostile not in line
    assert NEW_ID.fullmatch(client.get("/login").headers["X-Request-ID"])


def test_each_request_is_one_line_with_user_school_status_and_time(app, client, auth, log_lines):
    auth.login("inspector")
    with app.app_context():
        inspector = db.session.scalar(sa.text("SELECT id FROM users WHERE username='inspector'"))
        school = tenancy.current_school_id()
    client.get("/today?token=secret-in-the-query", headers={"X-Request-ID": "req-1"})
    client.get("/no/such/page", headers={"X-Request-ID": "req-2"})
    client.post("/logout")
    client.get("/login", headers={"X-Request-ID": "req-3"})
    lines = log_lines()
    assert len(lines) == 5
    _login, today, missing, _logout, signed_out = lines
    assert re.search(
        rf"INFO \[req-1\] app\.request_log: GET /today 200 "
        rf"user={inspector} school={school} ms=\d+\.\d$",
        today,
    )
    assert "secret" not in today and "token" not in today
    assert re.search(rf"\[req-2\] .*GET /no/such/page 404 user={inspector} .*ms=", missing)
    assert re.search(r"\[req-3\] .*GET /login 200 user=- .*ms=", signed_out)


def test_a_path_cannot_forge_a_line_in_the_log(client, log_lines):
    client.get("/q/x%0A2026-01-01 INFO [fake] forged line%20" + "y" * 500)
    (line,) = log_lines()
    assert "\n" not in line and " INFO [fake]" not in line
    assert "/q/x%0A2026-01-01%20INFO%20%5Bfake%5D" in line
    assert len(line) < 400


def test_probes_are_logged_only_at_debug(app, client, log_lines):
    client.get("/healthz")
    client.get("/readyz")
    assert log_lines() == []
    logging.getLogger("app").setLevel(logging.DEBUG)
    try:
        client.get("/healthz", headers={"X-Request-ID": "probe"})
    finally:
        logging.getLogger("app").setLevel(logging.INFO)
    (line,) = log_lines()
    assert "DEBUG [probe]" in line and "GET /healthz 200" in line


def test_an_error_page_and_its_log_carry_the_same_id(client, failing, log_lines):
    page = client.get("/test/bug", headers={"X-Request-ID": "bug-7", "Accept-Language": "en"})
    assert page.status_code == 500 and page.headers["X-Request-ID"] == "bug-7"
    assert "give this reference: bug-7" in page.get_data(as_text=True)
    lines = log_lines()
    assert "ERROR [bug-7] app: Exception on /test/bug [GET]" in lines[0]
    assert "RuntimeError: a bug" in "\n".join(lines)
    assert "[bug-7]" in lines[-1] and "GET /test/bug 500" in lines[-1]

    chinese = client.get("/test/bug", headers={"X-Request-ID": "bug-8", "Accept-Language": "zh"})
    assert "如需告知管理员，请提供此编号：bug-8" in chinese.get_data(as_text=True)


def test_the_phones_outbox_gets_the_id_in_its_json(client, failing):
    answer = client.get("/test/bug", headers={"X-Request-ID": "bug-9", "X-Patrol-Outbox": "1"})
    assert answer.status_code == 500 and answer.get_json()["request_id"] == "bug-9"


def test_a_busy_page_carries_the_id_and_a_refusal_does_not(client, failing):
    busy = client.get("/test/pool-empty", headers={"X-Request-ID": "busy-1"})
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert "busy-1" in busy.get_data(as_text=True)
    missing = client.get("/nowhere", headers={"X-Request-ID": "lost-1"})
    assert missing.status_code == 404 and "lost-1" not in missing.get_data(as_text=True)
    assert missing.headers["X-Request-ID"] == "lost-1"


def test_log_level_is_checked(app, tmp_path):
    from app import create_app
    from tests.conftest import base_config

    with pytest.raises(RuntimeError, match="LOG_LEVEL"):
        create_app({**base_config(tmp_path, app.config["DATABASE_URL"]), "LOG_LEVEL": "LOUD"})
