"""Faults: something broken, from a report or a failed inspection item, and its history."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.common import enum_column, utcnow
from app.models.records import immutable


class Urgency(enum.StrEnum):
    UNSAFE = "unsafe"
    NEEDS_REPAIR = "needs_repair"

    @property
    def label(self):
        return URGENCY_LABELS[self]


URGENCY_LABELS = {
    Urgency.UNSAFE: _l("Unsafe now"),
    Urgency.NEEDS_REPAIR: _l("Needs repair"),
}


class FaultStatus(enum.StrEnum):
    REPORTED = "reported"

    @property
    def label(self):
        return FAULT_STATUS_LABELS[self]


FAULT_STATUS_LABELS = {
    FaultStatus.REPORTED: _l("Reported"),
}


class Fault(db.Model):
    __tablename__ = "faults"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    asset_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assets.id"), index=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    urgency: so.Mapped[Urgency] = so.mapped_column(enum_column(Urgency))
    status: so.Mapped[FaultStatus] = so.mapped_column(
        enum_column(FaultStatus), default=FaultStatus.REPORTED, index=True
    )
    # Whether this fault took the asset out of service when it was raised.
    took_out_of_service: so.Mapped[bool] = so.mapped_column(default=False)
    reported_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    reported_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    inspection_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("inspections.id"), index=True
    )
    item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("checklist_items.id"))
    photo: so.Mapped[str | None] = so.mapped_column(sa.String(80))

    asset: so.Mapped["Asset"] = so.relationship()  # noqa: F821
    reported_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821
    inspection: so.Mapped["Inspection | None"] = so.relationship()  # noqa: F821
    item: so.Mapped["ChecklistItem | None"] = so.relationship()  # noqa: F821
    events: so.Mapped[list["FaultEvent"]] = so.relationship(
        back_populates="fault", order_by="FaultEvent.id"
    )


@immutable
class FaultEvent(db.Model):
    """Every change to a fault, with who, when and what; nothing is deleted."""

    __tablename__ = "fault_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fault_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("faults.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    status: so.Mapped[FaultStatus] = so.mapped_column(enum_column(FaultStatus))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    fault: so.Mapped[Fault] = so.relationship(back_populates="events")
    actor: so.Mapped["User | None"] = so.relationship()  # noqa: F821
