"""The register: what the school owns, what kind it is, and where it stands."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.common import BilingualName, SchoolOwned, enum_column, utcnow
from app.models.place import Place


class AssetStatus(enum.StrEnum):
    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"

    @property
    def label(self):
        return ASSET_STATUS_LABELS[self]


ASSET_STATUS_LABELS = {
    AssetStatus.IN_SERVICE: _l("In service"),
    AssetStatus.OUT_OF_SERVICE: _l("Out of service"),
    AssetStatus.RETIRED: _l("Retired"),
}


def retirement_date(
    status: AssetStatus, was: AssetStatus | None, retired_at: datetime | None
) -> datetime | None:
    """When an asset given this status (it had `was`, dated `retired_at`) was retired.

    None unless it is retired; the date it already has if it stays retired; now otherwise.
    """
    if status != AssetStatus.RETIRED:
        return None
    if was == AssetStatus.RETIRED and retired_at is not None:
        return retired_at
    return utcnow()


class AssetKind(BilingualName, SchoolOwned, db.Model):
    """Slide, electric fan, gas stove …: later, checklists attach to a kind."""

    __tablename__ = "asset_kinds"
    __table_args__ = (
        sa.UniqueConstraint("key", "school_id"),
        sa.UniqueConstraint("name", "school_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(80))

    def __repr__(self) -> str:
        return f"<AssetKind {self.key}>"


class Asset(BilingualName, SchoolOwned, db.Model):
    __tablename__ = "assets"
    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'retired') = (retired_at IS NOT NULL)", name="retired_when_retired"
        ),
        sa.UniqueConstraint("asset_number", "school_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    kind_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("asset_kinds.id"), index=True)
    place_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("places.id"), index=True)
    # 校产编号: the number in the school's fixed-asset ledger, when it has one.
    asset_number: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    status: so.Mapped[AssetStatus] = so.mapped_column(
        enum_column(AssetStatus), default=AssetStatus.IN_SERVICE
    )
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    photo: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    # When it was retired, for counting its checks up to that day: set and cleared with the
    # status, however the status is changed (the retire button, the edit form, an import).
    retired_at: so.Mapped[datetime | None]

    kind: so.Mapped[AssetKind] = so.relationship()
    place: so.Mapped[Place] = so.relationship(back_populates="assets")

    @so.validates("status")
    def _date_retirement(self, _key, status: AssetStatus) -> AssetStatus:
        if status != AssetStatus.RETIRED:
            self.retired_at = None
        else:
            # Only now read what it had: on an expired asset that is a query, which would
            # flush whatever the session holds first.
            self.retired_at = retirement_date(status, self.status, self.retired_at)
        return status

    @property
    def in_service(self) -> bool:
        return self.status == AssetStatus.IN_SERVICE

    def __repr__(self) -> str:
        return f"<Asset {self.code} {self.name}>"
