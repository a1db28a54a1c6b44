"""Dates and times read one unambiguous way in each language, without seconds."""

from datetime import date, datetime

import pytest
from flask_babel import format_date, format_datetime, format_time

from app import routines
from app.dates import day_and_month, short_day


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ("30 Nov 2026", "30 Nov 2026", "Monday 30 November 2026", "30 Nov 2026, 08:05",
                "30 Nov 2026, 08:05", "08:05")),
        ("zh", ("2026/11/30", "2026年11月30日", "2026年11月30日星期一", "2026/11/30 08:05",
                "2026年11月30日 08:05", "08:05")),
    ],
)
def test_every_length_reads_one_way(app, language, expected):
    # 00:05 UTC is 08:05 at the school (Asia/Shanghai).
    moment = datetime(2026, 11, 30, 0, 5, 7)
    with app.test_request_context(headers={"Accept-Language": language}):
        assert (
            format_date(date(2026, 11, 30), "short"),
            format_date(date(2026, 11, 30), "medium"),
            format_date(date(2026, 11, 30), "full"),
            format_datetime(moment, "short"),
            format_datetime(moment, "medium"),
            format_time(moment, "medium"),
        ) == expected


@pytest.mark.parametrize(
    ("language", "this_year", "last_year"),
    [
        ("en", "Mon 30 Nov", "Tue 30 Dec 2025"),
        ("zh", "11月30日 周一", "2025年12月30日 周二"),
    ],
)
def test_a_short_day_has_its_weekday_and_a_year_only_when_not_this_one(
    app, language, this_year, last_year
):
    today = date(2026, 12, 3)
    with app.test_request_context(headers={"Accept-Language": language}):
        assert short_day(date(2026, 11, 30), today) == this_year
        assert short_day(date(2025, 12, 30), today) == last_year


def test_a_short_day_counts_the_year_from_the_schools_today(app, monkeypatch):
    monkeypatch.setattr(routines, "today", lambda: date(2027, 1, 4))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert short_day(date(2027, 1, 1)) == "Fri 1 Jan"
        assert short_day(date(2026, 12, 28)) == "Mon 28 Dec 2026"


@pytest.mark.parametrize(("language", "expected"), [("en", "23 Nov"), ("zh", "11/23")])
def test_a_charts_day_is_its_day_and_month(app, language, expected):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert day_and_month(date(2026, 11, 23)) == expected


def test_a_short_day_of_a_moment_is_the_schools_day(app):
    # 31 Dec 2026 17:00 UTC is already 1 January 2027 at the school (Asia/Shanghai).
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert short_day(datetime(2026, 12, 31, 17), date(2027, 1, 4)) == "Fri 1 Jan"
