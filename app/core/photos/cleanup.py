"""Photo files no record claims, cleaned up once no resend can claim them any more.

A photo is stored as soon as it is uploaded, before the form it came with is checked, so a
refused form (a report without a description) leaves its photos on disk. They must stay a
while: the form shown again carries them in signed tokens (`app/core/sent_forms.py`), valid for
a day from the last refusal, and claiming one makes the file young again; a resend from the
phone's outbox uploads its photos anew. So a file is deleted only when no record names it
and it has not been written or claimed for CLAIMABLE_FOR, a day, plus an hour so that a
token signed the moment its file was touched has expired too. Half-written files (a crash
between writing and renaming) go by the same rule.
"""

import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from app import tenancy
from app.core.photos import PARTIAL_SUFFIX, THUMB_SUFFIX, photo_folder
from app.core.sent_forms import PHOTO_TOKEN_MAX_AGE
from app.extensions import db
from app.models import Answer, Asset, Fault, FaultPhoto

CLAIMABLE_FOR = PHOTO_TOKEN_MAX_AGE + 3600
# Every column that names a stored photo.
PHOTO_COLUMNS = (Asset.photo, Fault.photo, Answer.photo, FaultPhoto.filename)


@dataclass
class Cleaned:
    deleted: list[str] = field(default_factory=list)
    kept_young: int = 0


def clean_unclaimed(now: float | None = None) -> Cleaned:
    """Delete the photo files no record names and nobody wrote or claimed for CLAIMABLE_FOR."""
    folder = photo_folder()
    result = Cleaned()
    if not folder.is_dir():
        return result
    cutoff = (time.time() if now is None else now) - CLAIMABLE_FOR
    # Every school's records: the folder is the deployment's.
    with tenancy.everywhere():
        named = _named_photos()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or _photo_of(path.name) in named:
            continue
        # Read again just before deleting: a resend may have claimed it meanwhile.
        if path.stat().st_mtime >= cutoff:
            result.kept_young += 1
            continue
        path.unlink(missing_ok=True)
        result.deleted.append(path.name)
    return result


def _named_photos() -> set[str]:
    named = set()
    for column in PHOTO_COLUMNS:
        named.update(db.session.scalars(sa.select(column).where(column.is_not(None)).distinct()))
    return named


def _photo_of(name: str) -> str:
    """The stored photo a file belongs to: itself, or the photo of a thumbnail or partial."""
    name = name.removesuffix(PARTIAL_SUFFIX)
    if name.endswith(THUMB_SUFFIX):
        return name.removesuffix(THUMB_SUFFIX) + ".jpg"
    return name
