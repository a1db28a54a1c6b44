"""The district admin's forms: a new template, and a new version of its items.

Items are rows on one page: a row keeps the item it rewords in a hidden lineage; a row left
without text is not in the new version. An item's fields and rules are the checklists'
(app.checklists.forms.ItemFields, app.checklists.versions.item_problems).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from app.checklists.forms import ItemFields, ScheduleForm, VersionSeen, item_type_field, strip
from app.models import ItemType
from app.routine_templates.adoption import TemplateItemDraft

MAX_ITEMS = 60
BLANK_ROWS_NEW = 5
BLANK_ROWS_MORE = 3
NOT_OFFERED_ITEM = _l("That item is not one of this template's: open the page again.")


class ItemRow(ItemFields):
    """One item's row; a sub-form, so the page's CSRF token covers it."""

    lineage = HiddenField()
    type = item_type_field()

    @property
    def used(self) -> bool:
        return bool(self.text.data)

    def check(self, lineages: frozenset[str]) -> None:
        """The checklists' rules for an item, as messages beside this row's fields."""
        if self.lineage.data and self.lineage.data not in lineages:
            self.text.errors.append(NOT_OFFERED_ITEM)
        if not self.used or self.type.errors:
            return
        self.check_item(ItemType(self.type.data))

    def draft(self) -> TemplateItemDraft:
        return TemplateItemDraft(
            type=ItemType(self.type.data), lineage=self.lineage.data or None, **self.item_fields()
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


class NewVersionForm(VersionSeen, ItemsForm):
    """A template's items as its next version, from the version the admin was looking at."""


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
