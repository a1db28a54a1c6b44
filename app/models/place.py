"""Where things are: a tree of site, buildings, rooms and areas."""

import enum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.common import BilingualName, SchoolOwned, enum_column


class PlaceKind(enum.StrEnum):
    SITE = "site"
    BUILDING = "building"
    ROOM = "room"
    AREA = "area"

    @property
    def label(self):
        return PLACE_KIND_LABELS[self]


PLACE_KIND_LABELS = {
    PlaceKind.SITE: _l("Site"),
    PlaceKind.BUILDING: _l("Building"),
    PlaceKind.ROOM: _l("Room"),
    PlaceKind.AREA: _l("Area"),
}


class Place(BilingualName, SchoolOwned, db.Model):
    __tablename__ = "places"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    kind: so.Mapped[PlaceKind] = so.mapped_column(enum_column(PlaceKind))
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("places.id"), index=True)
    # Walking order among siblings: rounds list places the way one walks them.
    position: so.Mapped[int] = so.mapped_column(default=0)
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    parent: so.Mapped["Place | None"] = so.relationship(
        remote_side=[id], back_populates="children"
    )
    children: so.Mapped[list["Place"]] = so.relationship(
        back_populates="parent", order_by="(Place.position, Place.name)"
    )
    assets: so.Mapped[list["Asset"]] = so.relationship(  # noqa: F821
        back_populates="place", order_by="Asset.name"
    )

    def ancestors(self) -> list["Place"]:
        """From the site down to this place's parent."""
        chain = []
        place = self.parent
        while place is not None:
            chain.append(place)
            place = place.parent
        return chain[::-1]

    @property
    def path(self) -> str:
        return " › ".join(p.title for p in [*self.ancestors(), self])

    def __repr__(self) -> str:
        return f"<Place {self.code} {self.name}>"
