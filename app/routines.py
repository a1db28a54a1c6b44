"""Which routines cover an asset, and where each stands today for that asset.

The calendar rules live in app.schedule; this module feeds them from the database with a
fixed number of queries, however many assets or past inspections there are.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import tenancy
from app.core.place_tree import natural_key
from app.extensions import db
from app.models import (
    Asset,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ClosedPeriod,
    Inspection,
)
from app.schedule import Calendar, Occurrence, State, occurrence, school_today


@dataclass(frozen=True)
class RoutineState:
    asset: Asset
    checklist: Checklist
    occurrence: Occurrence
    last_done: date | None

    @cached_property
    def state(self) -> State:
        # Worked out once: lists of a whole school ask each check for it several times.
        return self.occurrence.state(self.last_done)

    @property
    def is_due_now(self) -> bool:
        return self.state in (State.DUE, State.OVERDUE)


def today() -> date:
    return school_today(tenancy.school_timezone())


CLOSED_PERIODS = sa.select(ClosedPeriod.start_date, ClosedPeriod.end_date)


def school_calendar() -> Calendar:
    # Plain rows: the calendar reads two dates from each, and every scan page asks. Through the
    # session, never its connection: app.tenancy keeps the session's queries to the school.
    return Calendar(db.session.execute(CLOSED_PERIODS))


def active_checklists() -> list[Checklist]:
    """Every active routine with something to inspect, with its versions and items, in one
    round trip per relation."""
    return [
        checklist
        for checklist in db.session.scalars(
            sa.select(Checklist)
            .where(Checklist.active.is_(True))
            .options(so.selectinload(Checklist.versions).selectinload(ChecklistVersion.items))
            .order_by(Checklist.id)
        )
        if has_items(checklist)
    ]


def _current_version_has_items():
    """SQL for has_items: the routine's newest version has at least one item."""
    newer = so.aliased(ChecklistVersion)
    current = (
        sa.select(sa.func.max(newer.number))
        .where(newer.checklist_id == Checklist.id)
        .correlate(Checklist)
        .scalar_subquery()
    )
    return (
        sa.select(ChecklistItem.id)
        .join(ChecklistVersion, ChecklistItem.version_id == ChecklistVersion.id)
        .where(ChecklistVersion.checklist_id == Checklist.id, ChecklistVersion.number == current)
        .correlate(Checklist)
        .exists()
    )


def _covering(kinds, assets):
    return (
        sa.select(Checklist)
        .where(
            Checklist.active.is_(True),
            sa.or_(kinds, assets),
            _current_version_has_items(),
        )
        .order_by(Checklist.id)
    )


# Built once, the kinds and assets bound at each call: the scan page runs it on every scan,
# for one asset, where equalities spare the rewriting of IN lists at each execution.
COVERING = _covering(
    Checklist.kind_id.in_(sa.bindparam("kind_ids", expanding=True)),
    Checklist.asset_id.in_(sa.bindparam("asset_ids", expanding=True)),
)
COVERING_ONE = _covering(
    Checklist.kind_id == sa.bindparam("kind_id", type_=sa.Integer),
    Checklist.asset_id == sa.bindparam("asset_id", type_=sa.Integer),
)


def checklists_covering(assets: Sequence[Asset]) -> list[Checklist]:
    """The active routines for these assets' kinds or for the assets themselves.

    Only routines with something to inspect (their current version has items) count, and
    neither their versions nor their items are loaded: the callers need the schedule alone.
    """
    if len(assets) == 1:
        (asset,) = assets
        return list(
            db.session.scalars(COVERING_ONE, {"kind_id": asset.kind_id, "asset_id": asset.id})
        )
    return list(
        db.session.scalars(
            COVERING,
            {
                "kind_ids": list({asset.kind_id for asset in assets}),
                "asset_ids": list({asset.id for asset in assets}),
            },
        )
    )


def applies_to(checklist: Checklist, asset: Asset) -> bool:
    return checklist.asset_id == asset.id or (
        checklist.asset_id is None and checklist.kind_id == asset.kind_id
    )


