"""The places tree, loaded in one query and walked in Python.

Rounds walk a school site → building → room, so every list of places comes out in that
order: depth first, siblings by their position, then by name.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator

import sqlalchemy as sa

from app.extensions import db
from app.models import Asset, AssetStatus, Place

PATH_SEPARATOR = " › "
# Option labels keep their indentation: browsers do not collapse no-break spaces.
INDENT = "\u00a0\u00a0\u00a0"


class PlaceTree:
    def __init__(self, places: list[Place]):
        self.by_id = {place.id: place for place in places}
        self._children: dict[int | None, list[Place]] = defaultdict(list)
        for place in places:
            parent_id = place.parent_id if place.parent_id in self.by_id else None
            self._children[parent_id].append(place)
        for siblings in self._children.values():
            siblings.sort(key=lambda p: (p.position, p.name, p.id))

    @classmethod
    def load(cls) -> "PlaceTree":
        return cls(list(db.session.scalars(sa.select(Place))))

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def children(self, place: Place | None) -> list[Place]:
        return self._children[place.id if place else None]

    def walk(self, top: Place | None = None) -> Iterator[tuple[Place, int]]:
        """(place, depth) for every place under top (or all), in walking order."""
        stack = [(place, 0) for place in reversed(self.children(top))]
        while stack:
            place, depth = stack.pop()
            yield place, depth
            stack.extend((child, depth + 1) for child in reversed(self.children(place)))

    def subtree_ids(self, place: Place) -> set[int]:
        """The place and everything inside it."""
        return {place.id} | {inner.id for inner, _ in self.walk(place)}

    def ancestors(self, place: Place) -> list[Place]:
        """From the site down to the place's parent."""
        chain = []
        parent = self.by_id.get(place.parent_id)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.by_id.get(parent.parent_id)
        return chain[::-1]

    def path(self, place: Place, name: Callable[[Place], str] = lambda p: p.title) -> str:
        return PATH_SEPARATOR.join(name(p) for p in [*self.ancestors(place), place])

    def can_move(self, place: Place, new_parent: Place | None) -> bool:
        """A place cannot move into itself or into anything inside it."""
        return new_parent is None or new_parent.id not in self.subtree_ids(place)

    def options(self) -> list[tuple[int, str]]:
        """(id, label) for a select, in walking order, each label indented by its depth."""
        return [(place.id, INDENT * depth + place.title) for place, depth in self.walk()]

    def next_position(self, parent: Place | None) -> int:
        """Where a new place goes when no position is given: after its last sibling."""
        siblings = self.children(parent)
        return max((p.position for p in siblings), default=0) + 1

    def asset_counts(self) -> dict[int, int]:
        """Assets in use or out of service in each place, counting its sub-places too."""
        direct = dict(
            db.session.execute(
                sa.select(Asset.place_id, sa.func.count())
                .where(Asset.status != AssetStatus.RETIRED)
                .group_by(Asset.place_id)
            ).all()
        )
        totals = {}
        for place, _ in reversed(list(self.walk())):
            inner = sum(totals[child.id] for child in self.children(place))
            totals[place.id] = direct.get(place.id, 0) + inner
        return totals
