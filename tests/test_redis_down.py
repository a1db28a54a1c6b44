"""Redis down: signing in and reporting a fault still work, the limits count in memory and
the log says so once, and a notice waits in the database for the worker's tick."""

import io
import logging

import pytest
import sqlalchemy as sa
from limits.storage import MemoryStorage

from app import create_app
from app.extensions import db
from app.faults import report_limits
from app.models import ChannelKind, Delivery, DeliveryStatus, Fault, Notice, Reason
from app.notices import tasks
from tests.conftest import PASSWORD, base_config
from tests.factories import make_channel
from tests.test_fault_reports import SWING, public_report, swing  # noqa: F401  (a fixture)

CLOSED = "redis://127.0.0.1:1/13"


@pytest.fixture
def redis_down(app, tmp_path, monkeypatch):
    """The same database, with the limits and the worker's queue in a Redis that is down."""
    monkeypatch.setattr(report_limits, "_storage_down", False)
    monkeypatch.setattr(report_limits, "_FALLBACK", MemoryStorage())
    down = create_app(
        {
            **base_config(tmp_path, app.config["DATABASE_URL"]),
            "REDIS_URL": CLOSED,
            "RATELIMIT_STORAGE_URI": CLOSED,
        }
    )
    (handler,) = [h for h in logging.getLogger("app").handlers if getattr(h, "patrol", False)]
    written = io.StringIO()
    handler.setStream(written)
    down.log_text = written.getvalue
    yield down
    with down.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def down_client(redis_down):
    client = redis_down.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def sign_in(client, username="admin", password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password}).status_code


def test_signing_in_works_and_the_log_says_once_that_limits_are_in_memory(
    redis_down, down_client
):
    assert sign_in(down_client) == 302
    assert down_client.get("/users/").status_code == 200
    down_client.post("/logout")
    assert sign_in(down_client, "inspector") == 302
    log = redis_down.log_text()
    assert log.count("Rate limit storage unreachable - falling back to in-memory storage") == 1


def test_the_sign_in_limits_still_hold_in_memory(down_client):
    for _ in range(5):
        assert sign_in(down_client, password="guess") == 400
    assert sign_in(down_client) == 429
    assert sign_in(down_client, "inspector") == 302


def test_a_public_report_is_taken_and_its_notice_waits_for_the_tick(
    app, redis_down, down_client, swing, receiver  # noqa: F811
):
    chat = receiver(ChannelKind.WECOM)
    with app.app_context():
        make_channel(url=chat.url, reasons=(Reason.UNSAFE,))
        db.session.commit()
    first = public_report(down_client, client_id="a" * 32)
    second = public_report(down_client, client_id="b" * 32, description="Another crack")
    assert first.status_code == second.status_code == 303
    with redis_down.app_context():
        faults = db.session.scalars(sa.select(Fault)).all()
        told = db.session.scalars(sa.select(Notice.fault_id)).all()
        assert len(faults) == 2 and set(told) == {fault.id for fault in faults}
        waiting = db.session.scalars(sa.select(Delivery.status)).all()
        assert waiting == [DeliveryStatus.WAITING] * 2
        # The worker's tick reads the database, not the queue: it sends them.
        tasks.tick.call_local()
        sent = db.session.scalars(sa.select(Delivery.status)).all()
        assert sent == [DeliveryStatus.SENT] * 2
    assert len(chat.accepted) == 2
    log = redis_down.log_text()
    assert log.count("Report limits' storage is out of reach") == 1
    assert log.count("Could not enqueue send_soon, the queue is out of reach") == 2


def test_the_report_limits_still_hold_in_memory(down_client, swing):  # noqa: F811
    answers = [
        public_report(down_client, client_id=f"{n:032x}").status_code for n in range(6)
    ]
    assert answers == [303] * 5 + [429]
