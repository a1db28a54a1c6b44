import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)

from app.extensions import db
from app.labels import sheets
from app.labels.printing import language_choices, school_language
from app.labels.sheets import DEFAULT_STOCK, STOCKS
from app.models import Asset, AssetKind, Place, ScanCode
from app.models.code import is_well_formed, normalize_code
from app.request_values import MAX_DATABASE_INT

MAX_BLANK_CODES = 420


def _optional_id(value):
    return None if value in (None, "") else int(value)


def stock_choices():
    return [(stock.key, stock.description) for stock in STOCKS.values()]


class IdSelectField(SelectField):
    """A choice of one database row by id; its rows are checked by the form."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=_optional_id, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = _optional_id(valuelist[0].strip())
            except ValueError:
                self.data = None
                raise ValueError(_("Choose one from the list.")) from None


class IdsField(SelectMultipleField):
    """Ticked rows by id."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=int, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        try:
            # Each ticked row once, in the order ticked.
            self.data = list(dict.fromkeys(int(value) for value in valuelist))
        except ValueError:
            self.data = []
            raise ValueError(_("Tick the assets in the list again.")) from None


class StockField(SelectField):
    def __init__(self, label, **kwargs):
        super().__init__(
            label, choices=stock_choices, default=DEFAULT_STOCK, validate_choice=False, **kwargs
        )

    def pre_validate(self, form):
        if self.data not in STOCKS:
            raise ValidationError(_("Choose a label stock from the list."))

    @property
    def stock(self):
        return STOCKS.get(self.data)


class LabelLanguageField(SelectField):
    """What the labels are printed in: the school's language unless the head chooses another."""

    def __init__(self, label, **kwargs):
        super().__init__(
            label,
            choices=language_choices,
            default=school_language,
            validate_choice=False,
            **kwargs,
        )

    def pre_validate(self, form):
        if self.data not in dict(language_choices()):
            raise ValidationError(_("Choose a language from the list."))


class SheetForm(FlaskForm):
    """What to print and on which stock, read from the query string: printing changes nothing.

    Exactly one selection: a place and/or a kind, ticked assets, or blank codes. The rows
    it names are loaded while validating (`place_row`, `kind_row`, `asset_rows`, `code_rows`).
    """

    class Meta:
        csrf = False

    stock = StockField(_l("Label stock"))
    start = IntegerField(_l("Start at label"), default=1)
    language = LabelLanguageField(_l("Labels in"))
    retired = BooleanField(_l("Include retired assets"))
    place = IdSelectField(_l("A place and everything in it"))
    kind = IdSelectField(_l("Kind of asset"))
    asset = IdsField(_l("Assets"))
    blank = StringField(_l("Blank codes"))
    # Narrows the pick-by-hand list on the labels page; it selects nothing to print.
    within = IdSelectField(_l("Show the assets in"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.place_row = self.kind_row = self.within_row = None
        self.asset_rows: list[Asset] = []
        self.code_rows: list[ScanCode] = []

    def validate_start(self, field):
        stock = self.stock.stock
        if field.data is None or stock is None:
            return
        if not 1 <= field.data <= stock.per_sheet:
            raise ValidationError(
                _(
                    "Choose a label from 1 to %(count)d: a sheet of this stock has %(count)d.",
                    count=stock.per_sheet,
                )
            )

    def validate_place(self, field):
        self.place_row = _row(Place, field.data)

    def validate_within(self, field):
        self.within_row = _row(Place, field.data)

    def validate_kind(self, field):
        self.kind_row = _row(AssetKind, field.data)

    def validate_asset(self, field):
        if len(field.data) > sheets.MAX_LABELS:
            raise ValidationError(too_many_message(len(field.data)))
        if not field.data:
            return
        ids = [asset_id for asset_id in field.data if 0 < asset_id <= MAX_DATABASE_INT]
        rows = {
            asset.id: asset
            for asset in db.session.scalars(sa.select(Asset).where(Asset.id.in_(ids)))
        }
        if len(rows) < len(field.data):
            raise ValidationError(_("Some ticked assets no longer exist. Tick them again."))
        self.asset_rows = [rows[asset_id] for asset_id in field.data]

    def validate_blank(self, field):
        values = [normalize_code(part) for part in (field.data or "").split(",") if part.strip()]
        values = list(dict.fromkeys(values))
        if len(values) > sheets.MAX_LABELS:
            raise ValidationError(too_many_message(len(values)))
        malformed = [value for value in values if not is_well_formed(value)]
        if malformed:
            raise ValidationError(_("Not a code: %(codes)s", codes=", ".join(malformed[:10])))
        if not values:
            return
        rows = {
            code.value: code
            for code in db.session.scalars(sa.select(ScanCode).where(ScanCode.value.in_(values)))
        }
        unknown = [value for value in values if value not in rows]
        if unknown:
            raise ValidationError(_("No such code: %(codes)s", codes=", ".join(unknown[:10])))
        self.code_rows = [rows[value] for value in values]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # What was sent, even if it is not valid: its own error says what is wrong with it.
        chosen = [
            _sent(self.place) or _sent(self.kind),
            _sent(self.asset),
            _sent(self.blank),
        ]
        if not any(chosen):
            self.form_errors.append(_("Choose what to print: a place, a kind or some assets."))
            return False
        if sum(chosen) > 1:
            self.form_errors.append(
                _("Print one thing at a time: a place or kind, ticked assets, or blank codes.")
            )
            return False
        return valid


def _sent(field):
    return any(value.strip() for value in field.raw_data or [])


def too_many_message(count):
    return _(
        "That is %(count)d labels; one print can hold at most %(max)d. "
        "Choose a smaller place, or a kind within a place.",
        count=count,
        max=sheets.MAX_LABELS,
    )


def _row(model, row_id):
    if row_id is None:
        return None
    row = db.session.get(model, row_id) if 0 < row_id <= MAX_DATABASE_INT else None
    if row is None:
        raise ValidationError(_("It no longer exists. Choose one from the list."))
    return row


class BlankCodesForm(FlaskForm):
    count = IntegerField(_l("How many blank codes"), default=21)
    stock = StockField(_l("Label stock"))

    def validate_count(self, field):
        if not field.raw_data:
            raise ValidationError(_("Enter how many blank codes to print."))
        if field.data is not None and not 1 <= field.data <= MAX_BLANK_CODES:
            raise ValidationError(_("Choose a number from 1 to %(max)d.", max=MAX_BLANK_CODES))
