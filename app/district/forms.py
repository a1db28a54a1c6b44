
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from app.district.opening import TARGETS
from app.district.schools import LANGUAGES
from app.reports.forms import PeriodForm


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


class DistrictPeriodForm(PeriodForm):
    """The school reports' month or term (app.reports.forms), read in a school of the
    district; valid, it gives the report's address arguments."""

    def args(self) -> dict[str, str]:
        period = self.period_read
        return {"period": period.kind, period.kind: period.key}
