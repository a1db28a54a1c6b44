"""Today's round: every check due or overdue, grouped by place in the order one walks them.

A group is one routine in one place ("Playground · weekly slide check: 3 of 7 done"). Places
follow the one walking order (app.core.place_tree) and assets stand under the place they are
in, by name in natural order. Every asset shares its routine's occurrence, so a group is shown
while that occurrence is open: something in it is still due or overdue, or it fell due today
and was finished today.

What is left comes first: the groups with a check overdue, then those with checks due, each
in walking order; the groups finished today come last, one line each.

Before all of them come the signed-in person's own: the routines they are on duty for
(app.duties), in the same order, under how many of their checks are done. The rest of the
round follows as it would without them; anyone may still do any check. After a check, the
next one on the round is the person's own while any of theirs is left.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.place_tree import PlaceTree, asset_key, natural_key
from app.extensions import db
from app.models import Asset, AssetStatus, ClosedPeriod, Place, PlaceKind
from app.routines import RoutineState, routine_states
from app.schedule import State


def filter_choices(tree: PlaceTree) -> list[Place]:
    """The sites, buildings and areas a round can be narrowed to: the top two levels."""
    return [place for place, depth in tree.walk() if depth <= 1 and place.kind != PlaceKind.ROOM]


@dataclass
class RoundGroup:
    """One routine in one place, its assets in walking order."""

    place: Place
    place_path: list[Place]
    entries: list[RoutineState] = field(default_factory=list)

    @property
    def checklist(self):
        return self.entries[0].checklist

    @property
    def occurrence(self):
        return self.entries[0].occurrence

    @property
    def todo(self) -> list[RoutineState]:
        """What is left, the checks overdue from an earlier due date first."""
        waiting = [entry for entry in self.entries if entry.is_due_now]
        return sorted(waiting, key=lambda entry: entry.state != State.OVERDUE)

    @property
    def done(self) -> list[RoutineState]:
        return [entry for entry in self.entries if entry.state == State.DONE]

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def overdue(self) -> bool:
        return any(entry.state == State.OVERDUE for entry in self.entries)

    @property
    def finished(self) -> bool:
        return not self.todo

    @property
    def is_open(self) -> bool:
        """Something is left to do, or it fell due today and the last of it was done today."""
        if self.todo:
            return True
        if self.occurrence.paused:
            return False
        due = self.occurrence.due_date
        return due is not None and due <= self.occurrence.today <= due + timedelta(
            days=self.occurrence.grace_days
        )


@dataclass
class PlaceRound:
    """A place's routines within one part of the round, under one heading."""

    place: Place
    place_path: list[Place]
    groups: list[RoundGroup]


def by_place(groups: list[RoundGroup]) -> list[PlaceRound]:
    """Groups of one place that follow each other gathered under it, keeping walking order."""
    rounds: list[PlaceRound] = []
    for group in groups:
        if rounds and rounds[-1].place.id == group.place.id:
            rounds[-1].groups.append(group)
        else:
            rounds.append(PlaceRound(group.place, group.place_path, [group]))
    return rounds


