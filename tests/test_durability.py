"""What Patrol acknowledges survives a power cut: commits wait for the disk, and a photo is
on disk, flushed, before the record naming it commits."""

import os
from contextlib import ExitStack
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from tests.conftest import POSTGRES_URL
from tests.factories import make_asset

SWING = "SWG234"
CONNECTIONS = 4


def settings_on_every_connection(app, statements):
    """Each setting as read on CONNECTIONS connections open at once (so none is reused)."""
    with app.app_context(), ExitStack() as stack:
        connections = [stack.enter_context(db.engine.connect()) for _ in range(CONNECTIONS)]
        return [
            {name: connection.exec_driver_sql(sql).scalar() for name, sql in statements.items()}
            for connection in connections
        ]


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's PRAGMAs")
def test_every_sqlite_connection_waits_for_the_disk(app):
    found = settings_on_every_connection(app, {
        "synchronous": "PRAGMA synchronous",
        "journal_mode": "PRAGMA journal_mode",
        "foreign_keys": "PRAGMA foreign_keys",
        "busy_timeout": "PRAGMA busy_timeout",
    })
    full = 2
    assert found == [
        {"synchronous": full, "journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}
    ] * CONNECTIONS


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's settings")
def test_every_postgresql_connection_commits_synchronously(app):
    found = settings_on_every_connection(app, {"commit": "SHOW synchronous_commit"})
    assert found == [{"commit": "on"}] * CONNECTIONS


def _report_with_a_photo(client):
    photo = BytesIO()
    Image.new("RGB", (40, 30), "red").save(photo, "PNG")
    photo.seek(0)
    return client.post(
        f"/q/{SWING}/report",
        data={"description": "Chain loose", "urgency": "unsafe", "client_id": "a" * 32,
              "public_name": "王老师", "photos": [(photo, "crack.png")]},
        content_type="multipart/form-data",
    )


def test_a_photo_is_flushed_before_its_record_commits(app, client, monkeypatch):
    with app.app_context():
        make_asset("秋千", "Swing", code=SWING)
        db.session.commit()
    happened = []
    real_fsync = os.fsync

    def fsync(descriptor):
        happened.append(("fsync", Path(os.readlink(f"/proc/self/fd/{descriptor}")).name))
        real_fsync(descriptor)

    def commit(_connection):
        happened.append(("commit", None))

    monkeypatch.setattr(os, "fsync", fsync)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "commit", commit)
    try:
        response = _report_with_a_photo(client)
    finally:
        sa.event.remove(engine, "commit", commit)
    assert response.status_code == 303
    with app.app_context():
        (name,) = db.session.scalars(sa.text("SELECT filename FROM fault_photos")).all()
    thumbnail = name.removesuffix(".jpg") + "_thumb.jpg"
    # Each file under its partial name, then the folder that now holds both names.
    assert happened == [
        ("fsync", "uploads"),  # the photos folder is new: it is flushed into its parent
        ("fsync", f"{name}.partial"),
        ("fsync", f"{thumbnail}.partial"),
        ("fsync", "photos"),
        ("commit", None),
    ]


def test_a_photo_in_the_database_commits_with_its_record(app, client, monkeypatch):
    app.config["PHOTO_STORE"] = "database"
    with app.app_context():
        make_asset("秋千", "Swing", code=SWING)
        db.session.commit()
        engine = db.engine
    happened = []

    def statement(_connection, _cursor, sql, *_args):
        table = next((t for t in ("stored_photos", "fault_photos") if f"INSERT INTO {t}" in sql),
                     None)
        if table:
            happened.append(("insert", table))

    def commit(_connection):
        happened.append(("commit", None))

    monkeypatch.setattr(os, "fsync", lambda descriptor: happened.append(("fsync", descriptor)))
    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", commit)
    try:
        response = _report_with_a_photo(client)
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(engine, "commit", commit)
    assert response.status_code == 303
    # Nothing on this server's disk; the photo and the record naming it in one transaction.
    assert happened == [
        ("insert", "stored_photos"),
        ("insert", "fault_photos"),
        ("commit", None),
    ]
