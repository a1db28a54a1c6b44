"""The settings page of faults: public reports and the school's damage rule."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length

MAX_RULE = 1000


class FaultSettingsForm(FlaskForm):
    public_reports = BooleanField(
        _l("Anyone who scans a plate may report a fault without an account")
    )
    natural_wear = TextAreaField(_l("Rule for natural wear"), validators=[Length(max=MAX_RULE)])
    accidental = TextAreaField(_l("Rule for accidental damage"), validators=[Length(max=MAX_RULE)])
    deliberate = TextAreaField(_l("Rule for deliberate damage"), validators=[Length(max=MAX_RULE)])
