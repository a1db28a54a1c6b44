from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from app.request_values import MAX_DATABASE_INT


class SwitchSchoolForm(FlaskForm):
    """One tap in the header: the school to work in, and where to go then."""

    school = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(1, MAX_DATABASE_INT)]
    )
    next = HiddenField()
