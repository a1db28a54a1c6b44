"""Stocktakes (盘点): counting what is really in a place against the register, and the record.

A stocktake covers a place and everything inside it, or the whole school. While it is open,
staff add every labelled thing they find, each as a scan; the same thing is counted once
however many phones scan it. Closing it with a signature freezes the result as lines (found,
missing, in the wrong place, moved in the register, unknown codes) written with the names and
places as they were then, so the record reads the same after the register changes.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from sqlalchemy import event

from app.extensions import db
from app.models.common import SchoolOwned, enum_column, localized, utcnow
from app.models.records import ImmutableRecordError, immutable


class StocktakeStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self):
        return STOCKTAKE_STATUS_LABELS[self]


STOCKTAKE_STATUS_LABELS = {
    StocktakeStatus.OPEN: _l("Counting"),
    StocktakeStatus.CLOSED: _l("Closed"),
}


class UnknownCode(enum.StrEnum):
    """Why a well-formed code scanned in a stocktake leads to no asset."""

    NOT_ISSUED = "not_issued"  # no label ever carried it: a label from elsewhere, or a typo
    BLANK = "blank"  # a blank label never stuck on anything
    REPLACED = "replaced"  # an old label that was replaced (damaged or copied)

    @property
    def label(self):
        return UNKNOWN_CODE_LABELS[self]


UNKNOWN_CODE_LABELS = {
    UnknownCode.NOT_ISSUED: _l("Not in the register"),
    UnknownCode.BLANK: _l("Blank label, never used"),
    UnknownCode.REPLACED: _l("Replaced label"),
}


class Finding(enum.StrEnum):
    """What a closed stocktake found for one asset or code."""

    FOUND = "found"
    MISSING = "missing"
    WRONG_PLACE = "wrong_place"  # found, but the register has it somewhere else
    MOVED = "moved"  # found somewhere else, and moved in the register during the stocktake
    UNKNOWN = "unknown"

    @property
    def label(self):
        return FINDING_LABELS[self]


FINDING_LABELS = {
    Finding.FOUND: _l("Found"),
    Finding.MISSING: _l("Missing"),
    Finding.WRONG_PLACE: _l("Found in another place"),
    Finding.MOVED: _l("Moved in the register"),
    Finding.UNKNOWN: _l("Unknown codes"),
}


class Stocktake(SchoolOwned, db.Model):
    __tablename__ = "stocktakes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Made when the start form was opened: a second tap starts nothing new.
    client_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # None: the whole school.
    place_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("places.id"), index=True)
    # The scope as it was named when the stocktake started, kept for the record ("" for the
    # whole school).
    scope_name: so.Mapped[str] = so.mapped_column(sa.String(400))
    scope_name_en: so.Mapped[str] = so.mapped_column(sa.String(400))
    status: so.Mapped[StocktakeStatus] = so.mapped_column(
        enum_column(StocktakeStatus), default=StocktakeStatus.OPEN, index=True
    )
    started_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Touched by every scan, in the same statement that checks the stocktake is still open.
    last_scan_at: so.Mapped[datetime | None]
    closed_at: so.Mapped[datetime | None]
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    signature_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("signatures.id"))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Frozen at the close: what the register expected in the scope, and how much of it was found.
    expected_count: so.Mapped[int | None]
    found_count: so.Mapped[int | None]

    place: so.Mapped["Place | None"] = so.relationship()  # noqa: F821
    started_by: so.Mapped["User"] = so.relationship(foreign_keys=[started_by_id])  # noqa: F821
    closed_by: so.Mapped["User | None"] = so.relationship(  # noqa: F821
        foreign_keys=[closed_by_id]
    )
    signature: so.Mapped["Signature | None"] = so.relationship()  # noqa: F821

    @property
    def is_open(self) -> bool:
        return self.status == StocktakeStatus.OPEN

    @property
    def scope_title(self) -> str:
        if self.place_id is None:
            return str(_l("the whole school"))
        return localized(self.scope_name, self.scope_name_en)

    def __repr__(self) -> str:
        return f"<Stocktake {self.id} {self.scope_name} {self.status}>"


@event.listens_for(Stocktake, "before_update")
def _closed_is_final(mapper, connection, target):
    """An open stocktake is closed once; after that it is a signed record."""
    # Asked of the database: an expired object does not know what it was loaded as.
    was = connection.scalar(
        sa.select(Stocktake.__table__.c.status).where(Stocktake.__table__.c.id == target.id)
    )
    if was == StocktakeStatus.CLOSED.value:
        raise ImmutableRecordError(f"Stocktake {target.id} is closed: a signed record")


@event.listens_for(Stocktake, "before_delete")
def _never_deleted(mapper, connection, target):
    raise ImmutableRecordError(f"Stocktake {target.id} is a record: it is never deleted")


@immutable
class StocktakeScan(SchoolOwned, db.Model):
    """One code added while counting: an asset, or a code Patrol does not know."""

    __tablename__ = "stocktake_scans"
    __table_args__ = (
        # The same thing scanned twice, or by two phones at once, is counted once.
        sa.UniqueConstraint("stocktake_id", "asset_id", name="uq_stocktake_scans_asset"),
        sa.UniqueConstraint("stocktake_id", "code", name="uq_stocktake_scans_code"),
        sa.CheckConstraint(
            "(asset_id IS NULL) <> (unknown IS NULL)", name="asset_or_unknown"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Indexed by the unique constraints, which lead with it.
    stocktake_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stocktakes.id"))
    code: so.Mapped[str] = so.mapped_column(sa.String(12))
    asset_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("assets.id"), index=True)
    unknown: so.Mapped[UnknownCode | None] = so.mapped_column(enum_column(UnknownCode))
    # Where the counter said they were: the stocktake's place or a room chosen while counting.
    place_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("places.id"))
    counted_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    counted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    asset: so.Mapped["Asset | None"] = so.relationship()  # noqa: F821
    place: so.Mapped["Place | None"] = so.relationship()  # noqa: F821
    counted_by: so.Mapped["User"] = so.relationship()  # noqa: F821


@immutable
class StocktakeMove(SchoolOwned, db.Model):
    """An asset found in another place and moved there in the register, during a stocktake."""

    __tablename__ = "stocktake_moves"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stocktake_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stocktakes.id"), index=True)
    asset_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assets.id"), index=True)
    from_place_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("places.id"))
    to_place_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("places.id"))
    moved_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    moved_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    asset: so.Mapped["Asset"] = so.relationship()  # noqa: F821
    to_place: so.Mapped["Place"] = so.relationship(foreign_keys=[to_place_id])  # noqa: F821
    moved_by: so.Mapped["User"] = so.relationship()  # noqa: F821


@immutable
class StocktakeLine(SchoolOwned, db.Model):
    """One line of a closed stocktake's result, written as things were named when it closed."""

    __tablename__ = "stocktake_lines"
    __table_args__ = (sa.Index("ix_stocktake_lines_finding", "stocktake_id", "finding"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stocktake_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stocktakes.id"))
    finding: so.Mapped[Finding] = so.mapped_column(enum_column(Finding))
    code: so.Mapped[str] = so.mapped_column(sa.String(12))
    asset_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("assets.id"))
    unknown: so.Mapped[UnknownCode | None] = so.mapped_column(enum_column(UnknownCode))
    name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    asset_number: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    # Where the register has it (for a move: where it was before), and where it was counted.
    registered_place: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    registered_place_en: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    counted_place: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    counted_place_en: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    counted_by_name: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    counted_at: so.Mapped[datetime | None]

    @property
    def title(self) -> str:
        return localized(self.name, self.name_en)

    @property
    def registered_place_title(self) -> str:
        return localized(self.registered_place, self.registered_place_en)

    @property
    def counted_place_title(self) -> str:
        return localized(self.counted_place, self.counted_place_en)
