from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from app.district.opening import TARGETS
from app.district.schools import LANGUAGES
from app.reports.choice import MONTH, TERM, read_month, read_term


def strip(value):
    return value.strip() if isinstance(value, str) else value


class OpenForm(FlaskForm):
    """Which of the school's lists to open, read-only: one of a fixed set."""

    next = StringField()

    def validate_next(self, field):
        if field.data not in TARGETS:
            raise ValidationError(_l("There is no such list."))


class SchoolEditForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip])
    name_en = StringField(_l("English name (optional)"), filters=[strip], validators=[Optional()])
    timezone = StringField(_l("Time zone"), filters=[strip], default="Asia/Shanghai")
    language = SelectField(
        _l("Language of its labels and notices"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES],
        default="zh",
        validate_choice=False,
    )


class SchoolForm(SchoolEditForm):
    code = StringField(_l("Code"), filters=[strip])
    district = SelectField(_l("District"), coerce=str, validate_choice=False)


class PeriodForm(FlaskForm):
    """A month or a term, read as the school reports read them (app.reports.choice).
    Read in a school (the term's dates are a school's); valid, it gives `period`."""

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

    def args(self) -> dict[str, str]:
        period = self.period_read
        return {"period": period.kind, period.kind: period.key}
