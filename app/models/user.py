"""People who sign in, and the role each has in each of their schools."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.common import SchoolOwned, enum_column, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    REPAIRER = "repairer"
    # Not given to anyone: the role of a district's people in one of its schools, reading.
    VIEWER = "viewer"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: _l("Logistics head (admin)"),
    Role.INSPECTOR: _l("Inspector"),
    Role.REPAIRER: _l("Repairer"),
    Role.VIEWER: _l("District office (read-only)"),
}

# The roles a school gives its people.
SCHOOL_ROLES = (Role.ADMIN, Role.INSPECTOR, Role.REPAIRER)


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
    # Users are disabled, never deleted: what they recorded keeps their name.
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    # Their membership of the current school: queries are kept to one school (app.tenancy),
    # so this is the one role that counts now.
    membership: so.Mapped["Membership | None"] = so.relationship(back_populates="user")

    # The SignIn this request was made under (not a column), set by app.auth.sign_ins.
    sign_in = None
    # Set by app.auth.sign_ins for a district's people in a school of theirs.
    district_role = None
    # How many schools they work in, set by app.auth.sign_ins with the sign-in.
    school_count = 0
    # Set by app.auth.sign_ins: whether they have a role in some district.
    in_a_district = False

    @property
    def role(self) -> Role | None:
        """Their role in the current school: a membership's, or reading for the district."""
        membership = self._membership_here()
        if membership is not None:
            return membership.role
        return Role.VIEWER if self.district_role is not None else None

    @role.setter
    def role(self, role: Role) -> None:
        """Gives the role in the current school, joining it if need be."""
        membership = self._membership_here()
        if membership is None:
            self.membership = Membership(role=role)
        else:
            membership.role = role

    def _membership_here(self) -> "Membership | None":
        session = so.object_session(self)
        if session is None:
            return self.membership
        # Reading a role in the middle of a change need not write the change first.
        with session.no_autoflush:
            return self.membership

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


class Membership(SchoolOwned, db.Model):
    """A person's role in one school. A person may belong to several schools, with a role in
    each (a contractor is a repairer in three); removing the last one is refused."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "school_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    role: so.Mapped[Role] = so.mapped_column(enum_column(Role))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped[User] = so.relationship(back_populates="membership")
    school: so.Mapped["School"] = so.relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Membership user {self.user_id} school {self.school_id} {self.role}>"
