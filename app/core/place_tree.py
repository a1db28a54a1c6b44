"""Places as a tree: the one walking order, a place with everything inside it, the way up.

Rounds walk a school site → building → room, so every list of places or assets comes out
in the order one walks them:

- places depth first, each place before what is inside it;
- siblings by their position, then by name in natural order (滑梯2 before 滑梯10, Slide 2
  before Slide 10: numbers are read as numbers, as the labels are), then by id;
- assets place by place in that walk, then by name in natural order, then by code.

The whole tree is loaded in one query and walked in memory, so a list of two thousand
things does not cost a query per place. A damaged tree (a place whose parent is gone, or a
loop) must not hang a page: a place whose parent is missing stands at the top, and each
walk visits a place once.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Asset, AssetStatus, Place

PATH_SEPARATOR = " › "
# Option labels keep their indentation: browsers do not collapse no-break spaces.
INDENT = "\u00a0\u00a0\u00a0"
_DIGITS = re.compile(r"(\d+)")

Named = TypeVar("Named", bound=Asset)


def natural_key(text: str) -> tuple:
    """Slide 2 before Slide 10, 滑梯2 before 滑梯10: runs of digits compare as numbers.

    Splitting on digits puts text at the even places and digits at the odd ones, so two keys
    always compare text with text and number with number.
    """
    parts = _DIGITS.split(text)
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def sibling_key(place: Place) -> tuple:
    """Places side by side: by position, then by name in natural order."""
    return (place.position, natural_key(place.name), place.id)


def asset_key(asset: Asset) -> tuple:
    """Assets in one place: by name in natural order, then by code."""
    return (natural_key(asset.name), asset.code, asset.id)


class PlaceTree:
    """Every place, loaded at once, walked depth first by sibling_key."""

    def __init__(self, places: Iterable[Place]):
        self.by_id: dict[int, Place] = {place.id: place for place in places}
        self._children: dict[int | None, list[Place]] = defaultdict(list)
        for place in self.by_id.values():
            parent_id = place.parent_id if place.parent_id in self.by_id else None
            self._children[parent_id].append(place)
        for siblings in self._children.values():
            siblings.sort(key=sibling_key)
        self._depth: dict[int, int] = {}
        # Every place's turn on the walk: lists sort by it instead of walking again.
        self.order: dict[int, int] = {}
        for place, depth in self.walk():
            self._depth[place.id] = depth
            self.order[place.id] = len(self.order)

    @classmethod
    def load(cls) -> "PlaceTree":
        return cls(db.session.scalars(sa.select(Place)))

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def children(self, place: Place | None) -> list[Place]:
        """The places directly inside `place` (the sites, for None), in walking order."""
        return self._children.get(place.id if place else None, [])

    def walk(self, top: Place | None = None) -> Iterator[tuple[Place, int]]:
        """(place, depth) for every place inside top (or every place), in walking order."""
        seen = {top.id} if top is not None else set()
        # A stack, not recursion: a deep tree cannot overflow Python's stack.
        stack = [(place, 0) for place in reversed(self.children(top))]
        while stack:
            place, depth = stack.pop()
            if place.id in seen:
                continue
            seen.add(place.id)
            yield place, depth
            stack.extend((child, depth + 1) for child in reversed(self.children(place)))

    def subtree(self, place: Place) -> list[Place]:
        """The place and everything inside it, in walking order."""
        return [place, *(inner for inner, _ in self.walk(place))]

    def subtree_ids(self, place: Place) -> set[int]:
        return {inner.id for inner in self.subtree(place)}

    def depth(self, place: Place) -> int:
        """0 for a site, 1 for what stands on it, and so on."""
        return self._depth.get(place.id, 0)

    def ancestors(self, place: Place) -> list[Place]:
        """From the site down to the place's parent, for breadcrumbs and paths."""
        chain: list[Place] = []
        parent = self.by_id.get(place.parent_id)
        while parent is not None and parent is not place and parent not in chain:
            chain.append(parent)
            parent = self.by_id.get(parent.parent_id)
        return chain[::-1]

    def path(self, place: Place, name: Callable[[Place], str] = lambda p: p.title) -> str:
        """"Kindergarten › Playground › Sandpit": the place under everything it is in."""
        return PATH_SEPARATOR.join(name(p) for p in [*self.ancestors(place), place])

    def can_move(self, place: Place, new_parent: Place | None) -> bool:
        """A place cannot move into itself or into anything inside it."""
        return new_parent is None or new_parent.id not in self.subtree_ids(place)

    def options(self, indent: str = INDENT) -> list[tuple[int, str]]:
        """(id, label) for a select, in walking order, each label indented by its depth."""
        return [(place.id, indent * depth + place.title) for place, depth in self.walk()]

    def next_position(self, parent: Place | None) -> int:
        """Where a new place goes when no position is given: after its last sibling."""
        return max((p.position for p in self.children(parent)), default=0) + 1

    def asset_counts(self) -> dict[int, int]:
        """Assets in use or out of service in each place, counting its sub-places too."""
        direct = dict(
            db.session.execute(
                sa.select(Asset.place_id, sa.func.count())
                .where(Asset.status != AssetStatus.RETIRED)
                .group_by(Asset.place_id)
            ).all()
        )
        totals: dict[int, int] = {}
        for place, _ in reversed(list(self.walk())):
            inner = sum(totals.get(child.id, 0) for child in self.children(place))
            totals[place.id] = direct.get(place.id, 0) + inner
        return totals

    def walking_key(self, place_id: int | None, name: str, *then) -> tuple:
        """Where an asset comes on the walk: its place's turn, then its name in natural
        order, then `then` (its code or id). For rows read without loading the asset."""
        return (self.order.get(place_id, len(self.order)), natural_key(name), *then)

    def in_walking_order(self, assets: Iterable[Named]) -> list[Named]:
        """The assets place by place in walking order, by name in natural order within one."""
        return sorted(assets, key=lambda a: self.walking_key(a.place_id, a.name, a.code, a.id))


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


# Built once: every scan page runs it, and building a statement costs more than running it.
_ANCESTORS = _ancestors_query()


def load_ancestors(place: Place) -> None:
    """Load one place's parent chain with one recursive query and link it up, for a page
    that shows a single place's breadcrumbs without loading the whole tree.

    Afterwards `place.ancestors()` and `place.path` walk the chain without a query per level.
    """
    if place.parent_id is None:
        return
    chain = {p.id: p for p in db.session.scalars(_ANCESTORS, {"parent_id": place.parent_id})}
    for member in [place, *chain.values()]:
        so.attributes.set_committed_value(member, "parent", chain.get(member.parent_id))
