"""What goes on a sheet: a place and everything in it, a kind, picked assets, blank codes.

Names and places are written in the language current while a selection is made: printing
chooses the labels' language with force_locale (see app.labels.printing).

Labels come out in walking order (app.core.place_tree), which is the order a person sticks
them on during a walk. The place tree is loaded in one query and walked in memory, so a sheet
of two thousand labels does not cost a query per label.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.core.place_tree import PATH_SEPARATOR, PlaceTree, asset_key
from app.extensions import db
from app.i18n import current_locale
from app.models import Asset, AssetKind, AssetStatus, Place, PlaceKind, ScanCode

# The sheet form's place boxes indent each level by an em space.
INDENT = "\u2003"


@dataclass(frozen=True)
class Label:
    code: str
    title: str = ""
    where: str = ""
    blank: bool = False
    # On a Chinese label, the English name where one is set, printed small under the title.
    english: str = ""


@dataclass
class Selection:
    labels: list[Label] = field(default_factory=list)
    retired_left_out: int = 0
    # Blank codes registered to something since the blank sheet was made.
    claimed_left_out: int = 0


def where(tree: PlaceTree, place: Place | None) -> str:
    """How a label says where it is. The school's site is on every label, so it is left out."""
    if place is None:
        return ""
    chain = [*tree.ancestors(place), place]
    if len(chain) > 1 and chain[0].kind == PlaceKind.SITE:
        chain = chain[1:]
    return PATH_SEPARATOR.join(p.title for p in chain)


def english_beneath(named: Place | Asset) -> str:
    """A label printed in Chinese also gives the English name, small, where one is set."""
    locale = current_locale()
    chinese = locale is None or locale.language == "zh"
    if chinese and named.name_en and named.name_en != named.name:
        return named.name_en
    return ""


def place_label(tree: PlaceTree, place: Place) -> Label:
    parent = tree.by_id.get(place.parent_id) if place.parent_id is not None else None
    return Label(place.code, place.title, where(tree, parent), english=english_beneath(place))


def asset_label(tree: PlaceTree, asset: Asset) -> Label:
    return Label(
        asset.code, asset.title, where(tree, tree.by_id[asset.place_id]),
        english=english_beneath(asset),
    )


def _split_retired(assets, include_retired):
    if include_retired:
        return list(assets), 0
    kept = [asset for asset in assets if asset.status != AssetStatus.RETIRED]
    return kept, len(assets) - len(kept)


def for_place(tree: PlaceTree, place: Place, include_retired: bool = False) -> Selection:
    """The place's own label, then its assets, then each sub-place the same way."""
    places = tree.subtree(place)
    assets = list(
        db.session.scalars(sa.select(Asset).where(Asset.place_id.in_([p.id for p in places])))
    )
    assets, retired = _split_retired(assets, include_retired)
    by_place = defaultdict(list)
    for asset in sorted(assets, key=asset_key):
        by_place[asset.place_id].append(asset)
    labels = []
    for each in places:
        labels.append(place_label(tree, each))
        labels.extend(asset_label(tree, asset) for asset in by_place[each.id])
    return Selection(labels, retired_left_out=retired)


def for_kind(
    tree: PlaceTree, kind: AssetKind, within: Place | None = None, include_retired: bool = False
) -> Selection:
    """Every asset of a kind, or only those inside `within`."""
    query = sa.select(Asset).where(Asset.kind_id == kind.id)
    if within is not None:
        query = query.where(Asset.place_id.in_(list(tree.subtree_ids(within))))
    assets, retired = _split_retired(list(db.session.scalars(query)), include_retired)
    labels = [asset_label(tree, asset) for asset in tree.in_walking_order(assets)]
    return Selection(labels, retired_left_out=retired)


def for_assets(tree: PlaceTree, assets: list[Asset], include_retired: bool = False) -> Selection:
    assets, retired = _split_retired(assets, include_retired)
    labels = [asset_label(tree, asset) for asset in tree.in_walking_order(assets)]
    return Selection(labels, retired_left_out=retired)


def for_register(tree: PlaceTree, include_retired: bool = False) -> Selection:
    """Every place and asset, site by site."""
    selection = Selection()
    for top in tree.children(None):
        part = for_place(tree, top, include_retired)
        selection.labels.extend(part.labels)
        selection.retired_left_out += part.retired_left_out
    return selection


def for_blank_codes(codes: list[ScanCode]) -> Selection:
    """Blank labels, in the order given; codes registered since are left out."""
    still_blank = [code for code in codes if code.is_blank and not code.is_replaced]
    return Selection(
        [Label(code.value, blank=True) for code in still_blank],
        claimed_left_out=len(codes) - len(still_blank),
    )


def assets_to_pick(
    tree: PlaceTree, within: Place | None, include_retired: bool, limit: int
) -> tuple[list[tuple[Asset, str]], int]:
    """Assets for the pick-by-hand list with where each stands, and how many there are in all."""
    query = sa.select(Asset)
    if within is not None:
        query = query.where(Asset.place_id.in_(list(tree.subtree_ids(within))))
    if not include_retired:
        query = query.where(Asset.status != AssetStatus.RETIRED)
    assets = tree.in_walking_order(db.session.scalars(query))
    shown = [(asset, where(tree, tree.by_id[asset.place_id])) for asset in assets[:limit]]
    return shown, len(assets)
