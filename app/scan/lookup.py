"""Loading what a scanned code leads to in a fixed number of queries, however big the register.

The statements are built once, with the code or place bound at each request: every scan runs
them, and building and keying a statement costs more than running it.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import tenancy
from app.extensions import db
from app.models import Asset, Place, ScanCode
from app.models.common import EVERYWHERE_OPTION

SCAN_CODE = (
    sa.select(ScanCode)
    .where(ScanCode.value == sa.bindparam("value", type_=sa.String))
    .options(
        so.joinedload(ScanCode.school),
        so.joinedload(ScanCode.asset).joinedload(Asset.kind),
        so.joinedload(ScanCode.asset).joinedload(Asset.place),
        so.joinedload(ScanCode.place).selectinload(Place.children),
        so.joinedload(ScanCode.place).selectinload(Place.assets).joinedload(Asset.kind),
    )
    # Codes are unique across the deployment: the plate says which school it is in.
    .execution_options(**{EVERYWHERE_OPTION: True})
)


def find_scan_code(value: str) -> ScanCode | None:
    """The code with its owner, the owner's kind and place, and a place's contents.

    Looked up everywhere in the database too: PostgreSQL's policies would otherwise hide a
    plate of another school, or every plate from a visitor, for whom no school is current."""
    with tenancy.everywhere():
        return db.session.scalar(SCAN_CODE, {"value": value})
