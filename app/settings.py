"""Each school's settings that its logistics head edits in Patrol, with their defaults."""

import re
from datetime import time

from flask_babel import gettext as _

from app import tenancy
from app.extensions import db
from app.models import Cause, Setting

PUBLIC_REPORTS = "public_reports"


def default_cause_rules() -> dict[Cause, str]:
    """The seed plans' damage rule, in the user's language until the admin writes the school's."""
    return {
        Cause.NATURAL_WEAR: _("Natural wear: the school pays for the repair."),
        Cause.ACCIDENTAL: _("Accidental damage: the one responsible pays the cost."),
        Cause.DELIBERATE: _(
            "Deliberate damage: the one responsible pays double the cost, "
            "and it is referred for discipline."
        ),
    }


def get(key: str) -> str | None:
    """The current school's value (app.tenancy)."""
    setting = db.session.get(Setting, (tenancy.current_school_id(), key))
    return setting.value if setting else None


def put(key: str, value: str) -> None:
    setting = db.session.get(Setting, (tenancy.current_school_id(), key))
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    else:
        setting.value = value


def public_reports_allowed() -> bool:
    """Reports without an account are on unless the school turned them off."""
    return get(PUBLIC_REPORTS) != "off"


def cause_rule(cause: Cause) -> str:
    return get(f"cause_rule.{cause.value}") or default_cause_rules()[cause]


READING_RISE_SHARE = "reading_rise_share"
DEFAULT_READING_RISE_SHARE = 20
MIN_READING_RISE_SHARE, MAX_READING_RISE_SHARE = 1, 100


def reading_rise_share() -> int:
    """The rise since the last reading, in percent of its limit, that flags a reading."""
    stored = get(READING_RISE_SHARE)
    if stored is not None and stored.isdigit():
        share = int(stored)
        if MIN_READING_RISE_SHARE <= share <= MAX_READING_RISE_SHARE:
            return share
    return DEFAULT_READING_RISE_SHARE


TIME_OF_DAY = re.compile(r"(?P<hours>[01]?[0-9]|2[0-3]):(?P<minutes>[0-5][0-9])")
MORNING_TIME = "notices.morning_time"
DEFAULT_MORNING_TIME = time(7, 30)
WEEK_TIME = "notices.week_time"
DEFAULT_WEEK_TIME = time(16, 0)


def morning_time() -> time:
    """School-local time of the morning notices ("Your checks today", what is still overdue)."""
    return _time_of_day(get(MORNING_TIME), DEFAULT_MORNING_TIME)


def week_time() -> time:
    """School-local time, on Fridays, of the week in numbers."""
    return _time_of_day(get(WEEK_TIME), DEFAULT_WEEK_TIME)


def _time_of_day(stored: str | None, default: time) -> time:
    """The time stored as "HH:MM"; the default for anything else: a bad value stops no notice."""
    match = TIME_OF_DAY.fullmatch((stored or "").strip())
    if match is None:
        return default
    return time(int(match["hours"]), int(match["minutes"]))
