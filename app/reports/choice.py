"""What a report or an export covers, read from the query string: a month or a term, and a scope.

Everything here is typed by hand as often as it is picked (a month field is plain text in
some browsers, and links are edited): each mistake gets a message in the reader's language,
and what was typed is given back to the form unchanged.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.core.months import month_period
from app.extensions import db
from app.models import Checklist, Inspection, Place
from app.request_values import FIRST_YEAR, MAX_DATABASE_INT, in_years
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


@dataclass
class Reading:
    """The choice read from a request, or the problems with it, and what was typed."""

    choice: Choice | None
    entered: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def read_choice(args, today: date) -> Reading:
    entered = {
        "period": args.get("period", MONTH),
        MONTH: args.get(MONTH, "").strip(),
        TERM: args.get(TERM, "").strip(),
        "place": args.get("place", "").strip(),
        "routine": args.get("routine", "").strip(),
    }
    errors = {}
    period = None
    if entered["period"] == TERM:
        period = _read_term(entered[TERM], today, errors)
    elif entered["period"] == MONTH:
        period = _read_month(entered[MONTH], today, errors)
    else:
        errors["period"] = _l("Choose a month or a term.")
    place = read_id(entered["place"], Place, "place", errors)
    checklist = read_id(entered["routine"], Checklist, "routine", errors)
    if errors:
        return Reading(None, entered, errors)
    return Reading(Choice(period, place, checklist), entered)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _read_month(typed: str, today: date, errors: dict) -> Period | None:
    if not typed:
        errors[MONTH] = _l("Choose the month.")
        return None
    written = MONTH_TEXT.fullmatch(typed)
    if written is None:
        errors[MONTH] = _l("Write the month as year-month, for example %(example)s.",
                           example=month_key(today))
        return None
    year, month = int(written[1]), int(written[2])
    if not _year_ok(year, today, errors, MONTH):
        return None
    if not 1 <= month <= 12:
        errors[MONTH] = _l("There is no month %(month)s: months go from 1 to 12.", month=month)
        return None
    start, end = month_period(year, month)
    if start > today:
        errors[MONTH] = _l("That month has not begun yet: choose this month or an earlier one.")
        return None
    return Period(MONTH, start, end, month_key(start))


def _read_term(typed: str, today: date, errors: dict) -> Period | None:
    """A term named by any day in it (the picker sends its first day)."""
    if not typed:
        errors[TERM] = _l("Choose the term.")
        return None
    written = DAY_TEXT.fullmatch(typed)
    if written is None:
        errors[TERM] = _l("Choose a term from the list.")
        return None
    year = int(written[1])
    if not _year_ok(year, today, errors, TERM):
        return None
    try:
        day = date(year, int(written[2]), int(written[3]))
    except ValueError:
        errors[TERM] = _l("Choose a term from the list.")
        return None
    if day > term_containing(today).end:
        errors[TERM] = _l("That term has not begun yet: choose this term or an earlier one.")
        return None
    term = term_containing(day)
    return Period(TERM, term.start, term.end, term.start.isoformat(), term)


def _year_ok(year: int, today: date, errors: dict, field_name: str) -> bool:
    """A year Patrol could have records for; a later one is "not yet"."""
    if in_years(year):
        return True
    errors[field_name] = _l(
        "There is no report for the year %(year)s: write a year from %(first)s to %(last)s.",
        year=year,
        first=FIRST_YEAR,
        last=today.year,
    )
    return False


def read_id(typed: str, model, field_name: str, errors: dict):
    """A place or routine by its id; empty means all of them."""
    if not typed:
        return None
    found = None
    if typed.isascii() and typed.isdigit() and 0 < int(typed) <= MAX_DATABASE_INT:
        found = db.session.get(model, int(typed))
    if found is None:
        errors[field_name] = (
            _l("There is no such place: choose one from the list.")
            if model is Place
            else _l("There is no such routine: choose one from the list.")
        )
    return found


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
