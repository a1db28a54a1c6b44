"""Making a backup: the database's snapshot first, the photo files after it.

The order matters. A photo is on disk, flushed, before the record naming it commits
(app.core.photos.save_photo), so every photo a record in the snapshot names was already in
the folder when the snapshot was taken: copying the folder after the snapshot finds them
all. Photos uploaded meanwhile are copied too and named by nothing yet; the clean-up deletes
them a day after a restore, as it does any unclaimed upload. The one photo that can be
missed is one deleted between the snapshot and the copy (an asset's photo replaced during
the backup): the manifest lists it, and the command says so.
"""

import tempfile
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.backups import postgres, sqlite
from app.backups.archive import DATABASE_MEMBERS, PHOTOS, ArchiveError, ArchiveWriter, Manifest
from app.core.photos import PARTIAL_SUFFIX, photo_folder
from app.extensions import db


def patrol_version() -> str:
    try:
        return version("patrol")
    except PackageNotFoundError:
        return "unknown"


def make_backup(path: Path) -> Manifest:
    """Write the archive to `path` (refused if it exists); its manifest."""
    if path.exists():
        raise ArchiveError(
            _l("%(path)s already exists: name a new file, so no backup is overwritten.", path=path)
        )
    if not path.parent.is_dir():
        raise ArchiveError(_l("The folder %(path)s does not exist.", path=path.parent))
    engine = db.engine
    kind = engine.dialect.name
    schema = None
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".patrol-backup-") as work:
        database = Path(work) / DATABASE_MEMBERS[kind]
        if kind == "sqlite":
            contents = sqlite.snapshot(engine, database)
        else:
            contents, schema = postgres.snapshot(engine, database)
        archive = ArchiveWriter(path)
        try:
            archive.add_path(DATABASE_MEMBERS[kind], database)
            copied = _add_photos(archive)
            manifest = Manifest(
                patrol_version=patrol_version(),
                alembic_revision=contents.revision,
                database=kind,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                counts=contents.counts,
                signatures_sha256=contents.signatures_sha256,
                photos_missing=sorted(contents.named_photos - copied),
                schema=schema,
            )
            archive.finish(manifest)
        except BaseException:
            archive.abandon()
            raise
    return manifest


def _add_photos(archive: ArchiveWriter) -> set[str]:
    """Every whole photo file in the folder (an empty or absent folder is fine); their names."""
    folder = photo_folder()
    copied = set()
    if not folder.is_dir():
        return copied
    for path in sorted(folder.iterdir()):
        if path.name.endswith(PARTIAL_SUFFIX) or not path.is_file():
            continue
        try:
            archive.add_path(PHOTOS + path.name, path)
        except FileNotFoundError:
            # Deleted since the folder was listed: the clean-up's unclaimed upload, or a
            # replaced photo (then the manifest's photos_missing names it).
            continue
        copied.add(path.name)
    return copied
