"""What a query string or a form may carry, checked in one place for every route.

A number is read only within what a database integer holds: PostgreSQL's is 32 bits, and a
larger one would fail in the driver (SQLite's, past 64 bits, in Python) and answer 500.
A date is taken only within the years Patrol can hold records for: near year 1 or 9999 a
day's neighbours, its term or its UTC midnight fall off Python's calendar. A NUL byte is
refused with 400 before any view reads the request: nobody types one, and PostgreSQL
refuses it in text.
"""

from datetime import date

from flask import abort, request
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

MAX_DATABASE_INT = 2**31 - 1
MIN_DATABASE_INT = -(2**31)
FIRST_YEAR = 2000
LAST_YEAR = 2100
NUL = "\x00"


def database_int(text: str) -> int:
    """A whole number a database integer holds, for `args.get(name, type=database_int)`.

    Anything else raises ValueError, so `get` answers its default, as for a word.
    """
    value = int(text)
    if not MIN_DATABASE_INT <= value <= MAX_DATABASE_INT:
        raise ValueError(f"{text!r} is out of a database integer's range")
    return value


def page_number() -> int:
    """The list page asked for in the query string; 1 when it is missing or not a page."""
    return max(request.args.get("page", 1, type=database_int), 1)


def in_years(year: int) -> bool:
    """Whether a typed or linked year is one Patrol may have records for."""
    return FIRST_YEAR <= year <= LAST_YEAR


def date_in_years(form, field):
    """A form validator: a chosen day within FIRST_YEAR to LAST_YEAR."""
    day: date | None = field.data
    if day is not None and not in_years(day.year):
        raise ValidationError(
            _l("Choose a day from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def init_app(app):
    @app.before_request
    def refuse_nul_bytes():
        if NUL in request.path or any(_has_nul(values) for values in (request.args, request.form)):
            abort(400)


def _has_nul(values) -> bool:
    return any(NUL in name or NUL in value for name, value in values.items(multi=True))
