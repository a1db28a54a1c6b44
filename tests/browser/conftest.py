"""Browser tests: Patrol served on 127.0.0.1 by a thread, driven by Playwright in Chromium.

Playwright's own browser download cannot work here, so Debian's chromium is launched by its
path. Each test gets the demo district afresh (three kindergartens, the first the stories'
阳光幼儿园): on SQLite a copy of a file seeded once per run; with TEST_DATABASE_URL, a schema
of its own in that PostgreSQL database, emptied and seeded again for each test (the rest of
the suite keeps to the public schema).
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.demo.seed import seed_district
from app.extensions import db
from tests.conftest import add_first_school

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
POSTGRES_SCHEMA = "browser_tests"
CHROMIUM = Path(os.environ.get("PATROL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A small Android phone, held upright.
PHONE = {"width": 360, "height": 780}
LOCALES = {"zh": "zh-CN", "en": "en-GB"}


def _config(tmp_path, database_url):
    return {
        "SECRET_KEY": "browser-tests",
        "DATABASE_URL": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "QR_FOLDER": str(tmp_path / "qr"),
    }


def _postgres_url():
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{POSTGRES_SCHEMA}"


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """The demo's database: a seeded template file on SQLite, a migrated schema on PostgreSQL."""
    folder = tmp_path_factory.mktemp("demo")
    url = _postgres_url() if POSTGRES_URL else f"sqlite:///{folder / 'demo.sqlite'}"
    app = create_app(_config(folder, url))
    with app.app_context():
        if POSTGRES_URL:
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE"))
                connection.execute(sa.text(f"CREATE SCHEMA {POSTGRES_SCHEMA}"))
        upgrade()
        if not POSTGRES_URL:
            seed_district()
        db.engine.dispose()
    yield url
    if POSTGRES_URL:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {POSTGRES_SCHEMA} CASCADE"))
            db.engine.dispose()


def _fresh_demo(demo_url, tmp_path):
    """A database of the demo's own for one test."""
    if not POSTGRES_URL:
        copy = tmp_path / "patrol.sqlite"
        shutil.copy(demo_url.removeprefix("sqlite:///"), copy)
        return create_app(_config(tmp_path, f"sqlite:///{copy}"))
    app = create_app(_config(tmp_path, demo_url))
    with app.app_context():
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        # As the tables' owner: the application's role may not truncate.
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        add_first_school()
        seed_district()
        db.session.remove()
    return app


class LiveServer:
    """Patrol on a free port of 127.0.0.1, serving each request in a thread."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # Labels must lead to this server, so the scanner follows them.
        app.config["BASE_URL"] = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(demo_database, tmp_path):
    server = LiveServer(_fresh_demo(demo_database, tmp_path))
    server.start()
    yield server
    server.stop()
    with server.app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """Makes a phone: `phone("zh")` is a page in a fresh browser profile asking for Chinese."""
    contexts = []

    def make(language="zh"):
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale=LOCALES[language],
            service_workers="allow",
        )
        # CI runs the suite on two cores: a navigation that waits behind a page's sends and
        # the service worker's install has been seen to take over 15 s there.
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
