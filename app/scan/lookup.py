"""Loading what a scanned code leads to in a fixed number of queries, however big the register.

The statements are built once, with the code or place bound at each request: every scan runs
them, and building and keying a statement costs more than running it.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Asset, Place, ScanCode

SCAN_CODE = (
    sa.select(ScanCode)
    .where(ScanCode.value == sa.bindparam("value", type_=sa.String))
    .options(
        so.joinedload(ScanCode.asset).joinedload(Asset.kind),
        so.joinedload(ScanCode.asset).joinedload(Asset.place),
        so.joinedload(ScanCode.place).selectinload(Place.children),
        so.joinedload(ScanCode.place).selectinload(Place.assets).joinedload(Asset.kind),
    )
)


def _ancestors_query():
    chain = (
        sa.select(Place.id, Place.parent_id)
        .where(Place.id == sa.bindparam("parent_id", type_=sa.Integer))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        sa.select(Place.id, Place.parent_id).join(chain, Place.id == chain.c.parent_id)
    )
    return sa.select(Place).join(chain, Place.id == chain.c.id)


ANCESTORS = _ancestors_query()


def find_scan_code(value: str) -> ScanCode | None:
    """The code with its owner, the owner's kind and place, and a place's contents."""
    return db.session.scalar(SCAN_CODE, {"value": value})


def load_ancestors(place: Place) -> None:
    """Load the place's whole parent chain with one recursive query and link it up.

    Afterwards `place.ancestors()` and `place.path` walk the chain without one query per level.
    """
    if place.parent_id is None:
        return
    chain_places = {p.id: p for p in db.session.scalars(ANCESTORS, {"parent_id": place.parent_id})}
    for member in [place, *chain_places.values()]:
        so.attributes.set_committed_value(member, "parent", chain_places.get(member.parent_id))
