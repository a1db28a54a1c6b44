"""The district admin's forms: a new template, and a new version of its items.

Items are rows on one page: a row keeps the item it rewords in a hidden lineage; a row left
without text is not in the new version. The rules for an item are the checklists'
(app.checklists.versions.item_problems).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.checklists.forms import NOT_A_NUMBER, ScheduleForm, strip
from app.checklists.versions import item_problems
from app.models import ItemType
from app.routine_templates.adoption import TemplateItemDraft

MAX_ITEMS = 60
BLANK_ROWS_NEW = 5
BLANK_ROWS_MORE = 3
NOT_OFFERED_ITEM = _l("That item is not one of this template's: open the page again.")


class ItemRow(Form):
    """One item's row; a sub-form, so the page's CSRF token covers it."""

    lineage = HiddenField()
    text = StringField(_l("What to check (Chinese)"), validators=[Length(max=300)], filters=[strip])
    text_en = StringField(
        _l("In English (optional)"), validators=[Length(max=300)], filters=[strip]
    )
    type = SelectField(
        _l("Type"),
        choices=[SelectChoice(item_type.value, item_type.label) for item_type in ItemType],
        default=ItemType.CHECK.value,
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

    @property
    def used(self) -> bool:
        return bool(self.text.data)

    def check(self, lineages: frozenset[str]) -> None:
        """The checklists' rules for an item, as messages beside this row's fields."""
        if self.lineage.data and self.lineage.data not in lineages:
            self.text.errors.append(NOT_OFFERED_ITEM)
        if not self.used or self.type.errors:
            return
        item_type = ItemType(self.type.data)
        if item_type != ItemType.READING:
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

    def draft(self) -> TemplateItemDraft:
        return TemplateItemDraft(
            type=ItemType(self.type.data),
            text=self.text.data,
            text_en=self.text_en.data or None,
            required=self.required.data,
            critical=self.critical.data,
            unit=self.unit.data or None,
            min_value=self.min_value.data,
            max_value=self.max_value.data,
            lineage=self.lineage.data or None,
        )


def item_rows():
    return FieldList(FormField(ItemRow), max_entries=MAX_ITEMS)


class ItemsForm(FlaskForm):
    """The rows of a template's items; `lineages` are the items the page offered."""

    items = item_rows()

    def __init__(self, *args, lineages=frozenset(), blank_rows=BLANK_ROWS_MORE, **kwargs):
        super().__init__(*args, **kwargs)
        self.lineages = frozenset(lineages)
        if not self.is_submitted():
            for _row in range(blank_rows):
                if len(self.items) < MAX_ITEMS:
                    self.items.append_entry()

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        for row in self.items:
            row.form.check(self.lineages)
        # The list's errors are its rows' as they are now, the rules' findings included.
        self.items.errors = [row.form.errors for row in self.items if row.form.errors]
        if not any(row.form.used for row in self.items):
            self.form_errors.append(_l("Type at least one item to check."))
        return not self.errors

    def drafts(self) -> list[TemplateItemDraft]:
        return [row.form.draft() for row in self.items if row.form.used]


class NewVersionForm(ItemsForm):
    # The version the admin was looking at: a second tap must not publish twice.
    version = HiddenField()

    def based_on(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class TemplateForm(ScheduleForm, ItemsForm):
    name = StringField(
        _l("Name (Chinese)"),
        validators=[DataRequired(_l("Type the template's name.")), Length(max=120)],
        filters=[strip],
    )
    name_en = StringField(
        _l("English name (optional)"), validators=[Length(max=120)], filters=[strip]
    )
    kind_name = StringField(
        _l("Kind of asset (Chinese), e.g. 滑梯"),
        validators=[DataRequired(_l("Type the kind of asset it is for.")), Length(max=80)],
        filters=[strip],
    )
    kind_name_en = StringField(
        _l("Kind of asset in English (optional)"), validators=[Length(max=80)], filters=[strip]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, blank_rows=BLANK_ROWS_NEW, **kwargs)

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        self._check_schedule()
        return not self.errors


class VersionChoiceForm(FlaskForm):
    """A school admin's "Adopt" or "Update" button: the template version they were shown."""

    version = IntegerField(validators=[InputRequired()])
