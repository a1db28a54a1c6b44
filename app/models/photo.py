"""Photos kept in the database (PHOTO_STORE = "database"), for several app servers at once.

One row is one stored photo: the clean JPEG and its thumbnail, under the name the records
use (Asset.photo, Fault.photo, Answer.photo, FaultPhoto.filename). It is added in the same
transaction as the record that names it; app/core/photos/stores.py has the rules.
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import SchoolOwned, utcnow


class StoredPhoto(SchoolOwned, db.Model):
    __tablename__ = "stored_photos"

    name: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    jpeg: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    thumbnail: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # When it was stored or last claimed by a refused form sent again: the clean-up's clock,
    # as a file's modification time is in the folder store.
    touched_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
