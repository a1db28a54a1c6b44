"""How dates and times read: one unambiguous form in each language, and no seconds.

English never writes a day as 11/23/26 (a month first, read as a day by half the world) or
as "Nov 30, 2026" beside it: every English date is "30 Nov 2026", with the weekday "Monday 30
November 2026" where the day matters, and times are "08:05". Chinese keeps its own forms
(2026年11月30日, 2026/11/30), which cannot be misread; only its seconds go.

A day shown briefly in a list or a line of text (Today, the dashboard, a plate's "Checked Mon
30 Nov: all OK") is short_day's: its weekday, day and month, "Mon 30 Nov" or "11月30日 周一".
"""

from datetime import date, datetime

from flask_babel import format_date, get_locale, to_user_timezone

from app import routines

# Babel patterns, by Flask-Babel's "kind.length" keys; a key not listed keeps the locale's own.
PATTERNS = {
    "en": {
        "date.short": "d MMM y",
        "date.medium": "d MMM y",
        "date.long": "d MMMM y",
        "date.full": "EEEE d MMMM y",
        "datetime.short": "d MMM y, HH:mm",
        "datetime.medium": "d MMM y, HH:mm",
        "time.short": "HH:mm",
        "time.medium": "HH:mm",
    },
    "zh": {
        "datetime.medium": "y年M月d日 HH:mm",
        "time.medium": "HH:mm",
    },
}


# A day with its weekday, briefly: (this year's, another year's), by language.
SHORT_DAY_PATTERNS = {
    "en": ("EEE d MMM", "EEE d MMM y"),
    "zh": ("M月d日 EEE", "y年M月d日 EEE"),
}


def short_day(day: date | datetime, today: date | None = None) -> str:
    """A day as a list or a line of text shows it: "Mon 30 Nov" ("11月30日 周一").

    The year is left out only for a day of the current year (the school's, unless `today` is
    given): a day of another year keeps it ("Tue 30 Dec 2025"), so it cannot be misread. A
    moment (a naive UTC datetime, as stored) is the school's day it fell on.
    """
    if isinstance(day, datetime):
        day = to_user_timezone(day).date()
    today = today or routines.today()
    locale = get_locale()
    this_year, other_year = SHORT_DAY_PATTERNS.get(
        locale.language if locale else "", SHORT_DAY_PATTERNS["en"]
    )
    return format_date(day, this_year if day.year == today.year else other_year)


# A day and its month alone, by language.
DAY_AND_MONTH_PATTERNS = {"en": "d MMM", "zh": "M/d"}


def day_and_month(day: date) -> str:
    """A day as a chart's axis writes it, in little room: "23 Nov" ("11/23")."""
    locale = get_locale()
    language = locale.language if locale else ""
    return format_date(day, DAY_AND_MONTH_PATTERNS.get(language, DAY_AND_MONTH_PATTERNS["en"]))


class DateFormats(dict):
    """Flask-Babel's date_formats, answering each length key in the current language."""

    def __getitem__(self, key):
        if "." in key:
            locale = get_locale()
            patterns = PATTERNS.get(locale.language if locale else "", {})
            if key in patterns:
                return patterns[key]
        return super().__getitem__(key)


def init_app(app, babel) -> None:
    babel.date_formats = DateFormats(babel.default_date_formats)
    app.add_template_filter(short_day, "shortday")
