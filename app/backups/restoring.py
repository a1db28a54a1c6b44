"""Restoring a backup, only into an empty install (app.backups.contents.first_rows_of_use):
nothing an install holds is ever overwritten or mixed with another's records.

The whole archive is read and checked into a staging folder before anything changes. Then
the photos go into the photo folder first and the database last, so a restore that stops
half-way leaves at worst photos no record names (the clean-up's), never a record without its
photo; the install stays empty, and the restore can be run again.

Only into the same kind of database: a SQLite file cannot become a PostgreSQL database by a
restore (their types, sequences and row-level security differ), and pg_restore cannot write
a SQLite file. Moving between the two is a migration of its own, not a restore.
"""

import os
import shutil
import tempfile
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.backups import postgres, sqlite
from app.backups.archive import DATABASE_MEMBERS, ArchiveError, Manifest, stage
from app.backups.contents import first_rows_of_use, table_counts
from app.core.photos import photo_folder
from app.extensions import db

KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def migrations() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def restore_backup(path: Path) -> Manifest:
    """Restore the archive at `path` into this empty install; its manifest."""
    if not path.is_file():
        raise ArchiveError(_l("%(path)s is not a file.", path=path))
    engine = db.engine
    _refuse_unless_empty(engine)
    upload_folder = Path(current_app.config["UPLOAD_FOLDER"])
    upload_folder.mkdir(parents=True, exist_ok=True)
    # Beside the photo folder, so each photo is moved in by a rename.
    staging = Path(tempfile.mkdtemp(dir=upload_folder, prefix=".restore-"))
    try:
        manifest = stage(path, staging)
        _refuse_unless_restorable(engine, manifest)
        _move_photos(staging / "photos")
        database = staging / DATABASE_MEMBERS[manifest.database]
        if manifest.database == "sqlite":
            sqlite.restore(engine, database)
        else:
            postgres.restore(engine, database)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _refuse_unless_empty(engine) -> None:
    with engine.connect() as connection:
        in_use = first_rows_of_use(table_counts(connection))
    if in_use is not None:
        table, count = in_use
        raise ArchiveError(
            _l(
                "This install is not empty (%(table)s holds %(count)s rows): a backup is "
                "restored only into an empty install, so nothing here is overwritten.",
                table=table,
                count=count,
            )
        )


def _refuse_unless_restorable(engine, manifest: Manifest) -> None:
    kind = engine.dialect.name
    if manifest.database != kind:
        raise ArchiveError(
            _l(
                "This backup is of a %(archive)s database and this install uses %(install)s: "
                "a restore cannot move records between the two.",
                archive=KIND_NAMES[manifest.database],
                install=KIND_NAMES.get(kind, kind),
            )
        )
    try:
        known = migrations().get_revision(manifest.alembic_revision) is not None
    except CommandError:
        known = False
    if not known:
        raise ArchiveError(
            _l(
                "This backup was made by a newer Patrol (database revision %(revision)s): "
                "install that version or a later one, then restore.",
                revision=manifest.alembic_revision,
            )
        )
    if kind == "postgresql":
        with engine.connect() as connection:
            schema = postgres.current_schema(connection)
        if manifest.schema != schema:
            raise ArchiveError(
                _l(
                    "This backup is of the schema %(archive)s and this install uses %(install)s.",
                    archive=manifest.schema,
                    install=schema,
                )
            )


def _move_photos(staged: Path) -> None:
    folder = photo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for path in staged.iterdir():
        os.replace(path, folder / path.name)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
