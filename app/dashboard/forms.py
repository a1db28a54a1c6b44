from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from app.settings import MAX_READING_RISE_SHARE, MIN_READING_RISE_SHARE

SHARE_RANGE = _l("Type a whole number from 1 to 100.")


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
