"""What the scan pages show beyond the register: the checks, the open faults, the latest history.

Every loader here costs the same few queries however long the asset's history is and however
many assets and routines the school has: routines are chosen in SQL for the assets shown, and
lists are cut with LIMIT in the database. The statements every scan runs are built once, the
asset bound at each request: building and keying a statement costs more than running it.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.dates import short_day
from app.extensions import db
from app.models import (
    OPEN_STATUSES,
    Answer,
    Asset,
    AssetStatus,
    Checklist,
    Fault,
    FaultStatus,
    Inspection,
    Outcome,
    Urgency,
    User,
)
from app.models.common import localized, one_of
from app.routines import RoutineState, checklists_covering, due_checks_for_asset, routine_states
from app.schedule import State

FAULTS_SHOWN = 5
INSPECTIONS_SHOWN = 5


def check_status(entry: RoutineState) -> str:
    """Where a check stands, in the words an inspector reads on the spot."""
    when = entry.occurrence

    def day(of: date) -> str:
        return short_day(of, when.today)

    match entry.state:
        case State.OVERDUE:
            return _("Overdue since %(date)s", date=day(when.due_date))
        case State.DUE if when.due_date == when.today:
            return _("Due today")
        case State.DUE:
            return _("Due by %(date)s", date=day(when.due_date + timedelta(days=when.grace_days)))
        case State.DONE if when.next_due:
            return _(
                "Done on %(done)s, next due %(next)s",
                done=day(entry.last_done),
                next=day(when.next_due),
            )
        case State.DONE:
            return _("Done on %(date)s", date=day(entry.last_done))
        case State.PAUSED if when.next_due:
            return _("School closed: next due %(date)s", date=day(when.next_due))
        case _ if when.next_due:
            return _("Not due until %(date)s", date=day(when.next_due))
    return str(entry.state.label)


@dataclass(frozen=True)
class OpenFaults:
    shown: list[sa.Row]  # id, description, urgency, reported_at; unsafe first, then newest
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


@functools.cache
def _kept_out_by_query():
    return (
        sa.select(
            Fault.description,
            sa.func.min(Fault.reported_at).over().label("since"),
        )
        .where(
            Fault.asset_id == sa.bindparam("asset_id", type_=sa.Integer),
            one_of(Fault.status, OPEN_STATUSES),
            Fault.took_out_of_service.is_(True),
        )
        .order_by(Fault.reported_at.desc(), Fault.id.desc())
        .limit(1)
    )


def kept_out_by(asset: Asset) -> sa.Row | None:
    """Why an asset out of service must not be used, and since when: the latest open fault
    that took it out, and when the first of those did. None when no fault keeps it out (its
    status was set in the register) or it is not out of service at all.
    """
    if asset.status != AssetStatus.OUT_OF_SERVICE:
        return None
    return (
        db.session.execute(_kept_out_by_query(), {"asset_id": asset.id}).first()
    )


@functools.cache
def _last_check_query():
    failed = (
        sa.select(sa.func.count(Answer.id))
        .where(
            Answer.inspection_id == Inspection.id,
            sa.or_(Answer.outcome == Outcome.FAIL, Answer.out_of_range.is_(True)),
        )
        .scalar_subquery()
    )
    return (
        sa.select(Inspection.local_date, Inspection.passed, failed.label("failed"))
        .where(Inspection.asset_id == sa.bindparam("asset_id", type_=sa.Integer))
        .order_by(Inspection.submitted_at.desc(), Inspection.id.desc())
        .limit(1)
    )


def last_check(asset: Asset) -> str | None:
    """For whoever scans an asset in use: when it was last checked and how it went.

    What a parent who scans a plate wants to know ("Checked Mon 1 Dec: all OK"); one query
    however long the history. None for an asset never checked, or not in service (its page
    says why not to use it instead).
    """
    if asset.status != AssetStatus.IN_SERVICE:
        return None
    row = db.session.execute(_last_check_query(), {"asset_id": asset.id}).first()
    if row is None:
        return None
    day = short_day(row.local_date)
    if row.passed:
        return _("Checked %(day)s: all OK", day=day)
    return ngettext(
        "Checked %(day)s: %(num)d item failed",
        "Checked %(day)s: %(num)d items failed",
        row.failed,
        day=day,
    )


@dataclass(frozen=True)
class InspectionLine:
    """One of the latest inspections, as the scan page lists it."""

    id: int
    submitted_at: datetime
    passed: bool
    routine: str  # the routine's name in the user's language
    inspector: str


# Read as plain rows of columns, not objects: the page only shows them. Through the session,
# not its connection, so that app.tenancy keeps them to the current school.


@functools.cache
def _open_faults_query(limit: int):
    return (
        sa.select(
            Fault.id,
            Fault.description,
            Fault.urgency,
            Fault.reported_at,
            sa.func.count().over().label("total"),
        )
        .where(
            Fault.asset_id == sa.bindparam("asset_id", type_=sa.Integer),
            one_of(Fault.status, OPEN_STATUSES),
        )
        .order_by(
            sa.case((Fault.urgency == Urgency.UNSAFE, 0), else_=1),
            Fault.reported_at.desc(),
            Fault.id.desc(),
        )
        .limit(limit)
    )


def open_faults(asset_id: int, limit: int = FAULTS_SHOWN) -> OpenFaults:
    """The first open faults and how many there are in all, in one query."""
    rows = db.session.execute(_open_faults_query(limit), {"asset_id": asset_id}).all()
    return OpenFaults(shown=rows, total=rows[0].total if rows else 0)


@functools.cache
def _latest_inspections_query(limit: int):
    return (
        sa.select(
            Inspection.id,
            Inspection.submitted_at,
            Inspection.passed,
            Checklist.name,
            Checklist.name_en,
            User.display_name,
        )
        .join(Checklist, Inspection.checklist_id == Checklist.id)
        .join(User, Inspection.inspector_id == User.id)
        .where(Inspection.asset_id == sa.bindparam("asset_id", type_=sa.Integer))
        .order_by(Inspection.submitted_at.desc(), Inspection.id.desc())
        .limit(limit)
    )


def latest_inspections(asset_id: int, limit: int = INSPECTIONS_SHOWN) -> list[InspectionLine]:
    rows = db.session.execute(
        _latest_inspections_query(limit), {"asset_id": asset_id}
    )
    return [
        InspectionLine(
            id=row.id,
            submitted_at=row.submitted_at,
            passed=row.passed,
            routine=localized(row.name, row.name_en),
            inspector=row.display_name,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class AssetPage:
    checks: list[RoutineState]  # empty for a retired asset: it is no longer inspected
    faults: OpenFaults
    inspections: list[InspectionLine]

    @property
    def due(self) -> RoutineState | None:
        """The check to start now: the big first button."""
        return next((entry for entry in self.checks if entry.is_due_now), None)

    @property
    def only_due(self) -> RoutineState | None:
        """The check whose form the scan opens at once, for those who inspect: the one check
        due now (or overdue). With several due, the inspector chooses which comes first."""
        due = [entry for entry in self.checks if entry.is_due_now]
        return due[0] if len(due) == 1 else None

    @property
    def other_checks(self) -> list[RoutineState]:
        due = self.due
        return [entry for entry in self.checks if entry is not due]


def asset_page(asset: Asset, on: date) -> AssetPage:
    retired = asset.status == AssetStatus.RETIRED
    return AssetPage(
        checks=[] if retired else due_checks_for_asset(asset, on),
        faults=open_faults(asset.id),
        inspections=latest_inspections(asset.id),
    )


def due_marks(assets: Sequence[Asset], on: date) -> dict[int, State]:
    """For a place's list: which assets have a check overdue or due today."""
    in_use = [asset for asset in assets if asset.status != AssetStatus.RETIRED]
    if not in_use:
        return {}
    marks: dict[int, State] = {}
    for entry in routine_states(in_use, on, checklists_covering(in_use)):
        if entry.state == State.OVERDUE:
            marks[entry.asset.id] = State.OVERDUE
        elif entry.state == State.DUE:
            marks.setdefault(entry.asset.id, State.DUE)
    return marks


def assigned_job(asset_id: int, user_id: int) -> Fault | None:
    """The repairer's own open job on this asset, where a scan leads: one in progress first
    (the repairer is back to sign it off), then unsafe first, then oldest."""
    return db.session.scalar(
        sa.select(Fault)
        .where(
            Fault.asset_id == asset_id,
            Fault.assigned_to_id == user_id,
            Fault.status.in_((FaultStatus.ASSIGNED, FaultStatus.IN_PROGRESS)),
        )
        .order_by(
            sa.case((Fault.status == FaultStatus.IN_PROGRESS, 0), else_=1),
            sa.case((Fault.urgency == Urgency.UNSAFE, 0), else_=1),
            Fault.reported_at,
            Fault.id,
        )
        .limit(1)
    )
