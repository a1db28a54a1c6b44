"""The school's terms and months: the periods the evaluation reports and the dashboard count over.

A Chinese school year has two terms: the autumn term (第一学期), from September, and the spring
term (第二学期), from February. Each term runs until the day before the next one starts, so
the winter holiday belongs to the autumn term and the summer holiday to the spring term:
the holidays close the term just taught (its last checks, its repairs over the break, its
report), and a report for a term then covers every day of the year exactly once. The school
may move the start days under the settings keys below ("MM-DD").
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app import settings

AUTUMN_START = "term.autumn_start"
SPRING_START = "term.spring_start"
MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})", re.ASCII)


@dataclass(frozen=True)
class TermStarts:
    """The (month, day) each term starts on, every year."""

    autumn: tuple[int, int] = (9, 1)
    spring: tuple[int, int] = (2, 1)


DEFAULT_STARTS = TermStarts()


@dataclass(frozen=True)
class Term:
    start: date
    end: date  # inclusive: the day before the next term starts
    # Made from the dates, and in the reader's language: two terms are equal by their dates.
    name: LazyString = field(compare=False)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_month_day(value: str | None) -> tuple[int, int] | None:
    """ "MM-DD" as (month, day); None when it is not a day every year has (so not 02-29)."""
    if not value:
        return None
    written = MONTH_DAY.fullmatch(value.strip())
    if written is None:
        return None
    month, day = int(written[1]), int(written[2])
    try:
        date(2001, month, day)  # a common year: the start must exist every year
    except ValueError:
        return None
    return month, day


def term_starts(values: dict[str, str | None] | None = None) -> TermStarts:
    """The school's term starts from its settings (or from `values`, keyed like them).

    A missing or malformed day keeps its default; so does a pair in which the spring term
    would not start before the autumn term in the calendar year.
    """
    if values is None:
        values = {key: settings.get(key) for key in (AUTUMN_START, SPRING_START)}
    starts = TermStarts(
        autumn=parse_month_day(values.get(AUTUMN_START)) or DEFAULT_STARTS.autumn,
        spring=parse_month_day(values.get(SPRING_START)) or DEFAULT_STARTS.spring,
    )
    return starts if in_calendar_order(starts) else DEFAULT_STARTS


def in_calendar_order(starts: TermStarts) -> bool:
    """Whether the spring term starts before the autumn term within a calendar year.

    Otherwise a year's two terms would overlap or leave days in neither.
    """
    return starts.spring < starts.autumn


def term_containing(day: date, starts: TermStarts | None = None) -> Term:
    """The term a school-local day belongs to, holidays included."""
    starts = starts or term_starts()
    autumn = date(day.year, *starts.autumn)
    spring = date(day.year, *starts.spring)
    if day >= autumn:
        return _autumn_term(autumn, date(day.year + 1, *starts.spring))
    if day >= spring:
        return _spring_term(spring, autumn)
    return _autumn_term(date(day.year - 1, *starts.autumn), spring)




def _autumn_term(start: date, next_start: date) -> Term:
    name = _l("%(first)d–%(second)d autumn term", first=start.year, second=start.year + 1)
    return Term(start, next_start - timedelta(days=1), name)


def _spring_term(start: date, next_start: date) -> Term:
    name = _l("%(first)d–%(second)d spring term", first=start.year - 1, second=start.year)
    return Term(start, next_start - timedelta(days=1), name)
