"""Dates and times read one unambiguous way in each language, without seconds."""

from datetime import date, datetime

import pytest
from flask_babel import format_date, format_datetime, format_time


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
