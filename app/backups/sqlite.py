"""SQLite: a snapshot by its online backup API, and a restore by the same API the other way.

Connection.backup copies the whole file in one step (pages=-1) under a read transaction: the
copy is the database as of one moment, and in WAL mode the app's writers carry on meanwhile
(only a checkpoint waits for the copy to finish).
"""

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from app.backups.contents import Contents, read_contents


def database_path(engine) -> Path:
    return Path(engine.url.database)


def snapshot(engine, into: Path) -> Contents:
    """Copy the live database into `into`; what the copy holds."""
    source = sqlite3.connect(database_path(engine), timeout=30)
    target = sqlite3.connect(into)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    copy = sa.create_engine(f"sqlite:///{into}", poolclass=NullPool)
    try:
        with copy.connect() as connection:
            contents = read_contents(connection)
    finally:
        copy.dispose()
    # One self-contained file: Patrol's connections switch every file they open to WAL.
    single = sqlite3.connect(into)
    try:
        single.execute("PRAGMA journal_mode=DELETE")
    finally:
        single.close()
    return contents


def restore(engine, staged: Path) -> None:
    """Write the staged copy over the install's (empty) database, page by page through
    SQLite itself, so its WAL and lock files stay consistent."""
    engine.dispose()
    source = sqlite3.connect(staged)
    target = sqlite3.connect(database_path(engine), timeout=30)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    engine.dispose()
