"""The settings page of faults: public reports and the school's damage rule."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length

MAX_RULE = 1000


def stripped(value: str | None) -> str:
    """The rule as typed, without spaces around it; a field left out of the form is empty."""
    return (value or "").strip()


def rule_field(label):
    return TextAreaField(label, validators=[Length(max=MAX_RULE)], filters=[stripped])


class FaultSettingsForm(FlaskForm):
    public_reports = BooleanField(
        _l("Anyone who scans a plate may report a fault without an account")
    )
    natural_wear = rule_field(_l("Rule for natural wear"))
    accidental = rule_field(_l("Rule for accidental damage"))
    deliberate = rule_field(_l("Rule for deliberate damage"))
