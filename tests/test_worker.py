"""The worker: its queue, the notices' tick, the send kicked by a commit, and its command."""

import logging
import signal
import subprocess
import sys
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import current_app
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

import app as app_package
from app import create_app, worker
from app.demo import cli as demo_cli
from app.extensions import db
from app.models import Notice, Reason
from app.notices import delivery, planning
from app.notices import tasks as notice_tasks
from tests.conftest import base_config


@pytest.fixture
def notices_at_work(monkeypatch):
    """plan_due and deliver_due replaced by recorders of their calls, in order, and of
    whether the database could be read from inside them."""
    calls = []

    def recorder(name):
        def called(*args, **kwargs):
            users = db.session.scalar(sa.text("SELECT count(*) FROM users"))
            calls.append((name, current_app.name, users))
            return 0

        return called

    monkeypatch.setattr(planning, "plan_due", recorder("plan_due"))
    monkeypatch.setattr(delivery, "deliver_due", recorder("deliver_due"))
    return calls


def test_the_tick_plans_then_delivers_inside_the_app(app, notices_at_work):
    notice_tasks.tick.call_local()
    assert notices_at_work == [("plan_due", app.name, 3), ("deliver_due", app.name, 3)]


def test_the_tick_and_the_clean_up_run_every_minute(app):
    for minute in (datetime(2026, 12, 4, 7, 30), datetime(2026, 12, 4, 7, 31)):
        due = {task.name for task in worker.queue.read_periodic(minute)}
        assert {"tick", "delete_expired_pdfs"} <= due


def test_in_tests_nothing_runs_until_the_test_runs_the_queue(app, worker_queue,
                                                             notices_at_work):
    notice_tasks.send_soon(1)
    assert worker_queue.waiting() == ["send_soon"]
    assert notices_at_work == []
    assert worker_queue.run() == ["send_soon"]
    assert [name for name, _app, _users in notices_at_work] == ["deliver_due"]
    assert worker_queue.waiting() == []


def _write_notice():
    db.session.add(Notice(reason=Reason.TEST, facts={"title": "Test", "lines": [], "path": "/"}))


def test_a_committed_notice_kicks_a_send_at_once(app, worker_queue, notices_at_work):
    with app.app_context():
        _write_notice()
        db.session.flush()
        assert worker_queue.waiting() == []  # not before the commit
        db.session.commit()
    assert worker_queue.waiting() == ["send_soon"]
    worker_queue.run()
    assert [name for name, _app, _users in notices_at_work] == ["deliver_due"]


def test_a_rolled_back_notice_kicks_nothing(app, worker_queue):
    with app.app_context():
        _write_notice()
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == 0
    assert worker_queue.waiting() == []


def test_a_commit_without_a_notice_kicks_nothing(app, worker_queue):
    with app.app_context():
        db.session.execute(sa.update(db.metadata.tables["users"]).values(display_name="X"))
        db.session.commit()
    assert worker_queue.waiting() == []


def test_a_queue_out_of_reach_loses_no_notice(app, worker_queue, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(worker.queue.storage, "enqueue", unreachable)
    with app.app_context(), caplog.at_level(logging.ERROR):
        _write_notice()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == 1
    assert "Could not enqueue send_soon, the queue is out of reach: Error 111" in caplog.text


def _app_with(tmp_path, **config):
    settings = base_config(tmp_path, f"sqlite:///{tmp_path / 'other.sqlite'}")
    settings.update(TESTING=False, **config)
    return create_app(settings)


def test_the_queue_is_a_file_in_the_instance_folder_by_default(app, tmp_path):
    made = _app_with(tmp_path)
    assert isinstance(worker.queue.storage, SqliteStorage)
    assert worker.queue.storage.filename == f"{made.instance_path}/queue.sqlite"


def test_the_queue_file_can_be_moved(app, tmp_path):
    _app_with(tmp_path, WORKER_QUEUE_FILE=str(tmp_path / "elsewhere.sqlite"))
    assert worker.queue.storage.filename == str(tmp_path / "elsewhere.sqlite")


def test_redis_is_the_queue_when_several_servers_share_it(app, tmp_path):
    _app_with(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3")
    assert isinstance(worker.queue.storage, RedisStorage)
    assert worker.queue.storage.conn.connection_pool.connection_kwargs["db"] == 3


def test_tests_keep_the_queue_in_memory(app):
    assert isinstance(worker.queue.storage, MemoryStorage)
    assert not worker.queue.immediate


def test_the_worker_is_one_of_the_commands(runner):
    result = runner.invoke(args=["worker", "--help"])
    assert result.exit_code == 0, result.output
    assert "Run the worker" in result.output and "--threads" in result.output


def test_the_worker_command_runs_a_threaded_consumer_with_the_scheduler(runner, monkeypatch):
    started = []

    class Consumer:
        def __init__(self, **options):
            self.options = options

        def run(self):
            started.append(self.options)

    monkeypatch.setattr(worker.queue, "create_consumer", lambda **options: Consumer(**options))
    result = runner.invoke(args=["worker", "--threads", "2"])
    assert result.exit_code == 0, result.output
    assert started == [{"workers": 2, "worker_type": "thread", "periodic": True}]


def test_the_worker_command_starts_in_a_shell(tmp_path):
    """`flask --app app worker --help` as a shell runs it: the app and its tasks import."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--help"],
        capture_output=True,
        text=True,
        cwd=app_package.__path__[0] + "/..",
        env={"PATH": "", "HOME": str(tmp_path), "LANG": "C.UTF-8",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'shell.sqlite'}",
             "WORKER_QUEUE_FILE": str(tmp_path / "queue.sqlite")},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "--threads" in done.stdout


def test_the_demo_runs_the_worker_beside_its_server_and_stops_it(app, runner, monkeypatch):
    events = []

    class Process:
        def terminate(self):
            events.append("worker stopped")

        def wait(self, timeout=None):
            return 0

    def popen(command, env):
        events.append(("worker started", command[-2:], env["BASE_URL"], env["SCHOOL_NAME"]))
        return Process()

    monkeypatch.setattr(demo_cli.subprocess, "Popen", popen)
    monkeypatch.setattr(
        demo_cli.signal, "signal", lambda number, handler: events.append(("on", number))
    )
    monkeypatch.setattr(demo_cli, "run_simple", lambda *args, **kwargs: events.append("served"))
    monkeypatch.setattr(demo_cli, "lan_address", lambda: "192.168.1.23")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert events == [
        ("on", signal.SIGTERM),
        ("worker started", ["worker", "--quiet"], "http://patrol.test", "阳光幼儿园"),
        "served",
        "worker stopped",
    ]



def test_the_hourly_clean_ups_are_the_workers(app):
    hour = datetime(2026, 12, 4, 7, 0)
    due = {
        minute: {task.name for task in worker.queue.read_periodic(hour.replace(minute=minute))}
        for minute in (23, 41)
    }
    assert "forget_old_sign_ins" in due[23] and "clean_unclaimed_photos" in due[41]
    assert "forget_old_sign_ins" not in due[41]


def test_the_district_figures_are_counted_every_five_minutes(app):
    due = {
        minute: {task.name for task in worker.queue.read_periodic(datetime(2026, 12, 4, 7, minute))}
        for minute in (30, 33, 35)
    }
    assert "refresh_figures" in due[30] and "refresh_figures" in due[35]
    assert "refresh_figures" not in due[33]
