"""Register rules shared by the pages and the CSV import: finding assets and their codes."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination

from app import tenancy
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.models import Asset, AssetKind, AssetStatus, Place, ScanCode
from app.models.code import is_well_formed, normalize_code

PAGE_SIZE = 50


def belongs_elsewhere(code: str):
    return _l("Code %(code)s belongs to another school.", code=code)


# The columns' sizes; notes are TEXT, kept to what a person writes about one thing.
MAX_LENGTHS = {"name": 120, "name_en": 120, "asset_number": 40, "notes": 2000}
# The status filter's value that also shows retired assets.
ANY_STATUS = "all"
STATUS_VALUES = {status.value for status in AssetStatus}


def search_assets(
    tree: PlaceTree,
    text: str = "",
    place: Place | None = None,
    kind_id: int | None = None,
    status: str = "",
    page: int = 1,
):
    """One page of assets matching the filters, in walking order; retired ones only when the
    status asks.

    The walking order is worked out in Python (app.core.place_tree), so every match is read,
    a few columns each, and only the page's assets are loaded whole: two queries, as a page
    counted in SQL takes.
    """
    query = sa.select(Asset.id, Asset.place_id, Asset.name, Asset.code)
    text = text.strip()
    if text:
        query = query.where(
            sa.or_(
                Asset.name.icontains(text, autoescape=True),
                Asset.name_en.icontains(text, autoescape=True),
                Asset.asset_number.icontains(text, autoescape=True),
                Asset.code.contains(normalize_code(text), autoescape=True),
            )
        )
    if place is not None:
        query = query.where(Asset.place_id.in_(tree.subtree_ids(place)))
    if kind_id is not None:
        query = query.where(Asset.kind_id == kind_id)
    if status in STATUS_VALUES:
        query = query.where(Asset.status == AssetStatus(status))
    elif status != ANY_STATUS:
        query = query.where(Asset.status != AssetStatus.RETIRED)
    walked = sorted(
        db.session.execute(query),
        key=lambda row: tree.walking_key(row.place_id, row.name, row.code, row.id),
    )
    return _WalkingPage(
        page=page, per_page=PAGE_SIZE, error_out=False, ids=[row.id for row in walked]
    )


class _WalkingPage(Pagination):
    """One page of assets whose order was worked out in Python: given every id in order,
    it loads the page's assets with their kind and place."""

    def _query_items(self) -> list[Asset]:
        ids = self._query_args["ids"][self._query_offset:self._query_offset + self.per_page]
        if not ids:
            return []
        found = db.session.scalars(
            sa.select(Asset)
            .where(Asset.id.in_(ids))
            .options(so.joinedload(Asset.kind), so.joinedload(Asset.place))
        )
        by_id = {asset.id: asset for asset in found}
        return [by_id[asset_id] for asset_id in ids]

    def _query_count(self) -> int:
        return len(self._query_args["ids"])


def move_asset(asset: Asset, place: Place) -> None:
    """The register now has the asset in this place: from its edit form, or a stocktake.
    Never to a place of another school: the pages offer only their school's places."""
    if asset.school_id is not None and place.school_id != asset.school_id:
        raise ValueError(f"place {place.id} is not in the school of asset {asset.id}")
    asset.place = place


def codes_of_other_schools(values) -> set[str]:
    """Which of these codes are on another school's labels. Codes are unique across the
    deployment: such a code may be named (and refused), never claimed nor moved."""
    mine = tenancy.current_school_ids()
    with tenancy.everywhere():
        found = db.session.execute(
            sa.select(ScanCode.value, ScanCode.school_id).where(ScanCode.value.in_(values))
        ).all()
    return {value for value, school_id in found if school_id not in mine}


def asset_number_holder(number: str | None, asset: Asset | None = None) -> Asset | None:
    """Another asset that already carries this 校产编号."""
    if not number:
        return None
    query = sa.select(Asset).where(Asset.asset_number == number)
    if asset is not None and asset.id is not None:
        query = query.where(Asset.id != asset.id)
    return db.session.scalar(query)


def kind_clashes(key: str, name: str, name_en: str | None, kind: AssetKind | None = None):
    """Which of key, name and name_en another kind already uses (English in any case)."""
    query = sa.select(AssetKind)
    if kind is not None:
        query = query.where(AssetKind.id != kind.id)
    clashes = set()
    for other in db.session.scalars(query):
        if other.key == key:
            clashes.add("key")
        if other.name == name:
            clashes.add("name")
        if name_en and (other.name_en or "").casefold() == name_en.casefold():
            clashes.add("name_en")
    return clashes


def blank_code_problem(value: str) -> tuple[ScanCode | None, str | None]:
    """The blank ScanCode a new asset may claim, or why this code cannot be claimed."""
    code = normalize_code(value)
    if not is_well_formed(code):
        return None, _l("“%(code)s” is not a Patrol code.", code=value)
    scan_code = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == code))
    if scan_code is None and codes_of_other_schools([code]):
        return None, belongs_elsewhere(code)
    if scan_code is None:
        return None, _l("Code %(code)s was never issued by Patrol.", code=code)
    if scan_code.is_replaced:
        return None, _l("Code %(code)s was replaced and can no longer be used.", code=code)
    if not scan_code.is_blank:
        return None, _l("Code %(code)s already belongs to something else.", code=code)
    return scan_code, None