@dataclass(frozen=True)
class TodayPlan:
    on: date
    groups: list[RoundGroup]
    paused_until: date | None  # the last closed day, when the school is closed today
    next_due: date | None  # the first due date after today, over every routine shown

    @property
    def overdue(self) -> list[RoundGroup]:
        """The routines with a check overdue from an earlier due date: the round starts with
        them, in walking order."""
        return [group for group in self.groups if group.overdue]

    @property
    def due(self) -> list[RoundGroup]:
        """Then the routines with checks due and none overdue, in walking order."""
        return [group for group in self.groups if group.todo and not group.overdue]

    @property
    def finished(self) -> list[RoundGroup]:
        """Last, the routines finished today, each folded to one line, in walking order."""
        return [group for group in self.groups if group.finished]

    @property
    def todo_count(self) -> int:
        return sum(len(group.todo) for group in self.groups)

    @property
    def done_count(self) -> int:
        """Checks done in the routines shown, of check_count."""
        return sum(len(group.done) for group in self.groups)

    @property
    def check_count(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def overdue_count(self) -> int:
        return sum(
            1 for group in self.groups for entry in group.todo if entry.state == State.OVERDUE
        )


def split_mine(plan: TodayPlan, my_routine_ids: set[int]) -> tuple[TodayPlan, TodayPlan]:
    """The person's own part of the round and the rest of it, each a round of its own."""
    mine = [group for group in plan.groups if group.checklist.id in my_routine_ids]
    rest = [group for group in plan.groups if group.checklist.id not in my_routine_ids]
    return replace(plan, groups=mine), replace(plan, groups=rest)


def mine_first(plan: TodayPlan, my_routine_ids: set[int]) -> TodayPlan:
    """The round with the person's own routines before the rest, for next_on_round."""
    mine, rest = split_mine(plan, my_routine_ids)
    return replace(plan, groups=mine.groups + rest.groups)


def assets_on_the_rounds(place_ids: set[int] | None = None) -> list[Asset]:
    """Every asset still in use (out of service too: a broken slide is still checked)."""
    query = (
        sa.select(Asset)
        .where(Asset.status != AssetStatus.RETIRED)
        .options(so.joinedload(Asset.place), so.joinedload(Asset.kind))
    )
    if place_ids is not None:
        query = query.where(Asset.place_id.in_(place_ids))
    return list(db.session.scalars(query))


def build_today(on: date, tree: PlaceTree | None = None, place_id: int | None = None) -> TodayPlan:
    """The round for a school day, for the whole school or one site, building or area."""
    tree = tree or PlaceTree.load()
    top = tree.by_id.get(place_id)
    within = tree.subtree_ids(top) if top is not None else None
    states = routine_states(assets_on_the_rounds(within), on)

    groups: dict[tuple[int, int], RoundGroup] = {}
    for entry in sorted(states, key=lambda e: asset_key(e.asset)):
        key = (entry.asset.place_id, entry.checklist.id)
        if key not in groups:
            place = entry.asset.place
            groups[key] = RoundGroup(place, tree.ancestors(place))
        groups[key].entries.append(entry)

    shown = sorted(
        (group for group in groups.values() if group.is_open),
        key=lambda g: (
            tree.order.get(g.place.id, len(tree.order)),
            0 if g.overdue else 1 if g.todo else 2,
            natural_key(g.checklist.name),
            g.checklist.id,
        ),
    )
    paused = any(entry.state == State.PAUSED for entry in states)
    upcoming = [entry.occurrence.next_due for entry in states if entry.occurrence.next_due]
    return TodayPlan(
        on=on,
        groups=shown,
        paused_until=closed_until(db.session.scalars(sa.select(ClosedPeriod)), on)
        if paused
        else None,
        next_due=min(upcoming, default=None),
    )


def closed_until(periods: Iterable[ClosedPeriod], on: date) -> date | None:
    """The last day of the closed stretch around `on`; periods that meet or overlap join up."""
    reach = on - timedelta(days=1)
    for period in sorted(periods, key=lambda p: p.start_date):
        if period.start_date > reach + timedelta(days=1):
            break
        reach = max(reach, period.end_date)
    return reach if reach >= on else None


def next_on_round(
    plan: TodayPlan, asset_id: int, place_id: int, checklist_id: int
) -> RoutineState | None:
    """After this check: the next one left in its group in walking order, else the next group's."""
    index = next(
        (
            i
            for i, group in enumerate(plan.groups)
            if group.place.id == place_id and group.checklist.id == checklist_id
        ),
        None,
    )
    if index is None:
        later_groups = plan.groups
    else:
        group = plan.groups[index]
        entries = group.entries
        here = next((i for i, e in enumerate(entries) if e.asset.id == asset_id), -1)
        for entry in entries[here + 1 :] + entries[: max(here, 0)]:
            if entry.is_due_now:
                return entry
        later_groups = plan.groups[index + 1 :] + plan.groups[:index]
    for group in later_groups:
        if group.todo:
            return group.todo[0]
    return None
