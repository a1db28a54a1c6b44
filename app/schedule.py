"""What is due: a routine's due dates in the school's calendar, and the state of one asset's check.

Rules, in the words a logistics head would use:
- A routine falls due on its days: every school day, a weekday, a day of the month (the last
  day in a month too short for it), a day in a month each year, or every N days.
- Closed periods (holidays) pause everything: no due date falls inside one, and nothing is
  due or overdue while the school is closed.
- A check is done once an inspection was signed on or after its latest due date; due on the
  due date and its grace days; overdue after them until done; the next due date starts anew.
All dates are the school's local dates (SCHOOL_TIMEZONE).
"""

import calendar
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

SCHOOL_DAYS = frozenset(range(5))  # Monday to Friday
LOOKBACK_DAYS = 800  # past two years: a yearly routine's previous due date is always found


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    EVERY_N_DAYS = "every_n_days"

    @property
    def label(self):
        return FREQUENCY_LABELS[self]


FREQUENCY_LABELS = {
    Frequency.DAILY: _l("Every school day"),
    Frequency.WEEKLY: _l("Weekly"),
    Frequency.MONTHLY: _l("Monthly"),
    Frequency.YEARLY: _l("Yearly"),
    Frequency.EVERY_N_DAYS: _l("Every N days"),
}


class State(enum.StrEnum):
    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"
    PAUSED = "paused"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    State.DONE: _l("Done"),
    State.DUE: _l("Due"),
    State.OVERDUE: _l("Overdue"),
    State.UPCOMING: _l("Not due yet"),
    State.PAUSED: _l("Paused (school closed)"),
}


@dataclass(frozen=True)
class Schedule:
    frequency: Frequency
    weekday: int | None = None
    day_of_month: int | None = None
    month: int | None = None
    interval_days: int | None = None
    anchor_date: date | None = None
    grace_days: int = 0

    def falls_on(self, day: date) -> bool:
        """Whether the calendar alone (ignoring holidays) makes this a due date."""
        match self.frequency:
            case Frequency.DAILY:
                return day.weekday() in SCHOOL_DAYS
            case Frequency.WEEKLY:
                return day.weekday() == self.weekday
            case Frequency.MONTHLY:
                return day.day == _clamped_day(day.year, day.month, self.day_of_month or 1)
            case Frequency.YEARLY:
                return day.month == self.month and day.day == _clamped_day(
                    day.year, day.month, self.day_of_month or 1
                )
            case Frequency.EVERY_N_DAYS:
                anchor = self.anchor_date or date(2000, 1, 1)
                return day >= anchor and (day - anchor).days % self.interval_days == 0
        raise ValueError(f"unknown frequency {self.frequency}")


def _clamped_day(year: int, month: int, day: int) -> int:
    return min(day, calendar.monthrange(year, month)[1])


class Calendar:
    """The school's closed periods, looked up by day."""

    def __init__(self, closed_periods: Iterable = ()):
        self._periods = [(p.start_date, p.end_date) for p in closed_periods]

    def is_closed(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self._periods)


@dataclass(frozen=True)
class Occurrence:
    """A routine as it stands on a given day, the same for every asset it covers."""

    today: date
    due_date: date | None  # the latest due date on or before today
    next_due: date | None  # the first due date after today
    grace_days: int
    paused: bool

    def state(self, last_done: date | None) -> State:
        if self.paused:
            return State.PAUSED
        if self.due_date is None:
            return State.UPCOMING
        if last_done is not None and last_done >= self.due_date:
            return State.DONE
        if self.today <= self.due_date + timedelta(days=self.grace_days):
            return State.DUE
        return State.OVERDUE

    def is_due_now(self, last_done: date | None) -> bool:
        return self.state(last_done) in (State.DUE, State.OVERDUE)


def occurrence(schedule: Schedule, today: date, school: Calendar) -> Occurrence:
    return Occurrence(
        today=today,
        due_date=_latest_due(schedule, today, school),
        next_due=_next_due(schedule, today, school),
        grace_days=schedule.grace_days,
        paused=school.is_closed(today),
    )


def _latest_due(schedule: Schedule, today: date, school: Calendar) -> date | None:
    for back in range(LOOKBACK_DAYS):
        day = today - timedelta(days=back)
        if schedule.falls_on(day) and not school.is_closed(day):
            return day
    return None


def _next_due(schedule: Schedule, today: date, school: Calendar) -> date | None:
    for ahead in range(1, LOOKBACK_DAYS):
        day = today + timedelta(days=ahead)
        if schedule.falls_on(day) and not school.is_closed(day):
            return day
    return None


def school_today(timezone: str, now: datetime | None = None) -> date:
    return local_date(now or datetime.now(UTC).replace(tzinfo=None), timezone)


def local_date(moment_utc: datetime, timezone: str) -> date:
    """The school-local date of a naive UTC timestamp."""
    return moment_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()


def utc_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """Naive UTC [start, end) of the school-local days from `first` to `last` inclusive."""
    zone = ZoneInfo(timezone)

    def utc_midnight(day: date) -> datetime:
        local = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    return utc_midnight(first), utc_midnight(last + timedelta(days=1))
