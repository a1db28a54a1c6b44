"""What goes on a sheet: a place and everything in it, a kind, picked assets, blank codes.

Names and places are written in the language current while a selection is made: printing
chooses the labels' language with force_locale (see app.labels.printing).

Labels come out in walking order (place by place, as the tree orders them), which is the
order a person sticks them on during a walk. The place tree is loaded in one query and
walked in memory, so a sheet of two thousand labels does not cost a query per label.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.i18n import current_locale
from app.models import Asset, AssetKind, AssetStatus, Place, PlaceKind, ScanCode


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


def natural(text: str) -> tuple:
    """Sort key that puts 滑梯 2 before 滑梯 10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


class PlaceTree:
    def __init__(self, places: list[Place]):
        self.by_id = {place.id: place for place in places}
        self.children: dict[int | None, list[Place]] = defaultdict(list)
        for place in sorted(places, key=lambda p: (p.position, natural(p.name))):
            self.children[place.parent_id].append(place)

    @classmethod
    def load(cls) -> "PlaceTree":
        return cls(list(db.session.scalars(sa.select(Place))))

    def walk(self, root: Place | None = None) -> list[Place]:
        """`root` and everything inside it depth first; without a root, every top place's tree."""
        found: list[Place] = []
        seen: set[int] = set()

        def visit(place):
            if place.id in seen:  # a damaged tree must not loop forever
                return
            seen.add(place.id)
            found.append(place)
            for child in self.children[place.id]:
                visit(child)

        for top in [root] if root is not None else self.children[None]:
            visit(top)
        return found

    def chain(self, place: Place) -> list[Place]:
        """From the top of the tree down to `place`."""
        chain = [place]
        while chain[-1].parent_id is not None and len(chain) <= len(self.by_id):
            chain.append(self.by_id[chain[-1].parent_id])
        return chain[::-1]

    def path(self, place: Place | None) -> str:
        """How a label says where it is. The school's site is on every label, so it is left out."""
        if place is None:
            return ""
        chain = self.chain(place)
        if len(chain) > 1 and chain[0].kind == PlaceKind.SITE:
            chain = chain[1:]
        return " › ".join(p.title for p in chain)

    def choices(self) -> list[tuple[int, str]]:
        """Every place for a select box, indented to show the tree."""
        return [
            (place.id, "\u2003" * (len(self.chain(place)) - 1) + place.title)
            for place in self.walk()
        ]


def english_beneath(named: Place | Asset) -> str:
    """A label printed in Chinese also gives the English name, small, where one is set."""
    locale = current_locale()
    chinese = locale is None or locale.language == "zh"
    if chinese and named.name_en and named.name_en != named.name:
        return named.name_en
    return ""


def place_label(tree: PlaceTree, place: Place) -> Label:
    parent = tree.by_id.get(place.parent_id) if place.parent_id is not None else None
    return Label(place.code, place.title, tree.path(parent), english=english_beneath(place))


def asset_label(tree: PlaceTree, asset: Asset) -> Label:
    where = tree.path(tree.by_id[asset.place_id])
    return Label(asset.code, asset.title, where, english=english_beneath(asset))


def _split_retired(assets, include_retired):
    if include_retired:
        return list(assets), 0
    kept = [asset for asset in assets if asset.status != AssetStatus.RETIRED]
    return kept, len(assets) - len(kept)


def _in_walking_order(tree: PlaceTree, assets: list[Asset]) -> list[Asset]:
    order = {place.id: index for index, place in enumerate(tree.walk())}
    return sorted(
        assets, key=lambda a: (order.get(a.place_id, len(order)), natural(a.name), a.code)
    )


def for_place(tree: PlaceTree, place: Place, include_retired: bool = False) -> Selection:
    """The place's own label, then its assets, then each sub-place the same way."""
    places = tree.walk(place)
    assets = list(
        db.session.scalars(sa.select(Asset).where(Asset.place_id.in_([p.id for p in places])))
    )
    assets, retired = _split_retired(assets, include_retired)
    by_place = defaultdict(list)
    for asset in sorted(assets, key=lambda a: (natural(a.name), a.code)):
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
        query = query.where(Asset.place_id.in_([p.id for p in tree.walk(within)]))
    assets, retired = _split_retired(list(db.session.scalars(query)), include_retired)
    labels = [asset_label(tree, asset) for asset in _in_walking_order(tree, assets)]
    return Selection(labels, retired_left_out=retired)


def for_assets(tree: PlaceTree, assets: list[Asset], include_retired: bool = False) -> Selection:
    assets, retired = _split_retired(assets, include_retired)
    labels = [asset_label(tree, asset) for asset in _in_walking_order(tree, assets)]
    return Selection(labels, retired_left_out=retired)


def for_register(tree: PlaceTree, include_retired: bool = False) -> Selection:
    """Every place and asset, site by site."""
    selection = Selection()
    for top in tree.children[None]:
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
        query = query.where(Asset.place_id.in_([p.id for p in tree.walk(within)]))
    if not include_retired:
        query = query.where(Asset.status != AssetStatus.RETIRED)
    assets = _in_walking_order(tree, list(db.session.scalars(query)))
    shown = [(asset, tree.path(tree.by_id[asset.place_id])) for asset in assets[:limit]]
    return shown, len(assets)
