"""Where stored photos are kept: a folder on this server, or the database every server shares.

PHOTO_STORE picks one (app/config.py); app.core.photos speaks to whichever it is, so no
caller knows. Both keep the same rules:

- What was acknowledged survives a crash. The folder store writes each file under a partial
  name, flushes it to disk and renames it, before the record naming it commits. The database
  store adds the photo's row to the session, so it commits in the same transaction as the
  record naming it: a record never names a missing photo, and a photo sent with a form that
  was not recorded is not kept either.
- A refused form shown again carries its photos in signed tokens (app/core/sent_forms.py), to
  be claimed when it is sent again: keep() makes sure they outlive the refused request.
- A photo no record names is deleted once nobody stored or claimed it for a while
  (cleanup.py); claiming makes it young again.
"""

import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Response, abort, current_app, request, send_from_directory

from app.extensions import db
from app.models import StoredPhoto
from app.models.common import utcnow

THUMB_SUFFIX = "_thumb.jpg"
PARTIAL_SUFFIX = ".partial"
# What save_photo names a photo: anything else is no stored photo (a NUL byte, for one, is
# refused by PostgreSQL as an error, not found missing).
PHOTO_NAME = re.compile(r"[0-9a-f]{32}\.jpg")


def photo_folder() -> Path:
    """The folder store's folder (also what `photos move-to-database` copies from)."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "photos"


def thumbnail_name(filename: str) -> str:
    return filename.removesuffix(".jpg") + THUMB_SUFFIX


@dataclass(frozen=True)
class StoredBytes:
    jpeg: bytes
    thumbnail: bytes


@dataclass
class Cleaned:
    # The files (folder) or photos (database) deleted.
    deleted: list[str] = field(default_factory=list)
    kept_young: int = 0


class FolderStore:
    """UPLOAD_FOLDER/photos: a photo is two files, `<name>` and its `<name>_thumb.jpg`."""

    name = "folder"

    def put(self, name: str, photo: StoredBytes) -> None:
        folder = photo_folder()
        _make_folder(folder)
        _write_flushed(folder / name, photo.jpeg)
        _write_flushed(folder / thumbnail_name(name), photo.thumbnail)
        _flush_folder(folder)

    def read(self, name: str) -> StoredBytes | None:
        folder = photo_folder()
        try:
            return StoredBytes(
                (folder / name).read_bytes(), (folder / thumbnail_name(name)).read_bytes()
            )
        except FileNotFoundError:
            return None

    def send(self, name: str, thumbnail: bool, max_age: int | None) -> Response:
        # send_from_directory answers 404 for a missing file or a name outside the folder.
        file = thumbnail_name(name) if thumbnail else name
        return send_from_directory(photo_folder(), file, mimetype="image/jpeg", max_age=max_age)

    def claim(self, name: str) -> bool:
        folder = photo_folder()
        try:
            for file in (name, thumbnail_name(name)):
                os.utime(folder / file)
        except FileNotFoundError:
            return False
        return True

    def keep(self) -> None:
        """The files are on disk since they were stored."""

    def delete(self, name: str) -> None:
        folder = photo_folder()
        for file in (name, thumbnail_name(name)):
            (folder / file).unlink(missing_ok=True)

    def clean_unclaimed(self, named: sa.CompoundSelect, cutoff: float) -> Cleaned:
        folder = photo_folder()
        result = Cleaned()
        if not folder.is_dir():
            return result
        kept = set(db.session.scalars(named))
        for path in sorted(folder.iterdir()):
            if not path.is_file() or _photo_of(path.name) in kept:
                continue
            # Read again just before deleting: a resend may have claimed it meanwhile.
            if path.stat().st_mtime >= cutoff:
                result.kept_young += 1
                continue
            path.unlink(missing_ok=True)
            result.deleted.append(path.name)
        return result


class DatabaseStore:
    """The stored_photos table (app.models.StoredPhoto): one row per photo, in the school of
    the request that stored it, held to that school like the records naming it."""

    name = "database"
    # The session's transaction that stored or claimed a photo and has not committed yet.
    _UNKEPT = "patrol_unkept_photos"

    def put(self, name: str, photo: StoredBytes) -> None:
        db.session.add(StoredPhoto(name=name, jpeg=photo.jpeg, thumbnail=photo.thumbnail))
        self._mark_unkept()

    def read(self, name: str) -> StoredBytes | None:
        if not PHOTO_NAME.fullmatch(name):
            return None
        row = db.session.execute(
            sa.select(StoredPhoto.jpeg, StoredPhoto.thumbnail).where(StoredPhoto.name == name)
        ).first()
        return None if row is None else StoredBytes(row.jpeg, row.thumbnail)

    def send(self, name: str, thumbnail: bool, max_age: int | None) -> Response:
        # Only the column asked for: a thumbnail's page does not read every full photo.
        column = StoredPhoto.thumbnail if thumbnail else StoredPhoto.jpeg
        if not PHOTO_NAME.fullmatch(name):
            abort(404)
        row = db.session.execute(
            sa.select(column, StoredPhoto.created_at).where(StoredPhoto.name == name)
        ).first()
        if row is None:
            abort(404)
        response = Response(row[0], mimetype="image/jpeg")
        # A stored photo never changes under its name: the name is its version.
        response.set_etag(thumbnail_name(name) if thumbnail else name)
        response.last_modified = row.created_at.replace(tzinfo=UTC)
        if max_age:
            response.cache_control.max_age = max_age
            response.expires = int(time.time() + max_age)
        else:
            response.cache_control.no_cache = True
        return response.make_conditional(request)

    def claim(self, name: str) -> bool:
        if not PHOTO_NAME.fullmatch(name):
            return False
        claimed = db.session.execute(
            sa.update(StoredPhoto)
            .where(StoredPhoto.name == name)
            .values(touched_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 0:
            return False
        self._mark_unkept()
        return True

    def keep(self) -> None:
        """Commit the photos stored or claimed in this transaction, for a refused form shown
        again with them: it is recorded by a later request, and until then the photos must
        be there for it to claim. A refused form records nothing, so nothing else commits."""
        unkept = db.session.info.pop(self._UNKEPT, None)
        # A transaction since rolled back (a repeat's answer) has nothing left to keep.
        if unkept is not None and unkept is db.session().get_transaction():
            db.session.commit()

    def delete(self, name: str) -> None:
        """Called once no committed record names the photo (it was replaced), so committed."""
        db.session.execute(
            sa.delete(StoredPhoto)
            .where(StoredPhoto.name == name)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    def clean_unclaimed(self, named: sa.CompoundSelect, cutoff: float) -> Cleaned:
        # One statement: a photo claimed or named by a transaction committing meanwhile is
        # either seen young and named by it, or locked until it commits and then seen so.
        unnamed = StoredPhoto.name.not_in(named)
        old = datetime.fromtimestamp(cutoff, UTC).replace(tzinfo=None)
        deleted = db.session.scalars(
            sa.delete(StoredPhoto)
            .where(unnamed, StoredPhoto.touched_at < old)
            .returning(StoredPhoto.name)
            .execution_options(synchronize_session=False)
        ).all()
        young = db.session.scalar(sa.select(sa.func.count()).where(unnamed))
        db.session.commit()
        return Cleaned(deleted=sorted(deleted), kept_young=young)

    def _mark_unkept(self) -> None:
        db.session.info[self._UNKEPT] = db.session().get_transaction()


STORES = {store.name: store for store in (FolderStore(), DatabaseStore())}


def current_store() -> FolderStore | DatabaseStore:
    """The store PHOTO_STORE names (checked when the app starts: app/config.py)."""
    return STORES[current_app.config["PHOTO_STORE"]]


def _make_folder(folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        _flush_folder(folder.parent)


def _write_flushed(path: Path, content: bytes) -> None:
    """Write under a partial name, flush to disk, then rename: a power cut leaves either the
    whole file or none under its name, never an empty one."""
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    with open(partial, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _flush_folder(folder: Path) -> None:
    """Flush a folder's entries, so a file renamed into it is found there after a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _photo_of(file: str) -> str:
    """The stored photo a file belongs to: itself, or the photo of a thumbnail or partial."""
    file = file.removesuffix(PARTIAL_SUFFIX)
    if file.endswith(THUMB_SUFFIX):
        return file.removesuffix(THUMB_SUFFIX) + ".jpg"
    return file
