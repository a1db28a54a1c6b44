"""An item to check: what a school's checklist item and a district's template item both are.

A district's template item is copied into a school's routine as a checklist item, so the two
hold the same columns: its type, its wording in Chinese and English, whether it is required
or critical, and a reading's unit and allowed range. Each keeps its own table, version and
ownership (a checklist item belongs to a school, a template item to a district).
"""

import enum
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.models.common import enum_column, localized


class ItemType(enum.StrEnum):
    CHECK = "check"
    READING = "reading"
    TEXT = "text"
    PHOTO = "photo"

    @property
    def label(self):
        return ITEM_TYPE_LABELS[self]


ITEM_TYPE_LABELS = {
    ItemType.CHECK: _l("Check (pass / fail / not applicable)"),
    ItemType.READING: _l("Reading (a number)"),
    ItemType.TEXT: _l("Text"),
    ItemType.PHOTO: _l("Photo"),
}


def new_lineage() -> str:
    return uuid.uuid4().hex


class Item:
    """The columns of an item to check, as ChecklistItem and TemplateItem both have them."""

    # The same item across versions shares a lineage, so readings chart as one series; a
    # school's copy of a template's item keeps the template item's lineage.
    lineage: so.Mapped[str] = so.mapped_column(sa.String(32), default=new_lineage, index=True)
    position: so.Mapped[int]
    type: so.Mapped[ItemType] = so.mapped_column(enum_column(ItemType))
    text: so.Mapped[str] = so.mapped_column(sa.String(300))
    text_en: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    required: so.Mapped[bool] = so.mapped_column(default=True)
    # Failing a critical item takes the asset out of service at once.
    critical: so.Mapped[bool] = so.mapped_column(default=False)
    unit: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    min_value: so.Mapped[float | None]
    max_value: so.Mapped[float | None]

    @property
    def title(self) -> str:
        return localized(self.text, self.text_en)
