"""The admin's forms: a routine, its schedule and its people, an item, a closed period.

The rules (which schedule fields a frequency needs, which items can be critical) live in
app.checklists.schedules and app.checklists.versions; the forms turn their findings into
messages beside the fields.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    Form,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.checklists.schedules import FIELDS_BY_FREQUENCY, SCHEDULE_FIELDS, schedule_problems
from app.checklists.versions import item_problems
from app.checklists.wording import month_name, names_in_words, person_label, weekday_name
from app.extensions import db
from app.models import Asset, AssetKind, AssetStatus, Duty, Frequency, ItemType, User
from app.models.code import normalize_code
from app.request_values import date_in_years
from app.schedule import Schedule

MAX_CLOSED_DAYS = 366
NOT_A_WHOLE_NUMBER = _l("Type a whole number, e.g. 14.")
NOT_A_NUMBER = _l("Type a number, e.g. 0.3.")
NOT_A_DATE = _l("Type a date like 2026-07-01.")
NOT_A_TIME = _l("Type a time like 17:30.")
NOT_OFFERED = _l("Choose only people from the list.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_int(value):
    """A select's value: blank is None, anything else a whole number."""
    if value is None or value == "":
        return None
    return int(value)


def whole_number(label, **kwargs):
    return IntegerField(
        label,
        validators=[Optional()],
        invalid_value_message=NOT_A_WHOLE_NUMBER,
        render_kw={"inputmode": "numeric"},
        **kwargs,
    )


