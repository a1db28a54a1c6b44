"""A signature on the spot: the drawing (or the typed name, without JavaScript), who and when."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import SchoolOwned, utcnow
from app.models.records import immutable


@immutable
class Signature(SchoolOwned, db.Model):
    __tablename__ = "signatures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    signer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # Kept as written at the time: a renamed or disabled user does not change what was signed.
    signer_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    signed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # A PNG drawn with a finger; None when the name was typed instead.
    image: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)

    signer: so.Mapped["User | None"] = so.relationship()  # noqa: F821
