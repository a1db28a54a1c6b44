"""A database locked or out of reach for a moment: 503 with Retry-After and nothing saved,
never a 500, so the phone's outbox sends again later; a real bug stays a 500."""

import io
import sqlite3
from contextlib import contextmanager

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors as pg

from app import create_app
from app.database import is_transient
from app.extensions import db
from app.models import Asset, Inspection, Signature
from app.register import csv_io
from tests.conftest import PASSWORD, base_config
from tests.factories import make_slide
from tests.test_assets_csv import HEADER, register  # noqa: F401  (a fixture)
from tests.test_inspections import all_ok, drawn_signature, form_url
from tests.test_outbox import count, send

BUSY_EN = "Patrol is busy. Nothing was saved; try again in a moment."


@pytest.fixture
def quick_app(app, tmp_path):
    """The same database, waiting 0.2 s for a lock instead of DATABASE_LOCK_TIMEOUT's 5 s."""
    quick = create_app(
        {**base_config(tmp_path, app.config["DATABASE_URL"]), "DATABASE_LOCK_TIMEOUT": 0.2}
    )
    yield quick
    with quick.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def write_lock_held(app, table):
    """Another connection holds the lock that writing to `table` needs: SQLite's one write
    lock (BEGIN IMMEDIATE), or on PostgreSQL the table locked against writes."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
            yield
            connection.rollback()
    finally:
        engine.dispose()


def signed_in(app, username):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code
    return client


def test_an_inspection_sent_while_the_database_is_locked_is_asked_again_later(quick_app):
    slide = make_slide(quick_app)
    client = signed_in(quick_app, "inspector")
    data = all_ok(slide, signature_data=drawn_signature())

    with write_lock_held(quick_app, "inspections"):
        from_phone = send(client, form_url(slide), dict(data))
        assert from_phone.status_code == 503
        assert from_phone.headers["Retry-After"] == "5"
        assert from_phone.get_json() == {"error": "busy", "message": BUSY_EN}

        from_browser = client.post(
            form_url(slide), data=dict(data), content_type="multipart/form-data",
            headers={"Accept-Language": "zh"},
        )
        assert from_browser.status_code == 503
        assert from_browser.headers["Retry-After"] == "5"
        assert from_browser.mimetype == "text/html"
        assert "Patrol 正忙" in from_browser.get_data(as_text=True)
    assert count(quick_app, Inspection) == 0
    assert count(quick_app, Signature) == 0

    assert send(client, form_url(slide), dict(data)).status_code == 201
    assert send(client, form_url(slide), dict(data)).status_code == 200
    assert count(quick_app, Inspection) == 1


def test_an_import_sent_while_the_database_is_locked_saves_nothing(quick_app, register):  # noqa: F811
    client = signed_in(quick_app, "admin")
    data = (HEADER + ",饮水机,,slide,操场,,,\nFAN234,吊扇,,electric-fan,RM2222,GD-009,,\n")
    with write_lock_held(quick_app, "assets"):
        response = client.post(
            "/register/import",
            data={"file": (io.BytesIO(data.encode()), "register.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 503
        assert BUSY_EN in response.get_data(as_text=True)
    with quick_app.app_context():
        assert db.session.scalar(sa.select(Asset).where(Asset.name == "饮水机")) is None
        fan = db.session.scalar(sa.select(Asset).where(Asset.code == "FAN234"))
        assert fan.asset_number == "GD-001"


def test_an_import_writes_nothing_while_it_checks(quick_app, register):  # noqa: F811
    with write_lock_held(quick_app, "assets"), quick_app.test_request_context(
        headers={"Accept-Language": "en"}
    ):
        fan = db.session.scalar(sa.select(Asset).where(Asset.code == "FAN234"))
        fan.notes = "changed, not saved yet"
        # Flushing the change would wait for the lock: the checks must not flush.
        with pytest.raises(csv_io.ImportRefused) as refused:
            csv_io.import_assets((HEADER + ",风扇,,rocket,大一班,,,\n").encode())
        assert [p.describe() for p in refused.value.problems] == [
            "Line 2: Unknown kind “rocket”."
        ]
        db.session.rollback()


def test_an_unreachable_database_is_busy_not_broken(tmp_path):
    closed_port = "postgresql://patrol@127.0.0.1:1/patrol"
    app = create_app(base_config(tmp_path, closed_port))
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = {"username": "admin", "password": PASSWORD}
    page = client.post("/login", data=login)
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert BUSY_EN in page.get_data(as_text=True)
    from_phone = client.post("/login", data=login, headers={"X-Patrol-Outbox": "1"})
    assert from_phone.status_code == 503 and from_phone.get_json()["error"] == "busy"


def test_an_operational_error_from_a_bug_stays_a_500(app):
    @app.route("/broken")
    def broken():
        db.session.execute(sa.text("SELECT no_such_column FROM users"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/broken", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def sqlite_error(sql):
    """A real sqlite3.OperationalError, with the result code the module sets on it."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(sql)
    except sqlite3.OperationalError as error:
        return sa.exc.OperationalError(sql, {}, error)
    finally:
        connection.close()
    raise AssertionError(f"{sql} did not fail")


def locked_sqlite_error(tmp_path):
    """What a second writer gets while the first holds SQLite's write lock."""
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return sa.exc.OperationalError("BEGIN IMMEDIATE", {}, error)
    finally:
        holder.close()
        writer.close()
    raise AssertionError("the lock was not held")


@pytest.mark.parametrize(
    ("cause", "transient"),
    [
        (pg.LockNotAvailable("canceling statement due to lock timeout"), True),
        (pg.SerializationFailure("could not serialize access"), True),
        (pg.DeadlockDetected("deadlock detected"), True),
        (pg.QueryCanceled("canceling statement due to statement timeout"), True),
        (pg.AdminShutdown("terminating connection due to administrator command"), True),
        (pg.CannotConnectNow("the database system is starting up"), True),
        (pg.TooManyConnections("sorry, too many clients already"), True),
        (pg.ConnectionFailure("server closed the connection unexpectedly"), True),
        (psycopg.OperationalError("connection refused"), True),
        (pg.DiskFull("could not extend file"), False),
        (pg.ProgramLimitExceeded("index row size exceeds maximum"), False),
    ],
)
def test_postgresql_errors_that_mean_busy(cause, transient):
    assert is_transient(sa.exc.OperationalError("INSERT …", {}, cause)) is transient


def test_sqlite_errors_that_mean_busy(tmp_path):
    assert is_transient(locked_sqlite_error(tmp_path))
    assert not is_transient(sqlite_error("SELECT no_such_column FROM sqlite_master"))
    # The words alone do not make it busy: only SQLite's own result code does.
    assert not is_transient(
        sa.exc.OperationalError("", {}, sqlite3.OperationalError("database is locked"))
    )


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("en_US.UTF-8", "The database is busy or out of reach. Nothing was saved"),
        ("zh_CN.UTF-8", "数据库正忙或暂时无法连接。没有保存任何内容"),
    ],
)
def test_a_command_run_while_the_database_is_locked_says_so_and_saves_nothing(
    quick_app, register, tmp_path, monkeypatch, lang, says  # noqa: F811
):
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", lang)
    path = tmp_path / "register.csv"
    path.write_text(HEADER + ",饮水机,,slide,操场,,,\n", encoding="utf-8")
    with write_lock_held(quick_app, "assets"):
        result = quick_app.test_cli_runner().invoke(args=["assets", "import", str(path)])
    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output
    with quick_app.app_context():
        assert db.session.scalar(sa.select(Asset).where(Asset.name == "饮水机")) is None