class PeopleField(SelectMultipleField):
    """Checkboxes of people, by user id; an id not offered is refused, whatever it is."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label, **kwargs):
        # The message as a plain string: WTForms fills it in with %, which a lazy one lacks.
        super().__init__(
            label,
            coerce=int,
            invalid_value_message=NOT_OFFERED,
            invalid_choice_message=lambda _count: str(NOT_OFFERED),
            **kwargs,
        )


class ScheduleForm(FlaskForm):
    """A routine's schedule fields, as a checklist and a district template have them."""

    frequency = SelectField(
        _l("How often"),
        choices=[SelectChoice(frequency.value, frequency.label) for frequency in Frequency],
        default=Frequency.WEEKLY.value,
    )
    weekday = SelectField(_l("Weekday (weekly)"), coerce=optional_int)
    day_of_month = whole_number(_l("Day of the month (monthly, yearly)"))
    month = SelectField(_l("Month (yearly)"), coerce=optional_int)
    interval_days = whole_number(_l("Every how many days"))
    anchor_date = DateField(
        _l("Counting from (every N days)"),
        validators=[Optional(), date_in_years],
        invalid_value_message=NOT_A_DATE,
    )
    grace_days = whole_number(_l("Grace days before it is overdue"), default=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank = SelectChoice("", "—")
        self.weekday.choices = [blank] + [
            SelectChoice(str(day), weekday_name(day)) for day in range(7)
        ]
        self.month.choices = [blank] + [
            SelectChoice(str(month), month_name(month)) for month in range(1, 13)
        ]

    def schedule(self) -> Schedule:
        return Schedule(
            frequency=Frequency(self.frequency.data),
            weekday=self.weekday.data,
            day_of_month=self.day_of_month.data,
            month=self.month.data,
            interval_days=self.interval_days.data,
            anchor_date=self.anchor_date.data,
            grace_days=self.grace_days.data or 0,
        )

    def _check_schedule(self):
        if self.frequency.errors or self.grace_days.errors:
            return
        used = FIELDS_BY_FREQUENCY[Frequency(self.frequency.data)]
        for name in SCHEDULE_FIELDS:
            if name not in used:
                # A field this frequency ignores is stored empty, whatever was typed in it.
                field = getattr(self, name)
                field.errors = []
                field.data = None
        if any(getattr(self, name).errors for name in used):
            return
        for name, message in schedule_problems(self.schedule()).items():
            getattr(self, name).errors.append(message)


class ChecklistForm(ScheduleForm):
    name = StringField(
        _l("Name (Chinese)"),
        validators=[DataRequired(_l("Type the checklist's name.")), Length(max=120)],
        filters=[strip],
    )
    name_en = StringField(
        _l("English name (optional)"), validators=[Length(max=120)], filters=[strip]
    )
    kind_id = SelectField(_l("For every asset of a kind"), coerce=optional_int)
    asset_code = StringField(
        _l("… or for one asset: its code"), validators=[Length(max=20)], filters=[strip]
    )
    active = BooleanField(_l("Active: inspectors are offered this routine"), default=True)
    people = PeopleField(_l("Its people"))
    stand_ins = PeopleField(_l("Stand-ins (optional)"))
    reminder_time = TimeField(
        _l("Reminder if not done by (optional)"),
        validators=[Optional()],
        invalid_value_message=NOT_A_TIME,
    )

    def __init__(
        self,
        *args,
        covered_asset_id: int | None = None,
        duties: Sequence[Duty] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # A checklist that already covers an asset since retired may keep it while edited.
        self.covered_asset_id = covered_asset_id
        self._offer_people(duties)
        blank = SelectChoice("", "—")
        kinds = db.session.scalars(sa.select(AssetKind).order_by(AssetKind.name))
        self.kind_id.choices = [blank] + [SelectChoice(str(k.id), k.title) for k in kinds]
        self.covered_asset = None

    def _offer_people(self, duties):
        """Every active user; a disabled one only while already named, marked so, to be
        taken off."""
        named = {duty.user_id for duty in duties}
        self.users_by_id = {
            user.id: user
            for user in db.session.scalars(
                sa.select(User)
                .join(User.membership)
                .where(sa.or_(User.active.is_(True), User.id.in_(named)))
                .order_by(User.display_name, User.id)
            )
        }
        choices = [
            SelectChoice(user.id, person_label(user)) for user in self.users_by_id.values()
        ]
        self.people.choices = choices
        self.stand_ins.choices = list(choices)
        if not self.is_submitted():
            self.people.data = [duty.user_id for duty in duties if not duty.stand_in]
            self.stand_ins.data = [duty.user_id for duty in duties if duty.stand_in]

    def chosen(self, field) -> list[User]:
        return [self.users_by_id[user_id] for user_id in field.data or ()]

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        self._check_coverage()
        self._check_schedule()
        self._check_people()
        return not any(field.errors for field in self)

    def _check_people(self):
        if self.people.errors or self.stand_ins.errors:
            return
        people = set(self.people.data)
        both = [user for user in self.chosen(self.stand_ins) if user.id in people]
        if both:
            self.stand_ins.errors.append(
                _(
                    "%(names)s cannot be one of its people and a stand-in: untick one.",
                    names=names_in_words(both),
                )
            )
        elif self.stand_ins.data and not self.people.data:
            self.stand_ins.errors.append(
                _l("Choose who does it first: stand-ins are reminded only when they cannot.")
            )

    def _check_coverage(self):
        # gettext, not lazy_gettext: a lazy string renders unescaped, and these carry input.
        if self.kind_id.errors or self.asset_code.errors:
            return
        code = normalize_code(self.asset_code.data or "")
        if self.kind_id.data is not None and code:
            self.asset_code.errors.append(_l("Choose a kind or type one asset's code, not both."))
        elif self.kind_id.data is None and not code:
            self.kind_id.errors.append(
                _l("Choose the kind of asset this checklist is for, or type one asset's code.")
            )
        elif code:
            asset = db.session.scalar(sa.select(Asset).where(Asset.code == code))
            if asset is None:
                self.asset_code.errors.append(_("No asset has the code %(code)s.", code=code))
            elif asset.status == AssetStatus.RETIRED and asset.id != self.covered_asset_id:
                self.asset_code.errors.append(
                    _("%(name)s is retired: it is no longer inspected.", name=asset.title)
                )
            else:
                self.covered_asset = asset


def item_text_field(*required):
    """What to check, in Chinese: required on an item's own form, optional on a district
    template's row, where a row left blank is not an item."""
    return StringField(
        _l("What to check (Chinese)"),
        validators=[*required, Length(max=300)],
        filters=[strip],
    )


def item_type_field():
    """An item's type, chosen once: when the item is added."""
    return SelectField(
        _l("Type"),
        choices=[SelectChoice(item_type.value, item_type.label) for item_type in ItemType],
        default=ItemType.CHECK.value,
    )


class ItemFields(Form):
    """An item's wording, flags and reading limits, as a school's checklist item and a
    district template's item are both asked for; the rules are app.checklists.versions'."""

    text = item_text_field()
    text_en = StringField(
        _l("In English (optional)"), validators=[Length(max=300)], filters=[strip]
    )
    required = BooleanField(_l("Required: the form cannot be sent without it"), default=True)
    critical = BooleanField(_l("Critical: failing it takes the asset out of service"))
    unit = StringField(_l("Unit (readings), e.g. mm"), validators=[Length(max=20)], filters=[strip])
    min_value = FloatField(
        _l("Lowest allowed (readings)"),
        validators=[Optional()],
        invalid_value_message=NOT_A_NUMBER,
        render_kw={"inputmode": "decimal"},
    )
    max_value = FloatField(
        _l("Highest allowed (readings)"),
        validators=[Optional()],
        invalid_value_message=NOT_A_NUMBER,
        render_kw={"inputmode": "decimal"},
    )

    def check_item(self, item_type: ItemType) -> None:
        """The item rules for this type, as messages beside the fields."""
        if item_type != ItemType.READING:
            # Unit and limits belong to readings; for other types they are not stored.
            for field in (self.unit, self.min_value, self.max_value):
                field.errors = []
                field.data = None
        if self.min_value.errors or self.max_value.errors:
            return
        problems = item_problems(
            item_type,
            critical=self.critical.data,
            min_value=self.min_value.data,
            max_value=self.max_value.data,
        )
        for name, message in problems.items():
            getattr(self, name).errors.append(message)

    def item_fields(self) -> dict:
        return {
            "text": self.text.data,
            "text_en": self.text_en.data or None,
            "required": self.required.data,
            "critical": self.critical.data,
            "unit": self.unit.data or None,
            "min_value": self.min_value.data,
            "max_value": self.max_value.data,
        }


class VersionSeen(Form):
    """The version number the admin was looking at, sent back with the change: a second tap,
    or another admin's change in between, must not make the change twice."""

    version = HiddenField()

    def based_on(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ItemForm(ItemFields, FlaskForm):
    """An item's wording and flags; its type is chosen once, when it is added."""

    text = item_text_field(DataRequired(_l("Type what to check.")))

    def __init__(self, *args, item_type: ItemType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_type = item_type

    def chosen_type(self) -> ItemType | None:
        return self.item_type

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        item_type = self.chosen_type()
        if item_type is not None:
            self.check_item(item_type)
        return not any(field.errors for field in self)


class NewItemForm(VersionSeen, ItemForm):
    type = item_type_field()

    def chosen_type(self) -> ItemType | None:
        return None if self.type.errors else ItemType(self.type.data)


class ClosedPeriodForm(FlaskForm):
    name = StringField(
        _l("Name, e.g. Summer holiday"),
        validators=[DataRequired(_l("Type a name, e.g. Summer holiday.")), Length(max=120)],
        filters=[strip],
    )
    start_date = DateField(
        _l("First day closed"),
        validators=[InputRequired(_l("Choose the first day.")), date_in_years],
        invalid_value_message=NOT_A_DATE,
    )
    end_date = DateField(
        _l("Last day closed (included)"),
        validators=[InputRequired(_l("Choose the last day.")), date_in_years],
        invalid_value_message=NOT_A_DATE,
    )

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        start, end = self.start_date.data, self.end_date.data
        if end < start:
            self.end_date.errors.append(_l("The last day is before the first day."))
        elif (end - start).days + 1 > MAX_CLOSED_DAYS:
            self.end_date.errors.append(
                _l("A closed period is at most %(days)s days long.", days=MAX_CLOSED_DAYS)
            )
        return not any(field.errors for field in self)


class MoveItemForm(FlaskForm):
    """An item's ↑ or ↓ button on the items page: which one was pressed, as a place offset."""

    OFFSETS = {"up": -1, "down": 1}

    direction = SelectField(choices=list(OFFSETS))

    @property
    def offset(self) -> int:
        return self.OFFSETS[self.direction.data]