# Beyond this many assets (a whole school), the ids cost more to send than the few other
# assets' rows they would leave out; those rows are never looked up.
WHOLE_SCHOOL = 500
# Built once, the assets and the earliest day bound at each call: the scan page runs it on
# every scan.
LAST_DONE_EVERY_ASSET = (
    sa.select(Inspection.asset_id, Inspection.checklist_id, sa.func.max(Inspection.local_date))
    .where(Inspection.local_date >= sa.bindparam("since"))
    .group_by(Inspection.asset_id, Inspection.checklist_id)
)
LAST_DONE = LAST_DONE_EVERY_ASSET.where(
    Inspection.asset_id.in_(sa.bindparam("asset_ids", expanding=True))
)
LAST_DONE_ONE = LAST_DONE_EVERY_ASSET.where(
    Inspection.asset_id == sa.bindparam("asset_id", type_=sa.Integer)
)


def last_done_dates(
    asset_ids: Sequence[int], since: date | None = None
) -> dict[tuple[int, int], date]:
    """The latest school-local day each (asset, checklist) was inspected on (on or after
    `since`, when given: older inspections are not read)."""
    if not asset_ids:
        return {}
    since = since or date.min
    if len(asset_ids) > WHOLE_SCHOOL:
        rows = db.session.execute(LAST_DONE_EVERY_ASSET, {"since": since})
    elif len(asset_ids) == 1:
        rows = db.session.execute(
            LAST_DONE_ONE, {"asset_id": asset_ids[0], "since": since}
        )
    else:
        rows = db.session.execute(
            LAST_DONE, {"asset_ids": list(asset_ids), "since": since}
        )
    return {(asset_id, checklist_id): day for asset_id, checklist_id, day in rows}


def routine_states(
    assets: Sequence[Asset], on: date | None = None, checklists: Sequence[Checklist] | None = None
) -> list[RoutineState]:
    """Each (asset, routine) pair that applies, with its state on the given school day.

    The routines given must each have something to inspect (see has_items); by default, every
    active one that has.
    """
    day = on or today()
    school = school_calendar()
    routines = active_checklists() if checklists is None else checklists
    occurrences = {c.id: occurrence(c.schedule, day, school) for c in routines}
    # Only an inspection on or after a routine's latest due date makes it done (and only a
    # done check shows when it was done), so the history before the earliest one is not read.
    due_dates = [o.due_date for o in occurrences.values() if o.due_date is not None]
    done = last_done_dates([a.id for a in assets], since=min(due_dates, default=None))
    # Each asset meets only the routines of its kind and its own (applies_to), looked up
    # rather than tried one by one: a whole school is thousands of assets times every routine.
    by_kind, by_asset = defaultdict(list), defaultdict(list)
    for checklist in routines:
        if checklist.asset_id is not None:
            by_asset[checklist.asset_id].append(checklist)
        else:
            by_kind[checklist.kind_id].append(checklist)
    order = {checklist.id: index for index, checklist in enumerate(routines)}
    states = []
    for asset in assets:
        covering = by_kind.get(asset.kind_id, [])
        if asset.id in by_asset:
            covering = sorted(covering + by_asset[asset.id], key=lambda c: order[c.id])
        states.extend(
            RoutineState(
                asset, checklist, occurrences[checklist.id], done.get((asset.id, checklist.id))
            )
            for checklist in covering
        )
    return states


def has_items(checklist: Checklist) -> bool:
    """A routine whose current version has no items yet has nothing to inspect."""
    version = checklist.current_version
    return version is not None and bool(version.items)


def due_checks_for_asset(asset: Asset, on: date) -> list[RoutineState]:
    """An asset's routines for its scan page: overdue, then due, then the rest by next due date."""

    def rank(entry: RoutineState) -> tuple:
        order = {State.OVERDUE: 0, State.DUE: 1}.get(entry.state, 2)
        return (order, entry.occurrence.next_due or date.max, natural_key(entry.checklist.name))

    return sorted(routine_states([asset], on, checklists_covering([asset])), key=rank)


WEEK_STATES = (State.DONE, State.DUE, State.OVERDUE)


def in_the_week(states: list[RoutineState], on: date) -> list[RoutineState]:
    """The checks that make up the school week of `on`, as the dashboard and the Friday notice
    count them: every asset's check of each routine that fell due since Monday or still has
    something due or overdue from before, done, due or overdue."""
    monday = on - timedelta(days=on.weekday())
    in_week = {
        entry.checklist.id
        for entry in states
        if entry.is_due_now or (entry.state == State.DONE and entry.occurrence.due_date >= monday)
    }
    return [e for e in states if e.checklist.id in in_week and e.state in WEEK_STATES]
