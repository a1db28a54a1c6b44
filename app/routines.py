"""Which routines cover an asset, and where each stands today for that asset.

The calendar rules live in app.schedule; this module feeds them from the database with a
fixed number of queries, however many assets or past inspections there are.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app.extensions import db
from app.models import (
    Asset,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ClosedPeriod,
    Inspection,
)
from app.schedule import Calendar, Occurrence, Schedule, State, occurrence, school_today


@dataclass(frozen=True)
class RoutineState:
    asset: Asset
    checklist: Checklist
    occurrence: Occurrence
    last_done: date | None

    @property
    def state(self) -> State:
        return self.occurrence.state(self.last_done)

    @property
    def is_due_now(self) -> bool:
        return self.state in (State.DUE, State.OVERDUE)


def today() -> date:
    return school_today(current_app.config["SCHOOL_TIMEZONE"])


CLOSED_PERIODS = sa.select(ClosedPeriod.start_date, ClosedPeriod.end_date)


def school_calendar() -> Calendar:
    # Plain rows: the calendar reads two dates from each, and every scan page asks.
    return Calendar(db.session.connection().execute(CLOSED_PERIODS))


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


# Built once, the kinds and assets bound at each call: the scan page runs it on every scan.
COVERING = (
    sa.select(Checklist)
    .where(
        Checklist.active.is_(True),
        sa.or_(
            Checklist.kind_id.in_(sa.bindparam("kind_ids", expanding=True)),
            Checklist.asset_id.in_(sa.bindparam("asset_ids", expanding=True)),
        ),
        _current_version_has_items(),
    )
    .order_by(Checklist.id)
)


def checklists_covering(assets: Sequence[Asset]) -> list[Checklist]:
    """The active routines for these assets' kinds or for the assets themselves.

    Only routines with something to inspect (their current version has items) count, and
    neither their versions nor their items are loaded: the callers need the schedule alone.
    """
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


LAST_DONE = (
    sa.select(Inspection.asset_id, Inspection.checklist_id, sa.func.max(Inspection.local_date))
    .where(Inspection.asset_id.in_(sa.bindparam("asset_ids", expanding=True)))
    .group_by(Inspection.asset_id, Inspection.checklist_id)
)


def last_done_dates(asset_ids: Sequence[int]) -> dict[tuple[int, int], date]:
    """The latest school-local day each (asset, checklist) was inspected on."""
    if not asset_ids:
        return {}
    rows = db.session.connection().execute(LAST_DONE, {"asset_ids": list(asset_ids)})
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
    occurrences = {c.id: occurrence(Schedule.of(c), day, school) for c in routines}
    done = last_done_dates([a.id for a in assets])
    return [
        RoutineState(
            asset, checklist, occurrences[checklist.id], done.get((asset.id, checklist.id))
        )
        for asset in assets
        for checklist in routines
        if applies_to(checklist, asset)
    ]


def has_items(checklist: Checklist) -> bool:
    """A routine whose current version has no items yet has nothing to inspect."""
    version = checklist.current_version
    return version is not None and bool(version.items)
