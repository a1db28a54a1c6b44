"""Schools, the districts above them, and who works in which school as what.

Every record of a school's facilities belongs to one school (`SchoolOwned`); people and their
sign-ins belong to the deployment: a `Membership` (app.models.user) gives a person a role in a
school, a `DistrictMember` one over all of a district's schools.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.common import BilingualName, enum_column, utcnow

SCHOOL_CODE_LENGTH = 20


class District(BilingualName, db.Model):
    """A district education bureau, or a group of kindergartens: what holds schools."""

    __tablename__ = "districts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(SCHOOL_CODE_LENGTH), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    schools: so.Mapped[list["School"]] = so.relationship(
        back_populates="district", order_by="School.code"
    )

    def __repr__(self) -> str:
        return f"<District {self.code}>"


class School(BilingualName, db.Model):
    """One school: its own name, time zone and language. Its terms, closed days, damage rule,
    public-report switch and chats are its settings, closed periods and channels."""

    __tablename__ = "schools"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(SCHOOL_CODE_LENGTH), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    # What its labels and its notices to the chats are written in.
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    district_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("districts.id"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    district: so.Mapped[District | None] = so.relationship(back_populates="schools")

    def __repr__(self) -> str:
        return f"<School {self.code}>"


class DistrictRole(enum.StrEnum):
    # The district's logistics office: reads every school of the district, changes nothing.
    OFFICE = "office"
    # Manages the district's schools and its checklist templates.
    ADMIN = "admin"

    @property
    def label(self):
        return DISTRICT_ROLE_LABELS[self]


DISTRICT_ROLE_LABELS = {
    DistrictRole.OFFICE: _l("District logistics office (read-only)"),
    DistrictRole.ADMIN: _l("District admin"),
}


class DistrictMember(db.Model):
    """A person's role in a district, over all of its schools."""

    __tablename__ = "district_members"
    __table_args__ = (sa.UniqueConstraint("user_id", "district_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    district_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("districts.id"), index=True)
    role: so.Mapped[DistrictRole] = so.mapped_column(enum_column(DistrictRole))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped["User"] = so.relationship()  # noqa: F821
    district: so.Mapped[District] = so.relationship()
