"""`flask --app app photos move-to-database`: an install's photo files copied into the
database store, so that several app servers can show them (PHOTO_STORE = "database").

Rules:
- Each photo in UPLOAD_FOLDER/photos (its JPEG and thumbnail) is copied in a transaction of
  its own, into the school of the record naming it, then read back and compared with the
  files: what the command counts as copied is in the database, byte for byte.
- A photo already in the database is not copied again; its bytes are compared with the
  files. So the command may run twice, or again to pick up what servers still on the folder
  stored meanwhile.
- A photo no record names (a refused form's, waiting to be claimed) is copied only while it
  can still be claimed and its school is known: the install has one school. Older ones are
  the clean-up's to delete; in an install of several schools nothing tells whose it is.
- The files are left where they are. A server still running with PHOTO_STORE=folder shows
  them until it is switched over, and switching back costs nothing; the operator removes
  the folder once every server runs on the database.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app import tenancy
from app.core.photos.cleanup import CLAIMABLE_FOR, PHOTO_COLUMNS
from app.core.photos.stores import PHOTO_NAME, DatabaseStore, FolderStore, photo_folder
from app.extensions import db
from app.models import StoredPhoto


@dataclass
class Moved:
    copied: int = 0
    present: int = 0
    # Not copied, no record naming them: past claiming, or of a school nothing tells.
    unclaimed_old: int = 0
    school_unknown: int = 0
    # In the database with other bytes than the files, or without a thumbnail file.
    differ: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)


def move_to_database() -> Moved:
    """Copy every photo file into the database store; see the module's rules."""
    moved = Moved()
    folder = photo_folder()
    if not folder.is_dir():
        return moved
    cutoff = time.time() - CLAIMABLE_FOR
    schools = tenancy.all_school_ids()
    owners = _owners()
    files, database = FolderStore(), DatabaseStore()
    for path in _photo_files(folder):
        name = path.name
        stored = files.read(name)
        if stored is None:
            moved.incomplete.append(name)
            continue
        with tenancy.everywhere():
            present = database.read(name)
        if present is not None:
            if present == stored:
                moved.present += 1
            else:
                moved.differ.append(name)
            continue
        written = path.stat().st_mtime
        school = owners.get(name)
        if school is None:
            if written < cutoff:
                moved.unclaimed_old += 1
                continue
            if len(schools) != 1:
                moved.school_unknown += 1
                continue
            school = schools[0]
        _copy(name, stored, school, written)
        with tenancy.everywhere():
            copied = database.read(name)
        if copied == stored:
            moved.copied += 1
        else:
            moved.differ.append(name)
    return moved


def _photo_files(folder: Path) -> list[Path]:
    # Named as save_photo names a photo: not its thumbnail, nor a half-written ".partial".
    return sorted(
        path for path in folder.glob("*.jpg") if path.is_file() and PHOTO_NAME.fullmatch(path.name)
    )


def _owners() -> dict[str, int]:
    """The school of the record naming each photo, by the photo's name."""
    owners = {}
    with tenancy.everywhere():
        for column in PHOTO_COLUMNS:
            model = column.class_
            owners.update(
                db.session.execute(
                    sa.select(column, model.school_id).where(column.is_not(None))
                ).all()
            )
    return owners


def _copy(name: str, stored, school_id: int, written: float) -> None:
    """One photo in its own transaction, keeping its file's time: the clean-up's clock."""
    at = datetime.fromtimestamp(written, UTC).replace(tzinfo=None)
    with tenancy.in_school(school_id):
        db.session.add(
            StoredPhoto(
                name=name,
                jpeg=stored.jpeg,
                thumbnail=stored.thumbnail,
                created_at=at,
                touched_at=at,
                school_id=school_id,
            )
        )
        db.session.commit()
