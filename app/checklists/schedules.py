"""A routine's schedule as the admin sets it: which fields each frequency needs, and their limits.

The calendar rules themselves (what is due when) live in app.schedule; this module only says
what a valid schedule is. Fields a frequency does not use are stored as None, so a weekly
routine that was once monthly carries no stale day of the month.
"""

import calendar
from dataclasses import replace

from flask_babel import lazy_gettext as _l

from app.checklists.wording import month_name
from app.models.scheduled import Scheduled
from app.schedule import Frequency, Schedule

SCHEDULE_FIELDS = ("weekday", "day_of_month", "month", "interval_days", "anchor_date")
FIELDS_BY_FREQUENCY = {
    Frequency.DAILY: frozenset(),
    Frequency.WEEKLY: frozenset({"weekday"}),
    Frequency.MONTHLY: frozenset({"day_of_month"}),
    Frequency.YEARLY: frozenset({"month", "day_of_month"}),
    Frequency.EVERY_N_DAYS: frozenset({"interval_days", "anchor_date"}),
}
MAX_GRACE_DAYS = 60
# The due rules look back about two years; a longer interval is a yearly routine.
MAX_INTERVAL_DAYS = 366
LEAP_YEAR = 2028  # February 29 is a valid yearly day: in other years it falls on the 28th


def cleaned(schedule: Schedule) -> Schedule:
    """The schedule with every field its frequency does not use set to None."""
    unused = FIELDS_BY_FREQUENCY[schedule.frequency]
    return replace(schedule, **{name: None for name in SCHEDULE_FIELDS if name not in unused})


def schedule_problems(schedule: Schedule) -> dict[str, str]:
    """What is wrong with a schedule, by field, in words the admin can act on."""
    problems = {}
    if not 0 <= schedule.grace_days <= MAX_GRACE_DAYS:
        problems["grace_days"] = _l("Grace days are 0 to %(max)s.", max=MAX_GRACE_DAYS)
    match schedule.frequency:
        case Frequency.WEEKLY:
            if schedule.weekday is None:
                problems["weekday"] = _l("Choose the weekday of a weekly check.")
            elif not 0 <= schedule.weekday <= 6:
                problems["weekday"] = _l("Choose a weekday from the list.")
        case Frequency.MONTHLY:
            if schedule.day_of_month is None:
                problems["day_of_month"] = _l("Type the day of the month, 1 to 31.")
            elif not 1 <= schedule.day_of_month <= 31:
                problems["day_of_month"] = _l("The day of the month is 1 to 31.")
        case Frequency.YEARLY:
            problems.update(_yearly_problems(schedule))
        case Frequency.EVERY_N_DAYS:
            if schedule.interval_days is None:
                problems["interval_days"] = _l("Type how many days apart, e.g. 14.")
            elif not 1 <= schedule.interval_days <= MAX_INTERVAL_DAYS:
                problems["interval_days"] = _l(
                    "Type a number of days from 1 to %(max)s.", max=MAX_INTERVAL_DAYS
                )
            if schedule.anchor_date is None:
                problems["anchor_date"] = _l("Choose the first due date; days count from it.")
    return problems


def _yearly_problems(schedule: Schedule) -> dict[str, str]:
    if schedule.month is None:
        return {"month": _l("Choose the month of a yearly check.")}
    if not 1 <= schedule.month <= 12:
        return {"month": _l("Choose a month from the list.")}
    day = schedule.day_of_month
    if day is None:
        return {}
    days_in_month = calendar.monthrange(LEAP_YEAR, schedule.month)[1]
    if not 1 <= day <= days_in_month:
        return {
            "day_of_month": _l(
                "%(month)s has %(days)s days: type a day from 1 to %(days)s.",
                month=month_name(schedule.month),
                days=days_in_month,
            )
        }
    return {}


def apply_schedule(routine: Scheduled, schedule: Schedule) -> None:
    """Gives a school's routine or a district's template a schedule, which must be valid."""
    problems = schedule_problems(schedule)
    if problems:
        raise ValueError(f"invalid schedule: {sorted(problems)}")
    routine.schedule = cleaned(schedule)
