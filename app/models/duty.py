"""Duties: who does a routine. A routine with nobody named is everyone's."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import SchoolOwned


class Duty(SchoolOwned, db.Model):
    """One person named on a routine, as one of its people or as their stand-in.

    Stand-ins are told only while none of the routine's own people is active.
    """

    __tablename__ = "duties"

    checklist_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("checklists.id"), primary_key=True
    )
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    stand_in: so.Mapped[bool] = so.mapped_column(default=False)

    checklist: so.Mapped["Checklist"] = so.relationship(back_populates="duties")  # noqa: F821
    user: so.Mapped["User"] = so.relationship()  # noqa: F821
