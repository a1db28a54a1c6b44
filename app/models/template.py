"""District checklist templates: a routine the district publishes for its schools to adopt.

A template is district-owned, not school-owned: it has a district and no school, and is
outside the schools' row-level security. Its items live in versions; a published version
never changes, so a school's routine can say which version it came from
(Checklist.template_version_id). A change is a new version, which each school may take.
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import BilingualName, localized, utcnow
from app.models.item import Item
from app.models.scheduled import Scheduled


class ChecklistTemplate(Scheduled, BilingualName, db.Model):
    """A district's routine for its schools to adopt.

    Its schedule is the one an adopting school's routine starts with; the school may change it.
    """

    __tablename__ = "checklist_templates"
    __table_args__ = (sa.UniqueConstraint("district_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    district_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("districts.id"), index=True)
    # Stable within the district: the seeded templates are matched by it on a re-seed.
    key: so.Mapped[str] = so.mapped_column(sa.String(60))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    # The kind of asset a school's routine covers: matched by key, then by Chinese name, in
    # the adopting school, and added there when it has no such kind.
    kind_key: so.Mapped[str] = so.mapped_column(sa.String(40))
    kind_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    kind_name_en: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    district: so.Mapped["District"] = so.relationship()  # noqa: F821
    versions: so.Mapped[list["TemplateVersion"]] = so.relationship(
        back_populates="template", order_by="TemplateVersion.number"
    )

    @property
    def current_version(self) -> "TemplateVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def kind_title(self) -> str:
        return localized(self.kind_name, self.kind_name_en)

    def __repr__(self) -> str:
        return f"<ChecklistTemplate {self.key}>"


class TemplateVersion(db.Model):
    __tablename__ = "template_versions"
    __table_args__ = (sa.UniqueConstraint("template_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    template_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("checklist_templates.id"), index=True
    )
    number: so.Mapped[int]
    published_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    published_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    template: so.Mapped[ChecklistTemplate] = so.relationship(back_populates="versions")
    items: so.Mapped[list["TemplateItem"]] = so.relationship(
        back_populates="version", order_by="TemplateItem.position"
    )
    published_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821


class TemplateItem(Item, db.Model):
    """An item of a template's version; a school's copy of it keeps its lineage."""

    __tablename__ = "template_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("template_versions.id"), index=True)

    version: so.Mapped[TemplateVersion] = so.relationship(back_populates="items")
