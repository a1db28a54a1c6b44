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
from app.models import Asset, Checklist, ChecklistVersion, ClosedPeriod, Inspection
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


def last_done_dates(asset_ids: Sequence[int]) -> dict[tuple[int, int], date]:
    """The latest school-local day each (asset, checklist) was inspected on."""
    if not asset_ids:
        return {}
    rows = db.session.execute(
        sa.select(Inspection.asset_id, Inspection.checklist_id, sa.func.max(Inspection.local_date))
        .where(Inspection.asset_id.in_(asset_ids))
        .group_by(Inspection.asset_id, Inspection.checklist_id)
    )
    return {(asset_id, checklist_id): day for asset_id, checklist_id, day in rows}


def routine_states(
    assets: Sequence[Asset], on: date | None = None, checklists: Sequence[Checklist] | None = None
) -> list[RoutineState]:
    """Each (asset, routine) pair that applies, with its state on the given school day."""
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
        if applies_to(checklist, asset) and has_items(checklist)
    ]


def has_items(checklist: Checklist) -> bool:
    """A routine whose current version has no items yet has nothing to inspect."""
    version = checklist.current_version
    return version is not None and bool(version.items)
