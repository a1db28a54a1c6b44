"""The archive's file format: writing it member by member, and reading it back into a
staging folder only after every member was checked against the manifest.

Reading never extracts by the names in the file: a member is accepted only under a name a
Patrol backup uses (the database, `photos/<one plain file name>`, the manifest), as a
regular file, once; anything else (`../../etc/passwd`, an absolute path, a link, a device)
refuses the whole archive before anything is restored.
"""

import hashlib
import json
import os
import re
import tarfile
import time
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from flask_babel import lazy_gettext as _l

FORMAT = "patrol-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
PHOTOS = "photos/"
# A photo's stored name (app.core.photos): letters, digits, dots, dashes; never a path.
PHOTO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
NOT_A_MANIFEST = _l("This file is not a Patrol backup: its manifest is not one.")


class ArchiveError(ValueError):
    """Why an archive is refused, in words the operator can act on."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Manifest:
    patrol_version: str
    alembic_revision: str
    database: str
    created_at: str
    counts: dict[str, int]
    signatures_sha256: str
    # Photos the database names that were not in the folder when it was copied.
    photos_missing: list[str] = field(default_factory=list)
    # PostgreSQL: the schema the tables are in (restored into the same one).
    schema: str | None = None
    files: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(
            {"format": FORMAT, "format_version": FORMAT_VERSION, **self.__dict__},
            indent=1,
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        try:
            fields = json.loads(data)
            if fields.pop("format") != FORMAT or fields.pop("format_version") != FORMAT_VERSION:
                raise ValueError
            manifest = cls(**fields)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ArchiveError(NOT_A_MANIFEST) from None
        if manifest.database not in DATABASE_MEMBERS:
            raise ArchiveError(NOT_A_MANIFEST)
        return manifest

    @property
    def photo_count(self) -> int:
        return sum(name.startswith(PHOTOS) for name in self.files)


class _Hashing:
    """A file read through, its SHA-256 and size kept."""

    def __init__(self, file):
        self.file = file
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.file.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """Writes the archive under a partial name and renames it at the end: a backup cut short
    (a full disk, a killed command) never lies under the name asked for."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        compressed = path.name.endswith((".tar.gz", ".tgz"))
        # Closed by finish() or abandon().
        self.tar = tarfile.open(  # noqa: SIM115
            self.partial, "w:gz" if compressed else "w", format=tarfile.PAX_FORMAT
        )
        self.files: dict[str, dict] = {}

    def add(self, name: str, file, size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(time.time())
        info.mode = 0o600
        hashing = _Hashing(file)
        self.tar.addfile(info, hashing)
        self.files[name] = {"sha256": hashing.sha256.hexdigest(), "size": hashing.size}

    def add_path(self, name: str, path: Path) -> None:
        with open(path, "rb") as file:
            self.add(name, file, os.fstat(file.fileno()).st_size)

    def finish(self, manifest: Manifest) -> None:
        manifest.files = self.files
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(time.time())
        info.mode = 0o600
        self.tar.addfile(info, BytesIO(data))
        self.tar.close()
        with open(self.partial, "rb") as file:
            os.fsync(file.fileno())
        os.replace(self.partial, self.path)

    def abandon(self) -> None:
        self.tar.close()
        self.partial.unlink(missing_ok=True)


def staged_name(name: str) -> Path:
    """Where a member goes inside the staging folder, or ArchiveError for a name a Patrol
    backup never holds: only fixed names and plain photo names, so never outside it."""
    if name in DATABASE_MEMBERS.values():
        return Path(name)
    if name.startswith(PHOTOS) and PHOTO_NAME.fullmatch(name.removeprefix(PHOTOS)):
        return Path("photos") / name.removeprefix(PHOTOS)
    raise ArchiveError(
        _l(
            "This backup holds “%(name)s”, which a Patrol backup never holds: it is refused, "
            "and nothing was restored.",
            name=name,
        )
    )


def stage(path: Path, staging: Path) -> Manifest:
    """Copy the archive's members into `staging` and check each against the manifest; the
    manifest, or ArchiveError if the archive is damaged, cut short or not a Patrol backup."""
    (staging / "photos").mkdir(parents=True, exist_ok=True)
    found: dict[str, dict] = {}
    manifest = None
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if member.name == MANIFEST and member.isreg():
                    if manifest is not None or member.size > MANIFEST_MAX_BYTES:
                        raise ArchiveError(NOT_A_MANIFEST)
                    manifest = Manifest.from_json(tar.extractfile(member).read())
                    continue
                target = staging / staged_name(member.name)
                if not member.isreg() or member.name in found:
                    raise ArchiveError(
                        _l(
                            "This backup holds “%(name)s”, which a Patrol backup never holds: "
                            "it is refused, and nothing was restored.",
                            name=member.name,
                        )
                    )
                found[member.name] = _copy(tar.extractfile(member), target)
    except (tarfile.TarError, EOFError, zlib.error, OSError):
        raise ArchiveError(
            _l(
                "This file is not a Patrol backup, or it is damaged or cut short: it cannot "
                "be read."
            )
        ) from None
    if manifest is None:
        raise ArchiveError(
            _l("This backup is incomplete: its manifest is missing (was the file cut short?).")
        )
    for name, expected in manifest.files.items():
        if name not in found:
            raise ArchiveError(_l("This backup is incomplete: %(name)s is missing.", name=name))
        if found[name] != expected:
            raise ArchiveError(
                _l("This backup is damaged: %(name)s does not match its checksum.", name=name)
            )
    unlisted = sorted(set(found) - set(manifest.files))
    if unlisted or DATABASE_MEMBERS[manifest.database] not in found:
        raise ArchiveError(NOT_A_MANIFEST)
    return manifest


def _copy(source, target: Path) -> dict:
    hashing = _Hashing(source)
    # O_EXCL: a second member of the same name never overwrites the first.
    with open(target, "xb") as file:
        while chunk := hashing.read(CHUNK):
            file.write(chunk)
    return {"sha256": hashing.sha256.hexdigest(), "size": hashing.size}
