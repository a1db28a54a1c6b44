"""Whether this server may take requests: its database answers, at the newest migration."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

DATABASE_UNREACHABLE = "database unreachable"
SCHEMA_BEHIND = "schema not at the newest migration"
_NEWEST = "patrol_newest_migrations"


def problem() -> str | None:
    """Why this server is not ready, or None when it is."""
    try:
        with db.engine.connect() as connection:
            applied = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError:
        # Refused, dropped, timed out, or the pool had no connection to lend in time.
        return DATABASE_UNREACHABLE
    if applied != newest_migrations():
        return SCHEMA_BEHIND
    return None


def newest_migrations() -> set[str]:
    """The heads of the migrations this code ships: read from their files once per process."""
    heads = current_app.extensions.get(_NEWEST)
    if heads is None:
        directory = current_app.extensions["migrate"].directory
        heads = current_app.extensions[_NEWEST] = set(ScriptDirectory(directory).get_heads())
    return heads
