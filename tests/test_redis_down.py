"""Redis down: signing in and reporting a fault still work, the limits count in memory and
the log says so once, a notice waits in the database for the worker's tick, and the worker
waits for Redis and works once it is back."""

import io
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from limits.storage import MemoryStorage
from redis import exceptions as redis_errors

import app as app_package
from app import create_app, tenancy
from app.district.tasks import refresh_school_figures
from app.extensions import db
from app.faults import report_limits
from app.models import (
    ChannelKind,
    Delivery,
    DeliveryStatus,
    Fault,
    Notice,
    Reason,
    School,
    SchoolFigures,
)
from app.notices import tasks
from tests.conftest import PASSWORD, base_config
from tests.factories import make_channel, make_district
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


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _until(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_the_worker_waits_while_redis_is_down_and_works_once_it_is_back(app, tmp_path):
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        message = "The worker's Redis test needs redis-server: apt-get install redis-server"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = f"redis://127.0.0.1:{_free_port()}/0"
    with app.app_context():
        school = db.session.scalar(sa.select(School))
        school.district = make_district()
        db.session.commit()
        school_id = school.id
    log = tmp_path / "worker.log"
    environment = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8",
        "SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": url,
    }
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", "1"],
            cwd=Path(app_package.__path__[0]).parent, env=environment,
            stdout=output, stderr=subprocess.STDOUT,
        )
    redis = None
    try:
        assert _until(lambda: "Error reading from queue" in log.read_text()), log.read_text()
        assert worker.poll() is None, "the worker waits for Redis rather than stopping"

        redis = subprocess.Popen(
            [redis_server, "--port", url.split(":")[2].split("/")[0], "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        sender = create_app({**base_config(tmp_path, app.config["DATABASE_URL"]), "REDIS_URL": url})
        with sender.app_context():
            assert _until(lambda: _enqueued(school_id), seconds=20)

        def counted():
            with app.app_context(), tenancy.everywhere():
                found = db.session.scalar(
                    sa.select(SchoolFigures).where(SchoolFigures.school_id == school_id)
                )
                db.session.rollback()
                return found is not None

        assert _until(counted), log.read_text()
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=60)
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)


def _enqueued(school_id):
    try:
        refresh_school_figures(school_id)
    except redis_errors.ConnectionError:
        return False  # Redis still starting
    return True
