from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.models import AssetStatus, PlaceKind
from app.register.assets import MAX_LENGTHS
from app.request_values import database_int

NO_PARENT = 0


def strip(value):
    return value.strip() if isinstance(value, str) else value


class PlaceForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    name_en = StringField(
        _l("English name (optional)"), validators=[Length(max=120)], filters=[strip]
    )
    kind = SelectField(
        _l("Type"), choices=[SelectChoice(kind.value, kind.label) for kind in PlaceKind]
    )
    parent = SelectField(_l("Inside"), coerce=int)
    position = IntegerField(
        _l("Walking order"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
    )
    notes = TextAreaField(
        _l("Notes"), validators=[Length(max=MAX_LENGTHS["notes"])], filters=[strip]
    )


class KindNamesForm(FlaskForm):
    name = StringField(
        _l("Chinese name"), validators=[DataRequired(), Length(max=80)], filters=[strip]
    )
    name_en = StringField(
        _l("English name (optional)"), validators=[Length(max=80)], filters=[strip]
    )


class KindForm(KindNamesForm):
    key = StringField(
        _l("Key"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(
                r"^[a-z0-9][a-z0-9_-]*$",
                message=_l("Use lower-case letters, digits, - and _ only, e.g. electric-fan."),
            ),
        ],
        filters=[strip, lambda value: value.lower() if isinstance(value, str) else value],
    )


class AssetForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=MAX_LENGTHS["name"])],
        filters=[strip],
    )
    name_en = StringField(
        _l("English name (optional)"),
        validators=[Length(max=MAX_LENGTHS["name_en"])],
        filters=[strip],
    )
    kind_id = SelectField(_l("Kind"), coerce=int)
    place_id = SelectField(_l("Place"), coerce=int)
    asset_number = StringField(
        _l("Asset number (optional)"),
        validators=[Length(max=MAX_LENGTHS["asset_number"])],
        filters=[strip],
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(status.value, status.label) for status in AssetStatus],
    )
    notes = TextAreaField(
        _l("Notes"), validators=[Length(max=MAX_LENGTHS["notes"])], filters=[strip]
    )
    # Not named "photo": filled from an Asset, the field would take the stored filename.
    photo_file = FileField(_l("Photo (optional)"))


class NewAssetForm(AssetForm):
    # A blank label's code, carried from the scan door through to the save.
    code = HiddenField(filters=[strip])


class RetireForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, retire this asset"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))]
    )


class AssetFiltersForm(FlaskForm):
    """The asset list's filters, sent by GET. A value that names nothing is ignored, not
    refused: the filters come back in the list's page links as often as from this form."""

    class Meta:
        csrf = False  # sent by GET: it changes nothing

    q = StringField(default="", filters=[lambda value: (value or "")[:120]])
    place = SelectField(coerce=database_int, validate_choice=False)
    kind = SelectField(coerce=database_int, validate_choice=False)
    status = StringField(default="")
