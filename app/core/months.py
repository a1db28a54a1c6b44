"""Calendar months, as a report's period or the fault list's filter counts them."""

import calendar
from datetime import date


def month_period(year: int, month: int) -> tuple[date, date]:
    """The first and last day (inclusive) of a calendar month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
