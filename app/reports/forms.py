"""The report picker: a GET form, so a report is a link that can be kept, sent and edited.

Its lists (terms, places, routines) are drawn by the page, which keeps a hand-typed value
that names nothing in its list, chosen, so it can be seen and changed.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from app.extensions import db
from app.models import Checklist, Place
from app.reports.choice import MONTH, TERM, Choice, read_month, read_term
from app.request_values import MAX_DATABASE_INT


def strip(value):
    return value.strip() if isinstance(value, str) else value


class Known:
    """A place or a routine picked by its id; empty means all of them. The row found is
    kept on the field as `row`."""

    def __init__(self, model, message):
        self.model = model
        self.message = message

    def __call__(self, form, field):
        typed = field.data
        field.row = None
        if not typed:
            return
        if typed.isascii() and typed.isdigit() and 0 < int(typed) <= MAX_DATABASE_INT:
            field.row = db.session.get(self.model, int(typed))
        if field.row is None:
            raise ValidationError(self.message)


class PeriodForm(FlaskForm):
    """A month or a term, read in the current school (a term's dates are a school's); valid,
    it gives `period_read`."""

    class Meta:
        csrf = False  # sent by GET: it changes nothing

    period = StringField(default=MONTH)
    month = StringField(default="", filters=[strip])
    term = StringField(default="", filters=[strip])

    def __init__(self, today: date, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.period_read = None

    def validate_period(self, field):
        if field.data not in (MONTH, TERM):
            raise ValidationError(_l("Choose a month or a term."))

    def validate_month(self, field):
        if self.period.data == MONTH:
            self.period_read = read_month(field.data, self.today)

    def validate_term(self, field):
        if self.period.data == TERM:
            self.period_read = read_term(field.data, self.today)


class ReportChoiceForm(PeriodForm):
    """A month or a term, and a scope: the whole school or a place, all routines or one.
    Valid, it gives `choice`."""

    place = StringField(
        default="",
        filters=[strip],
        validators=[Known(Place, _l("There is no such place: choose one from the list."))],
    )
    routine = StringField(
        default="",
        filters=[strip],
        validators=[Known(Checklist, _l("There is no such routine: choose one from the list."))],
    )

    @property
    def choice(self) -> Choice:
        return Choice(self.period_read, self.place.row, self.routine.row)
