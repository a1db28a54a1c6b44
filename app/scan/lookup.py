"""Loading what a scanned code leads to in a fixed number of queries, however big the register."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Asset, Place, ScanCode


def find_scan_code(value: str) -> ScanCode | None:
    """The code with its owner, the owner's kind and place, and a place's contents."""
    return db.session.scalar(
        sa.select(ScanCode)
        .where(ScanCode.value == value)
        .options(
            so.joinedload(ScanCode.asset).joinedload(Asset.kind),
            so.joinedload(ScanCode.asset).joinedload(Asset.place),
            so.joinedload(ScanCode.place).selectinload(Place.children),
            so.joinedload(ScanCode.place).selectinload(Place.assets).joinedload(Asset.kind),
        )
    )


def load_ancestors(place: Place) -> None:
    """Load the place's whole parent chain with one recursive query and link it up.

    Afterwards `place.ancestors()` and `place.path` walk the chain without one query per level.
    """
    if place.parent_id is None:
        return
    chain = (
        sa.select(Place.id, Place.parent_id)
        .where(Place.id == place.parent_id)
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        sa.select(Place.id, Place.parent_id).join(chain, Place.id == chain.c.parent_id)
    )
    chain_places = {
        p.id: p for p in db.session.scalars(sa.select(Place).join(chain, Place.id == chain.c.id))
    }
    for member in [place, *chain_places.values()]:
        so.attributes.set_committed_value(member, "parent", chain_places.get(member.parent_id))
