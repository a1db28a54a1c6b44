"""Connection settings that differ between SQLite and PostgreSQL.

What Patrol acknowledges must survive a power cut: the phone forgets a send once it is
answered 201. SQLite in WAL mode at synchronous=NORMAL may lose the last transactions to a
power cut after they were acknowledged; at FULL each commit waits for the disk. PostgreSQL
keeps its default synchronous_commit=on for the same reason.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Only SQLite needs these; PostgreSQL enforces foreign keys and handles concurrency itself.
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
