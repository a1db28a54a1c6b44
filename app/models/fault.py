"""Faults: something broken, from a report or a failed inspection item, and its history."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.common import SchoolOwned, enum_column, utcnow
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
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REPAIRED = "repaired"
    ACCEPTED = "accepted"
    # Closed without a repair: the logistics head found it was not a real fault (a prank).
    DISMISSED = "dismissed"

    @property
    def label(self):
        return FAULT_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (FaultStatus.ACCEPTED, FaultStatus.DISMISSED)


FAULT_STATUS_LABELS = {
    FaultStatus.REPORTED: _l("Reported"),
    FaultStatus.ASSIGNED: _l("Assigned"),
    FaultStatus.IN_PROGRESS: _l("In progress"),
    FaultStatus.REPAIRED: _l("Repaired, waiting for acceptance"),
    FaultStatus.ACCEPTED: _l("Accepted"),
    FaultStatus.DISMISSED: _l("Dismissed: not a real fault"),
}

OPEN_STATUSES = tuple(status for status in FaultStatus if status.is_open)


class Cause(enum.StrEnum):
    """Who pays follows the cause (the school's damage rule)."""

    NATURAL_WEAR = "natural_wear"
    ACCIDENTAL = "accidental"
    DELIBERATE = "deliberate"

    @property
    def label(self):
        return CAUSE_LABELS[self]


CAUSE_LABELS = {
    Cause.NATURAL_WEAR: _l("Natural wear"),
    Cause.ACCIDENTAL: _l("Accidental damage"),
    Cause.DELIBERATE: _l("Deliberate damage"),
}


class Fault(SchoolOwned, db.Model):
    __tablename__ = "faults"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Made on the phone for a report: a second send of it records nothing new.
    client_id: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
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

    # A report made without an account: who they said they are, and the secret of their
    # own confirmation page (the only place outside staff pages that shows its photos).
    is_public: so.Mapped[bool] = so.mapped_column(default=False)
    reporter_name: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    reporter_phone: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    public_token: so.Mapped[str | None] = so.mapped_column(sa.String(32), unique=True)
    # The browser it was sent from, hashed: only that browser repeats the report or opens its
    # confirmation page (app/faults/reporter_browser.py).
    reporter_browser: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    assigned_to_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id"), index=True
    )
    # The repair, as the repairer signed it off.
    repaired_at: so.Mapped[datetime | None]
    repaired_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    repair_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    parts: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    cost: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(10, 2))
    cause: so.Mapped[Cause | None] = so.mapped_column(enum_column(Cause))
    repair_signature_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("signatures.id"))
    # The acceptance (报修人验收签字).
    accepted_at: so.Mapped[datetime | None]
    accepted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    acceptance_signature_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("signatures.id")
    )

    asset: so.Mapped["Asset"] = so.relationship()  # noqa: F821
    reported_by: so.Mapped["User | None"] = so.relationship(  # noqa: F821
        foreign_keys=[reported_by_id]
    )
    assigned_to: so.Mapped["User | None"] = so.relationship(  # noqa: F821
        foreign_keys=[assigned_to_id]
    )
    repaired_by: so.Mapped["User | None"] = so.relationship(  # noqa: F821
        foreign_keys=[repaired_by_id]
    )
    accepted_by: so.Mapped["User | None"] = so.relationship(  # noqa: F821
        foreign_keys=[accepted_by_id]
    )
    repair_signature: so.Mapped["Signature | None"] = so.relationship(  # noqa: F821
        foreign_keys=[repair_signature_id]
    )
    acceptance_signature: so.Mapped["Signature | None"] = so.relationship(  # noqa: F821
        foreign_keys=[acceptance_signature_id]
    )
    photos: so.Mapped[list["FaultPhoto"]] = so.relationship(
        back_populates="fault", order_by="FaultPhoto.id"
    )
    inspection: so.Mapped["Inspection | None"] = so.relationship()  # noqa: F821
    item: so.Mapped["ChecklistItem | None"] = so.relationship()  # noqa: F821
    events: so.Mapped[list["FaultEvent"]] = so.relationship(
        back_populates="fault", order_by="FaultEvent.id"
    )


@immutable
class FaultEvent(SchoolOwned, db.Model):
    """Every change to a fault, with who, when and what; nothing is deleted."""

    __tablename__ = "fault_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fault_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("faults.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    status: so.Mapped[FaultStatus] = so.mapped_column(enum_column(FaultStatus))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # For a public reporter or an accepting reporter without an account: the name given.
    actor_name: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    signature_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("signatures.id"))

    fault: so.Mapped[Fault] = so.relationship(back_populates="events")
    actor: so.Mapped["User | None"] = so.relationship()  # noqa: F821
    signature: so.Mapped["Signature | None"] = so.relationship()  # noqa: F821


@immutable
class FaultPhoto(SchoolOwned, db.Model):
    """A photo sent with a report (several may come from the camera), kept on disk."""

    __tablename__ = "fault_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fault_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("faults.id"), index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(80))
    added_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    fault: so.Mapped[Fault] = so.relationship(back_populates="photos")
