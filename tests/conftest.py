"""Fixtures in the style of Flask's tutorial: app, client, runner and a sign-in helper.

The schema is built by the migrations, as in production: once per run into a template,
then SQLite copies the template file for each test and PostgreSQL empties its tables.
Set TEST_DATABASE_URL=postgresql://… to run the suite on PostgreSQL.
"""

import functools
import os
import re
import shutil

import pytest
import sqlalchemy as sa
from flask import url_for
from flask_migrate import upgrade
from huey.signals import SIGNAL_ERROR
from werkzeug.security import generate_password_hash

from app import create_app, tenancy, worker
from app.extensions import db
from app.models import Role, School, User

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse"


def base_config(tmp_path, database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": database_url,
        "BASE_URL": "http://patrol.test",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "QR_FOLDER": str(tmp_path / "qr"),
        "WTF_CSRF_ENABLED": False,
        # The test receivers listen on this machine; tests of the refusal turn it off.
        "WEBHOOKS_ALLOW_PRIVATE": True,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A database at the newest migration: a template file on SQLite, the live one on PostgreSQL."""
    if POSTGRES_URL:
        engine = sa.create_engine(_psycopg(POSTGRES_URL))
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite'}"
    tmp = tmp_path_factory.mktemp("migrate")
    app = create_app(base_config(tmp, url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(migrated_database, tmp_path):
    if POSTGRES_URL:
        url = migrated_database
    else:
        template = migrated_database.removeprefix("sqlite:///")
        copy = tmp_path / "patrol.sqlite"
        shutil.copy(template, copy)
        url = f"sqlite:///{copy}"
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        school = add_first_school()
        # Asked before the school was there, the context found none: it is the one now.
        tenancy.enter((school.id,), school)
        _add_users()
    yield app
    with app.app_context():
        db.session.remove()
        if POSTGRES_URL:
            _empty_tables()
        db.engine.dispose()


@functools.cache
def _password_hash():
    # Hashing is deliberately slow; the suite hashes the shared password once.
    return generate_password_hash(PASSWORD)


def add_first_school() -> School:
    """The school the migration makes, again after PostgreSQL's tables were emptied."""
    school = db.session.scalar(sa.select(School))
    if school is None:
        school = School(code="main", name="Patrol", timezone="Asia/Shanghai", language="zh")
        db.session.add(school)
        db.session.commit()
    return school


def _add_users():
    for username, role in (
        ("admin", Role.ADMIN),
        ("inspector", Role.INSPECTOR),
        ("repairer", Role.REPAIRER),
    ):
        db.session.add(
            User(
                username=username,
                display_name=username.title(),
                role=role,
                password_hash=_password_hash(),
            )
        )
    db.session.commit()


def _empty_tables():
    # As the tables' owner: the application's role may not truncate.
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def _psycopg(url):
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


@pytest.fixture(params=["folder", "database"])
def photo_store(app, request):
    """The test runs once with each photo store (PHOTO_STORE); the store in use."""
    from app.core.photos.stores import STORES

    app.config["PHOTO_STORE"] = request.param
    return STORES[request.param]


@pytest.fixture
def client(app):
    """A browser asking for English; tests of the Chinese pages ask for zh themselves."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app, monkeypatch):
    """A terminal in English; commands follow LANG."""
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username="admin", password=PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def static_url(app):
    """The address pages give a file under static/: its name carries a hash of its contents."""

    def address(filename):
        with app.test_request_context():
            return url_for("static", filename=filename)

    return address


@pytest.fixture
def csrf_app(app):
    """The app as it runs for real: every form must carry its CSRF token."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def receiver():
    """Start a chat robot or webhook on this machine: receiver(ChannelKind.DINGTALK, secret).
    Every one started is stopped after the test."""
    from tests.receivers import Receiver

    started = []

    def start(kind, secret=None):
        started.append(Receiver(kind, secret))
        return started[-1]

    yield start
    for one in started:
        one.stop()
class WorkerQueue:
    """The worker's queue in a test (app/worker.py keeps it in memory under TESTING): what
    waits in it, and running it when the test says, as the consumer does."""

    def waiting(self) -> list[str]:
        return [task.name for task in worker.queue.pending()]

    def run(self) -> list[str]:
        """Each task waiting, dequeued and executed in turn; their names. A task that
        raised fails the test."""
        ran, errors = [], []

        def failed(signal, task, exc=None):
            errors.append(exc)

        worker.queue.signal(SIGNAL_ERROR)(failed)
        try:
            while (task := worker.queue.dequeue()) is not None:
                worker.queue.execute(task)
                ran.append(task.name)
        finally:
            worker.queue.disconnect_signal(failed, SIGNAL_ERROR)
        if errors:
            raise errors[0]
        return ran


@pytest.fixture
def worker_queue(app):
    return WorkerQueue()


@pytest.fixture
def prepared_pdf(client, worker_queue):
    """A report's PDF as the report page's button gets it: asked for, laid out by the
    worker, downloaded. The download's response."""

    def prepare(query):
        asked = client.post(f"/reports/report.pdf?{query}")
        assert asked.status_code == 303, asked.text
        worker_queue.run()
        return client.get(f"{asked.location}/download")

    return prepare
