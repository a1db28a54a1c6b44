"""/healthz and /readyz: what a load balancer asks, answered without sign-in, cookie or cache."""

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db, limiter
from app.health import readiness
from tests.conftest import base_config

CLOSED_PORT = "postgresql://patrol@127.0.0.1:1/patrol"


def plain(response, status, text):
    assert response.status_code == status
    assert response.get_data(as_text=True) == f"{text}\n"
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("signed_in_as", [None, "admin", "inspector", "repairer"])
def test_alive_and_ready_for_anyone(client, auth, signed_in_as):
    if signed_in_as:
        auth.login(signed_in_as)
    plain(client.get("/healthz"), 200, "ok")
    plain(client.get("/readyz"), 200, "ready")


def test_hostile_or_odd_requests_change_nothing(client):
    plain(client.get("/healthz?x=" + "A" * 10_000), 200, "ok")
    plain(client.get("/readyz", headers={"Cookie": "session=forged"}), 200, "ready")
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz", data={"a": "b"}).status_code == 405


def test_probes_are_never_rate_limited(app, tmp_path):
    limited = create_app(
        {**base_config(tmp_path, app.config["DATABASE_URL"]), "RATELIMIT_DEFAULT": "2 per minute"}
    )
    client = limited.test_client()
    try:
        for _ in range(5):
            plain(client.get("/healthz"), 200, "ok")
            plain(client.get("/readyz"), 200, "ready")
        assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        # The limiter is one for the process: the next app must not inherit the default.
        limiter.limit_manager.set_default_limits([])
        with limited.app_context():
            db.engine.dispose()


def test_an_unreachable_database_leaves_the_server_alive_but_not_ready(tmp_path):
    down = create_app(base_config(tmp_path, CLOSED_PORT)).test_client()
    plain(down.get("/healthz"), 200, "ok")
    plain(down.get("/readyz"), 503, "not ready: database unreachable")


def test_a_database_without_the_schema_is_not_ready(tmp_path):
    empty = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    plain(empty.test_client().get("/readyz"), 503, "not ready: schema not at the newest migration")


def test_a_schema_behind_the_newest_migration_is_not_ready(app, client):
    with app.app_context():
        (newest,) = readiness.newest_migrations()
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = 'c0ffee000000'"))
    try:
        plain(client.get("/readyz"), 503, "not ready: schema not at the newest migration")
    finally:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE alembic_version SET version_num = :newest"), {"newest": newest}
            )
    plain(client.get("/readyz"), 200, "ready")


def test_a_pool_with_no_connection_to_lend_is_not_ready(app, tmp_path):
    small = create_app(
        {
            **base_config(tmp_path, app.config["DATABASE_URL"]),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2},
        }
    )
    with small.app_context(), db.engine.connect():
        plain(small.test_client().get("/readyz"), 503, "not ready: database unreachable")
        plain(small.test_client().get("/healthz"), 200, "ok")
    with small.app_context():
        db.engine.dispose()
