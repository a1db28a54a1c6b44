"""Inspections: a checklist version done on an asset, answered item by item and signed."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.common import SchoolOwned, enum_column, utcnow
from app.models.records import immutable


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"

    @property
    def label(self):
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.PASS: _l("OK"),
    Outcome.FAIL: _l("Fail"),
    Outcome.NOT_APPLICABLE: _l("N/A"),
}


@immutable
class Inspection(SchoolOwned, db.Model):
    __tablename__ = "inspections"
    __table_args__ = (
        sa.Index("ix_inspections_asset_checklist_day", "asset_id", "checklist_id", "local_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Made on the phone and sent with the form: a second send of it records nothing new.
    client_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    asset_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assets.id"), index=True)
    checklist_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("checklists.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("checklist_versions.id"))
    inspector_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    signature_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("signatures.id"))
    submitted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The school-local day it was done on, fixed when signed: what "done today" is counted by.
    local_date: so.Mapped[date]
    passed: so.Mapped[bool]
    # Done when it was not due: allowed, and said.
    off_schedule: so.Mapped[bool] = so.mapped_column(default=False)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    corrects_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("inspections.id"), index=True
    )

    asset: so.Mapped["Asset"] = so.relationship()  # noqa: F821
    checklist: so.Mapped["Checklist"] = so.relationship()  # noqa: F821
    version: so.Mapped["ChecklistVersion"] = so.relationship()  # noqa: F821
    inspector: so.Mapped["User"] = so.relationship()  # noqa: F821
    signature: so.Mapped["Signature"] = so.relationship()  # noqa: F821
    corrects: so.Mapped["Inspection | None"] = so.relationship(remote_side=[id])
    answers: so.Mapped[list["Answer"]] = so.relationship(
        back_populates="inspection", order_by="Answer.position"
    )


@immutable
class Answer(SchoolOwned, db.Model):
    __tablename__ = "inspection_answers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    inspection_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inspections.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("checklist_items.id"), index=True)
    position: so.Mapped[int]
    outcome: so.Mapped[Outcome | None] = so.mapped_column(enum_column(Outcome))
    reading: so.Mapped[float | None]
    out_of_range: so.Mapped[bool] = so.mapped_column(default=False)
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    photo: so.Mapped[str | None] = so.mapped_column(sa.String(80))

    inspection: so.Mapped[Inspection] = so.relationship(back_populates="answers")
    item: so.Mapped["ChecklistItem"] = so.relationship()  # noqa: F821

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAIL or self.out_of_range
