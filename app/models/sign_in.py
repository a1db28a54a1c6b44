"""A phone (or computer) signed in as a user, which that user or the logistics head can end."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import utcnow

DEVICE_MAX_LENGTH = 80


class SignIn(db.Model):
    """One sign-in on one phone: its session and remember-me cookies carry a random token,
    of which only the SHA-256 is kept here, so a copy of the database opens no one's session.

    Ended sign-ins are kept, with when they ended, rather than deleted.
    """

    __tablename__ = "sign_ins"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # "Android · Chrome", read from the browser's User-Agent when it signed in.
    device: so.Mapped[str] = so.mapped_column(sa.String(DEVICE_MAX_LENGTH))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_used_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ended_at: so.Mapped[datetime | None]
    # The school this phone works in now; switched in one tap among the user's schools.
    school_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("schools.id"))

    user: so.Mapped["User"] = so.relationship()  # noqa: F821

    # The token itself (not a column): known only while serving the request that carries it.
    token = None

    def __repr__(self) -> str:
        return f"<SignIn {self.id} of user {self.user_id}>"
