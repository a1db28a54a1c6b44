"""The school's closed periods: holidays pause every routine."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import SchoolOwned


class ClosedPeriod(SchoolOwned, db.Model):
    __tablename__ = "closed_periods"
    __table_args__ = (sa.CheckConstraint("start_date <= end_date", name="ordered"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    start_date: so.Mapped[date]
    end_date: so.Mapped[date]  # inclusive

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date
