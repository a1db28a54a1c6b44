"""What a database holds, read the same way from a snapshot and from a restored install, so
the two can be compared: the Alembic revision, the rows in each table, a digest of every
signature, and the photos its records name.

Read on a plain connection, below the ORM and as the tables' owner (whom PostgreSQL's
row-level security does not bind): every school's rows at once.
"""

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.photos.cleanup import PHOTO_COLUMNS

# Tables the migrations fill themselves: a new install holds these rows before anyone used it.
MIGRATION_ROWS = {"alembic_version": 1, "schools": 1}


@dataclass
class Contents:
    revision: str | None
    counts: dict[str, int]
    signatures_sha256: str
    named_photos: set[str]


def read_contents(connection) -> Contents:
    counts = table_counts(connection)
    return Contents(
        revision=revision_of(connection, counts),
        counts=counts,
        signatures_sha256=signatures_sha256(connection),
        named_photos=named_photos(connection),
    )


def table_counts(connection) -> dict[str, int]:
    quote = connection.dialect.identifier_preparer.quote
    return {
        name: connection.execute(sa.text(f"SELECT count(*) FROM {quote(name)}")).scalar()
        for name in sorted(sa.inspect(connection).get_table_names())
    }


def revision_of(connection, counts: dict[str, int] | None = None) -> str | None:
    """The database's Alembic revision; None when its schema was never made."""
    if "alembic_version" not in (counts or table_counts(connection)):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def signatures_sha256(connection) -> str:
    """One digest over every signature as stored (who, when, the drawing), in id order: a
    signature changed, lost or added since the backup changes it."""
    digest = hashlib.sha256()
    rows = connection.execution_options(yield_per=500).execute(
        sa.text("SELECT * FROM signatures ORDER BY id")
    )
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def named_photos(connection) -> set[str]:
    named = set()
    for column in PHOTO_COLUMNS:
        named.update(
            connection.execute(sa.select(column).where(column.is_not(None)).distinct()).scalars()
        )
    return named


def first_rows_of_use(counts: dict[str, int]) -> tuple[str, int] | None:
    """A table holding more than a new install does, with its rows; None for an empty
    install. Empty: its schema absent, or migrated with no rows but the migrations' own
    (the Alembic revision and the first school)."""
    for name, count in counts.items():
        if count > MIGRATION_ROWS.get(name, 0):
            return name, count
    return None
