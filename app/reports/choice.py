"""What a report or an export covers: a month or a term, and a scope; and how a month or a
term is read as typed (app.reports.forms is the picker that reads them).

A month or term is typed by hand as often as it is picked (a month field is plain text in
some browsers, and links are edited): each mistake raises a ValidationError with a message in
the reader's language, and the picker gives what was typed back unchanged.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.core.months import month_period
from app.extensions import db
from app.models import Checklist, Inspection, Place
from app.request_values import FIRST_YEAR, in_years
from app.terms import Term, term_containing

MONTH = "month"
TERM = "term"
# Months written as 2026-11, 2026/11, 2026.11, 2026年11月 or 2026-11-05 (the day is ignored).
MONTH_TEXT = re.compile(
    r"(\d{1,6})\s*[-/.年]\s*(\d{1,4})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?", re.ASCII
)
DAY_TEXT = re.compile(r"(\d{1,6})-(\d{1,4})-(\d{1,4})", re.ASCII)
# How many terms back the term picker offers when there is no history to start from.
TERMS_OFFERED = 6
MAX_TERMS_OFFERED = 40


@dataclass(frozen=True)
class Period:
    kind: str  # MONTH or TERM
    start: date
    end: date  # inclusive
    # How it is written in a link: "2026-11" for a month, the first day for a term.
    key: str
    term: Term | None = None

    @property
    def name(self) -> str:
        if self.term is not None:
            return str(self.term.name)
        return format_skeleton("yMMMM", self.start, locale=get_locale())

    def days(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


@dataclass(frozen=True)
class Choice:
    period: Period
    place: Place | None = None
    checklist: Checklist | None = None

    def args(self) -> dict[str, str]:
        """The query string that asks for this choice again (for the PDF and the exports)."""
        found = {"period": self.period.kind, self.period.kind: self.period.key}
        if self.place is not None:
            found["place"] = str(self.place.id)
        if self.checklist is not None:
            found["routine"] = str(self.checklist.id)
        return found

    def file_name(self, extension: str, what: str = "report") -> str:
        """patrol-report-2026-11-A1-routine3.pdf: what, the period, and the scope chosen."""
        parts = ["patrol", what, self.period.key]
        if self.place is not None:
            parts.append(self.place.code)
        if self.checklist is not None:
            parts.append(f"routine{self.checklist.id}")
        return "-".join(parts) + f".{extension}"


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def read_month(typed: str, today: date) -> Period:
    """A month typed or picked; ValidationError says what is wrong with it."""
    if not typed:
        raise ValidationError(_l("Choose the month."))
    written = MONTH_TEXT.fullmatch(typed)
    if written is None:
        raise ValidationError(
            _l("Write the month as year-month, for example %(example)s.", example=month_key(today))
        )
    year, month = int(written[1]), int(written[2])
    _check_year(year, today)
    if not 1 <= month <= 12:
        raise ValidationError(
            _l("There is no month %(month)s: months go from 1 to 12.", month=month)
        )
    start, end = month_period(year, month)
    if start > today:
        raise ValidationError(
            _l("That month has not begun yet: choose this month or an earlier one.")
        )
    return Period(MONTH, start, end, month_key(start))


def read_term(typed: str, today: date) -> Period:
    """A term named by any day in it (the picker sends its first day); ValidationError says
    what is wrong with it."""
    if not typed:
        raise ValidationError(_l("Choose the term."))
    written = DAY_TEXT.fullmatch(typed)
    if written is None:
        raise ValidationError(_l("Choose a term from the list."))
    year = int(written[1])
    _check_year(year, today)
    try:
        day = date(year, int(written[2]), int(written[3]))
    except ValueError:
        raise ValidationError(_l("Choose a term from the list.")) from None
    if day > term_containing(today).end:
        raise ValidationError(
            _l("That term has not begun yet: choose this term or an earlier one.")
        )
    term = term_containing(day)
    return Period(TERM, term.start, term.end, term.start.isoformat(), term)


def _check_year(year: int, today: date) -> None:
    """A year Patrol could have records for; a later one is "not yet"."""
    if not in_years(year):
        raise ValidationError(
            _l(
                "There is no report for the year %(year)s: write a year from %(first)s to "
                "%(last)s.",
                year=year,
                first=FIRST_YEAR,
                last=today.year,
            )
        )


def terms_offered(today: date) -> list[Term]:
    """The current term and the five before it, or back to the first inspection's if older."""
    first = db.session.scalar(sa.select(sa.func.min(Inspection.local_date)))
    current = term_containing(today)
    earliest = term_containing(first) if first else None
    terms = [current]
    while len(terms) < MAX_TERMS_OFFERED:
        before = term_containing(terms[-1].start - timedelta(days=1))
        if len(terms) >= TERMS_OFFERED and (earliest is None or before.start < earliest.start):
            break
        terms.append(before)
    return terms
