from flask_wtf import FlaskForm
from wtforms import SelectField

from app.request_values import database_int


class PlaceFilterForm(FlaskForm):
    """Today's round in one place, sent by GET; a place that is not in the tree shows them
    all, as a stale link would."""

    class Meta:
        csrf = False  # sent by GET: it changes nothing

    place = SelectField(coerce=database_int, validate_choice=False)
