"""Stored photos no record claims, cleaned up once no resend can claim them any more.

A photo is stored as soon as it is uploaded, before the form it came with is checked, so a
refused form (a report without a description) leaves its photos stored. They must stay a
while: the form shown again carries them in signed tokens (`app/core/sent_forms.py`), valid for
a day from the last refusal, and claiming one makes it young again; a resend from the
phone's outbox uploads its photos anew. So a photo is deleted only when no record names it
and it has not been stored or claimed for CLAIMABLE_FOR, a day, plus an hour so that a
token signed the moment it was touched has expired too. In the folder store, half-written
files (a crash between writing and renaming) go by the same rule.
"""

import time

import sqlalchemy as sa

from app import tenancy
from app.core.photos.stores import Cleaned, current_store
from app.core.sent_forms import PHOTO_TOKEN_MAX_AGE
from app.models import Answer, Asset, Fault, FaultPhoto

CLAIMABLE_FOR = PHOTO_TOKEN_MAX_AGE + 3600
# Every column that names a stored photo.
PHOTO_COLUMNS = (Asset.photo, Fault.photo, Answer.photo, FaultPhoto.filename)


def named_photos() -> sa.CompoundSelect:
    """The name of every photo a record names, as one query."""
    return sa.union(*(sa.select(column).where(column.is_not(None)) for column in PHOTO_COLUMNS))


def clean_unclaimed(now: float | None = None) -> Cleaned:
    """Delete the stored photos no record names and nobody stored or claimed for
    CLAIMABLE_FOR."""
    cutoff = (time.time() if now is None else now) - CLAIMABLE_FOR
    # Every school's records and photos: the store is the deployment's.
    with tenancy.everywhere():
        return current_store().clean_unclaimed(named_photos(), cutoff)
