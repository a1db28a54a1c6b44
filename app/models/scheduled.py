"""A routine's schedule as stored: what a school's routine and a district's template both hold.

A school adopting a district's template gets a routine with the template's schedule, so the
two hold the same columns. app.schedule says what a schedule means (on which days it falls
due); app.checklists.schedules says which schedules are valid.
"""

from dataclasses import fields
from datetime import date

import sqlalchemy.orm as so

from app.models.common import enum_column
from app.schedule import Frequency, Schedule


class Scheduled:
    """The columns of a routine's schedule, as Checklist and ChecklistTemplate both have them."""

    frequency: so.Mapped[Frequency] = so.mapped_column(enum_column(Frequency))
    weekday: so.Mapped[int | None]  # 0 = Monday, for weekly routines
    day_of_month: so.Mapped[int | None]  # monthly, yearly; a short month uses its last day
    month: so.Mapped[int | None]  # yearly
    interval_days: so.Mapped[int | None]  # every N days, counted from anchor_date
    anchor_date: so.Mapped[date | None]
    # Days after the due date before it counts as overdue (a monthly check in the first week).
    grace_days: so.Mapped[int] = so.mapped_column(default=0)

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            frequency=self.frequency,
            weekday=self.weekday,
            day_of_month=self.day_of_month,
            month=self.month,
            interval_days=self.interval_days,
            anchor_date=self.anchor_date,
            # The column's default of 0 is only filled in when the row is first stored.
            grace_days=self.grace_days or 0,
        )

    @schedule.setter
    def schedule(self, schedule: Schedule) -> None:
        for column in fields(Schedule):
            setattr(self, column.name, getattr(schedule, column.name))
