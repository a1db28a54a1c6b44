"""Which routines cover an asset, and where each stands today for that asset.

The calendar rules live in app.schedule; this module feeds them from the database with a
fixed number of queries, however many assets or past inspections there are.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app.extensions import db
from app.models import Asset, Checklist, ChecklistVersion, ClosedPeriod, Inspection
from app.schedule import Calendar, Occurrence, Schedule, State, occurrence, school_today


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
    return school_today(current_app.config["SCHOOL_TIMEZONE"])


def school_calendar() -> Calendar:
    return Calendar(db.session.scalars(sa.select(ClosedPeriod)))


def active_checklists() -> list[Checklist]:
    """Every active routine with its versions and items, in one round trip per relation."""
    return list(
        db.session.scalars(
            sa.select(Checklist)
            .where(Checklist.active.is_(True))
            .options(so.selectinload(Checklist.versions).selectinload(ChecklistVersion.items))
            .order_by(Checklist.id)
        )
    )


def checklists_covering(assets: Sequence[Asset]) -> list[Checklist]:
    """The active routines for these assets' kinds or for the assets themselves.

    Only these routines' versions and items are loaded (a routine with nothing to inspect
    does not count), not every routine of the school.
    """
    return list(
        db.session.scalars(
            sa.select(Checklist)
            .where(
                Checklist.active.is_(True),
                sa.or_(
                    Checklist.kind_id.in_({asset.kind_id for asset in assets}),
                    Checklist.asset_id.in_({asset.id for asset in assets}),
                ),
            )
            .options(so.selectinload(Checklist.versions).selectinload(ChecklistVersion.items))
            .order_by(Checklist.id)
        )
    )


def applies_to(checklist: Checklist, asset: Asset) -> bool:
    return checklist.asset_id == asset.id or (
        checklist.asset_id is None and checklist.kind_id == asset.kind_id
    )


WHOLE_SCHOOL = 500  # assets: beyond this many, last_done_dates reads every asset's


def last_done_dates(
    asset_ids: Sequence[int], since: date | None = None
) -> dict[tuple[int, int], date]:
    """The latest school-local day each (asset, checklist) was inspected on (on or after
    `since`, when given: older inspections are not read)."""
    if not asset_ids:
        return {}
    query = sa.select(
        Inspection.asset_id, Inspection.checklist_id, sa.func.max(Inspection.local_date)
    ).group_by(Inspection.asset_id, Inspection.checklist_id)
    # Thousands of ids (a whole school) cost more to send than the few other assets' rows
    # they would leave out; those rows are never looked up.
    if len(asset_ids) <= WHOLE_SCHOOL:
        query = query.where(Inspection.asset_id.in_(asset_ids))
    if since is not None:
        query = query.where(Inspection.local_date >= since)
    rows = db.session.execute(query)
    return {(asset_id, checklist_id): day for asset_id, checklist_id, day in rows}


def routine_states(
    assets: Sequence[Asset], on: date | None = None, checklists: Sequence[Checklist] | None = None
) -> list[RoutineState]:
    """Each (asset, routine) pair that applies, with its state on the given school day."""
    day = on or today()
    school = school_calendar()
    routines = active_checklists() if checklists is None else checklists
    occurrences = {c.id: occurrence(Schedule.of(c), day, school) for c in routines}
    # Only an inspection on or after a routine's latest due date makes it done (and only a
    # done check shows when it was done), so the history before the earliest one is not read.
    due_dates = [o.due_date for o in occurrences.values() if o.due_date is not None]
    done = last_done_dates([a.id for a in assets], since=min(due_dates, default=None))
    # Each asset meets only the routines of its kind and its own (applies_to), looked up
    # rather than tried one by one: a whole school is thousands of assets times every routine.
    by_kind, by_asset = defaultdict(list), defaultdict(list)
    for checklist in routines:
        if has_items(checklist):
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
