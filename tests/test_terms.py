"""The school's terms and months: default starts, the school's own, and bad settings."""

from datetime import date

import pytest
from flask_babel import force_locale

from app import settings
from app.core.months import month_period
from app.extensions import db
from app.terms import (
    AUTUMN_START,
    DEFAULT_STARTS,
    SPRING_START,
    Term,
    TermStarts,
    parse_month_day,
    term_containing,
    term_starts,
)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 9, 1), date(2026, 9, 1), date(2027, 1, 31)),
        (date(2026, 12, 31), date(2026, 9, 1), date(2027, 1, 31)),
        (date(2027, 1, 31), date(2026, 9, 1), date(2027, 1, 31)),  # the winter holiday
        (date(2027, 2, 1), date(2027, 2, 1), date(2027, 8, 31)),
        (date(2026, 8, 31), date(2026, 2, 1), date(2026, 8, 31)),  # the summer holiday
        (date(2026, 1, 15), date(2025, 9, 1), date(2026, 1, 31)),
        (date(2028, 2, 29), date(2028, 2, 1), date(2028, 8, 31)),
    ],
)
def test_a_day_belongs_to_the_term_it_falls_in_holidays_included(day, start, end):
    term = term_containing(day, DEFAULT_STARTS)
    assert (term.start, term.end) == (start, end)
    assert day in term


def test_terms_are_named_by_school_year_in_both_languages(app):
    with app.app_context():
        autumn = term_containing(date(2026, 10, 1), DEFAULT_STARTS)
        spring = term_containing(date(2027, 3, 1), DEFAULT_STARTS)
        with force_locale("en"):
            assert str(autumn.name) == "2026–2027 autumn term"
            assert str(spring.name) == "2026–2027 spring term"
        with force_locale("zh"):
            assert str(autumn.name) == "2026—2027学年第一学期"
            assert str(spring.name) == "2026—2027学年第二学期"


def test_terms_are_equal_by_their_dates():
    assert term_containing(date(2026, 9, 1), DEFAULT_STARTS) == term_containing(
        date(2027, 1, 1), DEFAULT_STARTS
    )
    assert term_containing(date(2026, 9, 1), DEFAULT_STARTS) != term_containing(
        date(2027, 2, 1), DEFAULT_STARTS
    )
    assert isinstance(term_containing(date(2026, 9, 1), DEFAULT_STARTS), Term)


@pytest.mark.parametrize(
    ("year", "month", "last"),
    [(2026, 2, date(2026, 2, 28)), (2028, 2, date(2028, 2, 29)), (2026, 12, date(2026, 12, 31)),
     (2026, 11, date(2026, 11, 30))],
)
def test_a_month_runs_from_its_first_to_its_last_day(year, month, last):
    assert month_period(year, month) == (date(year, month, 1), last)


def test_the_school_moves_its_term_starts_in_its_settings(app):
    with app.app_context():
        settings.put(AUTUMN_START, "08-25")
        settings.put(SPRING_START, "02-20")
        db.session.commit()
        assert term_starts() == TermStarts(autumn=(8, 25), spring=(2, 20))
        term = term_containing(date(2026, 8, 26))
        assert (term.start, term.end) == (date(2026, 8, 25), date(2027, 2, 19))
        term = term_containing(date(2026, 8, 24))
        assert (term.start, term.end) == (date(2026, 2, 20), date(2026, 8, 24))
        assert term_containing(date(2026, 2, 19)).start == date(2025, 8, 25)


def test_without_settings_the_terms_start_on_1_september_and_1_february(app):
    with app.app_context():
        assert term_starts() == TermStarts(autumn=(9, 1), spring=(2, 1))


def test_given_values_override_the_settings(app):
    with app.app_context():
        settings.put(AUTUMN_START, "08-25")
        db.session.commit()
        starts = term_starts({AUTUMN_START: "09-05", SPRING_START: None})
        assert starts == TermStarts(autumn=(9, 5), spring=(2, 1))


@pytest.mark.parametrize(
    "value", ["13-01", "00-10", "09-31", "02-29", "9/1", "", "abc", "09-", "-01", "09-01-01",
              "+9-01", "٠٩-٠١", None],
)
def test_a_malformed_start_falls_back_to_its_default(value):
    assert parse_month_day(value) is None
    starts = term_starts({AUTUMN_START: value, SPRING_START: "02-15"})
    assert starts == TermStarts(autumn=(9, 1), spring=(2, 15))


def test_a_day_written_with_padding_or_without_is_read():
    assert parse_month_day(" 9-1 ") == (9, 1)
    assert parse_month_day("09-01") == (9, 1)


def test_a_spring_term_not_before_the_autumn_term_keeps_both_defaults():
    assert term_starts({AUTUMN_START: "03-01", SPRING_START: "10-01"}) == DEFAULT_STARTS
    assert term_starts({AUTUMN_START: "02-01", SPRING_START: "02-01"}) == DEFAULT_STARTS


def test_malformed_settings_fall_back_to_the_defaults(app):
    with app.app_context():
        settings.put(AUTUMN_START, "31-09")
        settings.put(SPRING_START, "February")
        db.session.commit()
        term = term_containing(date(2026, 9, 1))
        assert (term.start, term.end) == (date(2026, 9, 1), date(2027, 1, 31))
