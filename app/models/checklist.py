"""Checklists: what to check on a kind of asset (or one asset), how often, in which wording.

A checklist is a routine: its identity and schedule stay, while its items live in
versions. Editing the items makes a new version, so every past inspection keeps the exact
items and wording it was done against.
"""

from datetime import datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import BilingualName, SchoolOwned, utcnow
from app.models.item import Item
from app.models.scheduled import Scheduled


class Checklist(Scheduled, BilingualName, SchoolOwned, db.Model):
    __tablename__ = "checklists"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind_id IS NULL) != (asset_id IS NULL)", name="for_a_kind_or_an_asset"
        ),
        sa.UniqueConstraint("key", "school_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Seeded routines carry a stable key so the demo can be loaded twice.
    key: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    kind_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("asset_kinds.id"), index=True)
    asset_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("assets.id"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    # School-local time of the "not done yet" reminder on a due day; None: no reminder.
    reminder_time: so.Mapped[time | None]
    # The district template version this routine was adopted from or last updated to.
    template_version_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("template_versions.id"), index=True
    )

    kind: so.Mapped["AssetKind | None"] = so.relationship()  # noqa: F821
    asset: so.Mapped["Asset | None"] = so.relationship()  # noqa: F821
    template_version: so.Mapped["TemplateVersion | None"] = so.relationship()  # noqa: F821
    versions: so.Mapped[list["ChecklistVersion"]] = so.relationship(
        back_populates="checklist", order_by="ChecklistVersion.number"
    )
    duties: so.Mapped[list["Duty"]] = so.relationship(  # noqa: F821
        back_populates="checklist", cascade="all, delete-orphan", order_by="Duty.user_id"
    )

    @property
    def current_version(self) -> "ChecklistVersion | None":
        return self.versions[-1] if self.versions else None

    def __repr__(self) -> str:
        return f"<Checklist {self.key or self.id} {self.frequency}>"


class ChecklistVersion(SchoolOwned, db.Model):
    __tablename__ = "checklist_versions"
    __table_args__ = (sa.UniqueConstraint("checklist_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    checklist_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("checklists.id"), index=True)
    number: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    checklist: so.Mapped[Checklist] = so.relationship(back_populates="versions")
    items: so.Mapped[list["ChecklistItem"]] = so.relationship(
        back_populates="version", order_by="ChecklistItem.position"
    )
    created_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821


class ChecklistItem(Item, SchoolOwned, db.Model):
    __tablename__ = "checklist_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("checklist_versions.id"), index=True
    )

    version: so.Mapped[ChecklistVersion] = so.relationship(back_populates="items")

    def in_range(self, value: float) -> bool:
        if self.min_value is not None and value < self.min_value:
            return False
        return not (self.max_value is not None and value > self.max_value)
