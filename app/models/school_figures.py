"""A school's district dashboard figures as last counted, kept so that the dashboard reads one
row per school instead of counting every school at every request (app.district.stored)."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import SchoolOwned, current_school_id_default


class SchoolFigures(SchoolOwned, db.Model):
    __tablename__ = "school_figures"

    school_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("schools.id"), primary_key=True, default=current_school_id_default
    )
    counted_at: so.Mapped[datetime]  # UTC, when the counting began
    on: so.Mapped[date]  # the school's day they were counted for
    done: so.Mapped[int]
    due: so.Mapped[int]
    overdue: so.Mapped[int]
    unsafe_open: so.Mapped[int]
    oldest_unsafe_at: so.Mapped[datetime | None]
    term_start: so.Mapped[date]
    repairs_accepted: so.Mapped[int]
    repair_mean: so.Mapped[timedelta | None] = so.mapped_column(sa.Interval)
    term_due: so.Mapped[int]
    term_done: so.Mapped[int]
    term_open: so.Mapped[int]
    term_missed: so.Mapped[int]
    out_of_service: so.Mapped[int]
