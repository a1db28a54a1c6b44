"""How dates and times read: one unambiguous form in each language, and no seconds.

English never writes a day as 11/23/26 (a month first, read as a day by half the world) or
as "Nov 30, 2026" beside it: every English date is "30 Nov 2026", with the weekday "Monday 30
November 2026" where the day matters, and times are "08:05". Chinese keeps its own forms
(2026年11月30日, 2026/11/30), which cannot be misread; only its seconds go.
"""

from flask_babel import get_locale

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


class DateFormats(dict):
    """Flask-Babel's date_formats, answering each length key in the current language."""

    def __getitem__(self, key):
        if "." in key:
            locale = get_locale()
            patterns = PATTERNS.get(locale.language if locale else "", {})
            if key in patterns:
                return patterns[key]
        return super().__getitem__(key)


def init_app(babel) -> None:
    babel.date_formats = DateFormats(babel.default_date_formats)
