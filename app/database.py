"""Connection settings that differ between SQLite and PostgreSQL, and which of their errors
mean "busy for a moment" rather than a bug.

What Patrol acknowledges must survive a power cut: the phone forgets a send once it is
answered 201. SQLite in WAL mode at synchronous=NORMAL may lose the last transactions to a
power cut after they were acknowledged; at FULL each commit waits for the disk. PostgreSQL
keeps its default synchronous_commit=on for the same reason.
"""

import sqlite3

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

# SQLite's primary result codes for a lock another connection holds (the extended codes,
# such as SQLITE_BUSY_SNAPSHOT, carry them in their low byte).
SQLITE_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
# PostgreSQL's SQLSTATEs for a server that cannot answer this time but may the next, besides
# the whole class 08 (connection exception).
TRANSIENT_SQLSTATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "53300",  # too_many_connections
    "55P03",  # lock_not_available: lock_timeout ran out
    "57014",  # query_canceled: statement_timeout ran out
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now: the server is starting
}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Only SQLite needs these; PostgreSQL enforces foreign keys and handles concurrency itself.
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def init_app(app, engine) -> None:
    """Wait at most DATABASE_LOCK_TIMEOUT seconds for a lock another connection holds.

    Then the statement fails, and the request is answered "busy, try again" (app.errors)
    instead of queueing behind a long write. SQLite gets it as its busy timeout, PostgreSQL
    as lock_timeout, both given when each connection is opened.
    """
    seconds = float(app.config["DATABASE_LOCK_TIMEOUT"])

    @event.listens_for(engine, "do_connect")
    def _lock_timeout(dialect, connection_record, cargs, cparams):
        if dialect.name == "sqlite":
            cparams["timeout"] = seconds
        elif dialect.name == "postgresql":
            # Added to the URL's own options (a benchmark's search_path), not instead of them.
            option = f"-c lock_timeout={int(seconds * 1000)}"
            cparams["options"] = f"{cparams.get('options', '')} {option}".strip()


def is_transient(error: OperationalError) -> bool:
    """Whether the database was only busy or out of reach, so the same request may succeed
    in a moment: SQLite's lock held by another writer; PostgreSQL unreachable, restarting,
    out of connections, or a lock, serialization or statement timeout.

    Every other OperationalError is a bug or a broken setup (SQLite's "no such column",
    "unable to open database file", a full disk) and must stay an error: told apart by the
    driver's result code, never by the message's words.
    """
    cause = error.orig
    if isinstance(cause, sqlite3.OperationalError):
        code = getattr(cause, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in SQLITE_BUSY_CODES
    if error.connection_invalidated:
        return True
    if not isinstance(cause, psycopg.Error):
        return False
    if cause.sqlstate is None:
        # Raised without an answer from the server: it refused or dropped the connection, or
        # was never reached. (A wrong password at connect comes this way too.)
        return True
    return cause.sqlstate.startswith("08") or cause.sqlstate in TRANSIENT_SQLSTATES
