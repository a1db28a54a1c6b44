"""A server whose connection pool has none to lend for the pool's whole timeout: 503 with
Retry-After and nothing saved, as for a database out of reach (tests/test_busy.py)."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Fault, FaultPhoto, SignIn
from tests.conftest import PASSWORD, base_config
from tests.test_busy import BUSY_EN
from tests.test_fault_reports import photo, public_report, swing  # noqa: F401  (a fixture)


@pytest.fixture
def one_connection(app, tmp_path):
    """The same database through a pool of one connection, waited for 0.2 s at most."""
    small = create_app(
        {
            **base_config(tmp_path, app.config["DATABASE_URL"]),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2},
        }
    )
    yield small
    with small.app_context():
        db.session.remove()
        db.engine.dispose()


def counts(app):
    with app.app_context():
        return [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (SignIn, Fault, FaultPhoto)
        ]


def test_no_connection_to_lend_is_busy_and_saves_nothing(app, one_connection, swing):  # noqa: F811
    client = one_connection.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    before = counts(app)
    with one_connection.app_context(), db.engine.connect():
        signing_in = client.post("/login", data={"username": "admin", "password": PASSWORD})
        reporting = public_report(client, photos=[photo()])
        from_phone = public_report(client, photos=[photo()], headers={"X-Patrol-Outbox": "1"})
    for page in (signing_in, reporting):
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert BUSY_EN in page.get_data(as_text=True)
        assert page.headers["X-Request-ID"] in page.get_data(as_text=True)
    assert from_phone.status_code == 503 and from_phone.get_json()["error"] == "busy"
    assert counts(app) == before
    uploads = Path(one_connection.config["UPLOAD_FOLDER"])
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]

    # The connection back, the same sends go through.
    again = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert again.status_code == 302


def test_a_signed_in_page_is_busy_too(one_connection):
    """Who is signed in cannot be read either: the busy page is drawn as if signed out."""
    client = one_connection.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    signed_in = client.post("/login", data={"username": "inspector", "password": PASSWORD})
    assert signed_in.status_code == 302
    with one_connection.app_context(), db.engine.connect():
        page = client.get("/today")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert BUSY_EN in page.get_data(as_text=True)
