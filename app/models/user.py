"""People who sign in, and what their role lets them do."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.common import enum_column, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    REPAIRER = "repairer"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: _l("Logistics head (admin)"),
    Role.INSPECTOR: _l("Inspector"),
    Role.REPAIRER: _l("Repairer"),
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    # Optional: where Patrol sends what waits on this person, when email is configured.
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    # Optional: a chat message names its people by mobile number where the chat can.
    mobile: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # What their notices are written in; None: the school's language.
    language: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    role: so.Mapped[Role] = so.mapped_column(enum_column(Role))
    # Users are disabled, never deleted: what they recorded keeps their name.
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    # The SignIn this request was made under (not a column), set by app.auth.sign_ins.
    sign_in = None

    def set_password(self, password: str) -> None:
        """Only the hash; app.users.rules.change_password also signs the other phones out."""
        self.password_hash = generate_password_hash(password)

    def get_id(self) -> str:
        """What the session and remember-me cookies carry: this phone's sign-in token."""
        return self.sign_in.token

    def __eq__(self, other):
        # The same person whichever phone they use (UserMixin compares get_id, a sign-in).
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = object.__hash__

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
