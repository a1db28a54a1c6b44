import calendar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange

from app import terms
from app.checklists.wording import month_name
from app.settings import MAX_READING_RISE_SHARE, MIN_READING_RISE_SHARE
from app.terms import TermStarts

SHARE_RANGE = _l("Type a whole number from 1 to 100.")
CHOOSE_A_MONTH = _l("Choose a month from the list.")
TYPE_THE_DAY = _l("Type the day of the month the term starts on, e.g. 1.")
NOT_EVERY_YEAR = _l(
    "29 February is not in every year: choose 28 February or 1 March, "
    "so the term starts on the same day each year."
)
SPRING_FIRST = _l(
    "The spring term must start earlier in the year than the autumn term, "
    "e.g. 1 February and 1 September."
)
COMMON_YEAR = 2001  # the days every year has: February's 28, not 29


def strip(value):
    return value.strip() if isinstance(value, str) else value


def month_select(label):
    # Its choices are set per request, in the reader's language; anything else posted is
    # refused by the form's own message rather than WTForms' generic one.
    return SelectField(label, validate_choice=False)


def day_input(label):
    return StringField(
        label, filters=[strip], render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )


class DashboardSettingsForm(FlaskForm):
    reading_rise_share = IntegerField(
        _l("Flag a reading that rose by more than this share of its limit since the last one (%)"),
        validators=[
            InputRequired(SHARE_RANGE),
            NumberRange(MIN_READING_RISE_SHARE, MAX_READING_RISE_SHARE, SHARE_RANGE),
        ],
        invalid_value_message=SHARE_RANGE,
        render_kw={"inputmode": "numeric"},
    )
    autumn_month = month_select(_l("Month"))
    autumn_day = day_input(_l("Day"))
    spring_month = month_select(_l("Month"))
    spring_day = day_input(_l("Day"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = [SelectChoice(str(month), month_name(month)) for month in range(1, 13)]
        self.autumn_month.choices = self.spring_month.choices = months

    def fill_term_starts(self, starts: TermStarts) -> None:
        self.autumn_month.data, self.autumn_day.data = (str(n) for n in starts.autumn)
        self.spring_month.data, self.spring_day.data = (str(n) for n in starts.spring)

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        autumn = _read_start(self.autumn_month, self.autumn_day)
        spring = _read_start(self.spring_month, self.spring_day)
        self.starts = TermStarts(autumn, spring) if autumn and spring else None
        if self.starts and not terms.in_calendar_order(self.starts):
            self.spring_month.errors.append(SPRING_FIRST)
        return not any(field.errors for field in self)


def _read_start(month_field, day_field) -> tuple[int, int] | None:
    """One term's (month, day), or None with the reason on the field at fault."""
    month, day = month_field.data or "", day_field.data or ""
    valid_months = {choice.value for choice in month_field.choices}
    if month not in valid_months:
        reason, at_fault = CHOOSE_A_MONTH, month_field
    elif not day:
        reason, at_fault = TYPE_THE_DAY, day_field
    else:
        start = terms.parse_month_day(f"{month}-{day}")
        if start is not None:
            return start
        at_fault = day_field
        if (month, day) == ("2", "29"):
            reason = NOT_EVERY_YEAR
        else:
            last = calendar.monthrange(COMMON_YEAR, int(month))[1]
            reason = _l(
                "Type a day from 1 to %(last)d: %(month)s has %(last)d days.",
                last=last,
                month=month_name(int(month)),
            )
    at_fault.errors.append(reason)
    return None
