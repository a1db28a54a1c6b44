"""The dashboard's figures as plain functions, each a fixed number of queries.

What needs action comes first on the dashboard: unsafe faults nobody has taken
yet, overdue checks, assets out of service and readings rising fast; then this week's
routines, those not yet done listed and the done ones counted; then the term.

- This week's routines: a routine is in the week when it fell due since Monday or still has
  something due or overdue from before; each counts its assets done, due and overdue today
  (app.routines.routine_states, as Today counts them).
- Open faults by urgency and by age: reported less than a day ago, one to seven days ago, or
  more than a week ago, as of `now`.
- Report to accepted repair: over the faults accepted this school-local month, the mean time
  from the report to the acceptance.
- Assets a visitor took out of service (app.faults.taken_out_by_visitor), shown first.
- Assets out of service, each with the open fault that says why.
- Each routine's completion over the term so far: app.compliance's due against done.
- Faults reported per week over the last weeks, the unsafe ones among them.
"""

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app import settings
from app.compliance import Counts, RoutineCompletion, completion
from app.core.months import month_period
from app.core.place_tree import natural_key
from app.dashboard.readings import RisingReading, rising_readings
from app.extensions import db
from app.faults import taken_out_by_visitor
from app.models import (
    OPEN_STATUSES,
    Asset,
    AssetStatus,
    Checklist,
    Fault,
    FaultStatus,
    Place,
    Urgency,
)
from app.models.common import localized
from app.routines import (
    RoutineState,
    active_checklists,
    in_the_week,
    routine_states,
    school_calendar,
)
from app.schedule import State, local_date, utc_bounds
from app.terms import Term, term_containing

LISTED_FIRST = {State.OVERDUE: 0, State.DUE: 1, State.DONE: 2}
# Fault age buckets: (key, reported at least this many days ago, and less than this many).
AGE_BUCKETS = (("day", None, 1), ("week", 1, 7), ("older", 7, None))
AGE_LABELS = {
    "day": _l("Under a day"),
    "week": _l("1 to 7 days"),
    "older": _l("Over a week"),
}
SHOWN_ON_DASHBOARD = 10
FAULT_WEEKS = 8


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class RoutineWeek:
    checklist: Checklist
    done: int = 0
    due: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.done + self.due + self.overdue

    @property
    def finished(self) -> bool:
        """Every asset's check of it is done for this week."""
        return self.done == self.total


@dataclass(frozen=True, slots=True)
class AssetLine:
    """An asset as the dashboard's lists show it, with what routine_states reads (id, kind).

    A whole school is thousands of assets: plain rows cost a fraction of ORM objects.
    """

    id: int
    kind_id: int
    code: str
    name: str
    name_en: str | None
    place: Place

    @property
    def title(self) -> str:
        return localized(self.name, self.name_en)


def assets_in_use() -> list[AssetLine]:
    """The assets Today walks (every one not retired), each with its place, in two queries."""
    places = {place.id: place for place in db.session.scalars(sa.select(Place))}
    rows = db.session.execute(
        sa.select(
            Asset.id, Asset.kind_id, Asset.code, Asset.name, Asset.name_en, Asset.place_id
        ).where(Asset.status != AssetStatus.RETIRED)
    )
    return [
        AssetLine(asset_id, kind_id, code, name, name_en, places[place_id])
        for asset_id, kind_id, code, name, name_en, place_id in rows
    ]


def week_checks(on: date, checklists: list[Checklist] | None = None) -> list[RoutineState]:
    """Every asset's check of the routines in this week (see the module), as they stand on `on`."""
    return in_the_week(routine_states(assets_in_use(), on, checklists), on)


def routine_weeks(checks: list[RoutineState]) -> list[RoutineWeek]:
    """Done, due and overdue per routine, routines in the order their names read."""
    weeks: dict[int, RoutineWeek] = {}
    for entry in checks:
        week = weeks.get(entry.checklist.id)
        if week is None:
            week = weeks[entry.checklist.id] = RoutineWeek(entry.checklist)
        state = entry.state.value
        setattr(week, state, getattr(week, state) + 1)
    return sorted(weeks.values(), key=lambda w: (natural_key(w.checklist.title), w.checklist.id))


def still_to_do(weeks: list[RoutineWeek]) -> list[RoutineWeek]:
    """The week's routines with a check not yet done: those with one overdue first, then as
    their names read. The finished ones are only counted on the dashboard."""
    return sorted(
        (week for week in weeks if not week.finished), key=lambda week: week.overdue == 0
    )


def in_walking_order(checks: list[RoutineState], first: int | None = None) -> list[RoutineState]:
    """Overdue longest first, then by routine, place and asset as the labels read; only the
    `first` few when asked (without sorting the rest)."""
    # A school has few routines and places, each loaded once: each group's key is made once.
    groups = {}

    def group(entry: RoutineState) -> tuple:
        key = (id(entry.checklist), id(entry.asset.place), entry.state)
        if key not in groups:
            groups[key] = (
                LISTED_FIRST[entry.state],
                entry.occurrence.due_date or date.max,
                natural_key(entry.checklist.title),
                natural_key(entry.asset.place.title),
            )
        return groups[key]

    def rank(entry: RoutineState) -> tuple:
        return (*group(entry), natural_key(entry.asset.name), entry.asset.id)

    if first is not None and len(checks) > first:
        # The few first groups only: the assets' own names are read for those alone.
        grouped = [(group(entry), entry) for entry in checks]
        last_group = heapq.nsmallest(first, (key for key, _ in grouped))[-1]
        return sorted((e for key, e in grouped if key <= last_group), key=rank)[:first]
    return sorted(checks, key=rank)


@dataclass
class OpenFaults:
    by_urgency: dict[Urgency, int] = field(default_factory=dict)
    by_age: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_urgency.values())

    @property
    def age_rows(self) -> list[tuple[str, dict[str, int], int]]:
        """(label, the fault list's filters for it, count) per age bucket, youngest first."""
        return [(AGE_LABELS[key], age_filter(key), self.by_age[key]) for key, _, _ in AGE_BUCKETS]


def open_faults(now: datetime) -> OpenFaults:
    """Open faults counted by urgency and by age bucket, in one query."""
    day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)
    bucket = sa.case(
        (Fault.reported_at >= day_ago, "day"),
        (Fault.reported_at >= week_ago, "week"),
        else_="older",
    ).label("bucket")
    rows = db.session.execute(
        sa.select(Fault.urgency, bucket, sa.func.count())
        .where(Fault.status.in_(OPEN_STATUSES))
        .group_by(Fault.urgency, bucket)
    )
    counts = OpenFaults(
        by_urgency={urgency: 0 for urgency in Urgency},
        by_age={key: 0 for key, _, _ in AGE_BUCKETS},
    )
    for urgency, age, count in rows:
        counts.by_urgency[urgency] += count
        counts.by_age[age] += count
    return counts


def age_filter(bucket: str) -> dict[str, int]:
    """The fault list's filters that show exactly one age bucket."""
    _, older_than, newer_than = next(b for b in AGE_BUCKETS if b[0] == bucket)
    filters = {}
    if older_than:
        filters["age"] = older_than
    if newer_than:
        filters["newer"] = newer_than
    return filters


def unsafe_not_taken(limit: int = SHOWN_ON_DASHBOARD) -> tuple[int, list[Fault]]:
    """Faults reported unsafe that nobody has taken yet (still only reported: no repairer
    assigned or taking it), how many and the oldest `limit` with their asset and place. The
    first thing the logistics head acts on: assign a repairer, or judge it still usable."""
    waiting = (Fault.urgency == Urgency.UNSAFE, Fault.status == FaultStatus.REPORTED)
    count = db.session.scalar(sa.select(sa.func.count(Fault.id)).where(*waiting))
    faults = db.session.scalars(
        sa.select(Fault)
        .where(*waiting)
        .options(so.joinedload(Fault.asset).joinedload(Asset.place))
        .order_by(Fault.reported_at, Fault.id)
        .limit(limit)
    ).all()
    return count, list(faults)


@dataclass(frozen=True)
class WeekFaults:
    monday: date
    reported: int
    unsafe: int  # of those reported, the ones reported unsafe


def faults_per_week(on: date, timezone: str, weeks: int = FAULT_WEEKS) -> list[WeekFaults]:
    """The faults reported in each of the last `weeks` school-local weeks (Monday to Sunday),
    oldest first and `on`'s week, counted so far, last; a fault dismissed as not real (a
    prank) is not counted. One query: the reports are few, their weeks are found here."""
    first_monday = week_start(on) - timedelta(weeks=weeks - 1)
    start, end = utc_bounds(first_monday, on, timezone)
    rows = db.session.execute(
        sa.select(Fault.reported_at, Fault.urgency).where(
            Fault.reported_at >= start,
            Fault.reported_at < end,
            Fault.status != FaultStatus.DISMISSED,
        )
    )
    reported, unsafe = defaultdict(int), defaultdict(int)
    for reported_at, urgency in rows:
        monday = week_start(local_date(reported_at, timezone))
        reported[monday] += 1
        unsafe[monday] += urgency == Urgency.UNSAFE
    mondays = [first_monday + timedelta(weeks=n) for n in range(weeks)]
    return [WeekFaults(monday, reported[monday], unsafe[monday]) for monday in mondays]


@dataclass(frozen=True)
class RepairTime:
    month: str  # "YYYY-MM", the school-local month counted
    count: int
    mean: timedelta | None


def repair_time(on: date, timezone: str) -> RepairTime:
    """Mean time from report to accepted repair over the faults accepted in `on`'s month."""
    first, last = month_period(on.year, on.month)
    count, mean = repair_time_between(first, last, timezone)
    return RepairTime(f"{on.year:04d}-{on.month:02d}", count, mean)


def repair_time_between(
    first: date, last: date, timezone: str
) -> tuple[int, timedelta | None]:
    """How many faults were accepted from `first` to `last` (school-local days, inclusive)
    and the mean time from their report to the acceptance (None when none was)."""
    start, end = utc_bounds(first, last, timezone)
    rows = db.session.execute(
        sa.select(Fault.reported_at, Fault.accepted_at).where(
            Fault.status == FaultStatus.ACCEPTED,
            Fault.accepted_at >= start,
            Fault.accepted_at < end,
        )
    ).all()
    spans = [accepted - reported for reported, accepted in rows]
    return len(spans), (sum(spans, timedelta()) / len(spans) if spans else None)


@dataclass(frozen=True)
class OutOfService:
    asset: Asset
    fault: Fault | None  # why: the open fault that took it out, else its latest open fault


def out_of_service(limit: int = SHOWN_ON_DASHBOARD) -> tuple[int, list[OutOfService]]:
    """How many assets are out of service, and the first `limit` with their open fault."""
    count = db.session.scalar(
        sa.select(sa.func.count(Asset.id)).where(Asset.status == AssetStatus.OUT_OF_SERVICE)
    )
    assets = db.session.scalars(
        sa.select(Asset)
        .where(Asset.status == AssetStatus.OUT_OF_SERVICE)
        .options(so.joinedload(Asset.place))
        .order_by(Asset.updated_at.desc(), Asset.id.desc())
        .limit(limit)
    ).all()
    faults = defaultdict(list)
    if assets:
        for fault in db.session.scalars(
            sa.select(Fault)
            .where(Fault.asset_id.in_([a.id for a in assets]), Fault.status.in_(OPEN_STATUSES))
            .order_by(Fault.took_out_of_service.desc(), Fault.reported_at.desc(), Fault.id.desc())
        ):
            faults[fault.asset_id].append(fault)
    return count, [OutOfService(a, (faults.get(a.id) or [None])[0]) for a in assets]


def taken_out_by_visitors(limit: int = SHOWN_ON_DASHBOARD) -> tuple[int, list[Fault]]:
    """How many open faults keep an asset out of service that a visitor took out, and the
    newest `limit` of them with their asset and place."""
    count = db.session.scalar(
        sa.select(sa.func.count(Fault.id)).join(Fault.asset).where(taken_out_by_visitor.condition())
    )
    faults = db.session.scalars(
        sa.select(Fault)
        .join(Fault.asset)
        .where(taken_out_by_visitor.condition())
        .options(so.contains_eager(Fault.asset).joinedload(Asset.place))
        .order_by(Fault.reported_at.desc(), Fault.id.desc())
        .limit(limit)
    ).all()
    return count, list(faults)


@dataclass(frozen=True)
class TermCompletion:
    term: Term
    routines: list[RoutineCompletion]  # those with something due in the term so far


def term_completion(on: date, checklists: list[Checklist] | None = None) -> TermCompletion:
    """Each routine's checks done against due over the term so far (app.compliance)."""
    term = term_containing(on)
    counted = completion(term.start, term.end, today=on, checklists=checklists)
    return TermCompletion(
        term,
        sorted(
            (r for r in counted.routines if r.due),
            key=lambda r: (natural_key(r.checklist.title), r.checklist.id),
        ),
    )


@dataclass(frozen=True)
class AssetCompletion:
    asset: Asset
    counts: Counts


def routine_term_by_asset(on: date, checklist: Checklist) -> tuple[Term, list[AssetCompletion]]:
    """One routine's term so far, asset by asset (what its rate on the dashboard counts)."""
    term = term_containing(on)
    [counted] = completion(
        term.start, term.end, today=on, checklists=[checklist], per_asset=True
    ).routines
    assets = db.session.scalars(
        sa.select(Asset)
        .where(Asset.id.in_(list(counted.assets)))
        .options(so.joinedload(Asset.place))
    ).all()
    rows = [AssetCompletion(asset, counted.assets[asset.id]) for asset in assets]
    return term, sorted(rows, key=lambda r: (natural_key(r.asset.name), r.asset.id))


@dataclass(frozen=True)
class Dashboard:
    on: date
    paused: bool  # the school is closed today: nothing is due
    routines: list[RoutineWeek]  # not yet done this week
    routines_done: int  # done this week
    unsafe_count: int
    unsafe: list[Fault]  # the oldest few unsafe faults nobody has taken
    overdue: list[RoutineState]  # the first few, longest overdue first
    overdue_count: int
    faults: OpenFaults
    repairs: RepairTime
    by_visitors_count: int
    by_visitors: list[Fault]  # the newest few
    out_of_service_count: int
    out_of_service: list[OutOfService]
    rising: list[RisingReading]
    rising_share: int
    term: TermCompletion
    fault_weeks: list[WeekFaults]


def build_dashboard(on: date, now: datetime, timezone: str) -> Dashboard:
    routines = active_checklists()
    checks = week_checks(on, routines)
    overdue = [e for e in checks if e.state == State.OVERDUE]
    out_count, out_list = out_of_service()
    visitors_count, visitors_list = taken_out_by_visitors()
    share = settings.reading_rise_share()
    weeks = routine_weeks(checks)
    unsafe_count, unsafe_list = unsafe_not_taken()
    return Dashboard(
        on=on,
        paused=school_calendar().is_closed(on),
        routines=still_to_do(weeks),
        routines_done=sum(week.finished for week in weeks),
        unsafe_count=unsafe_count,
        unsafe=unsafe_list,
        overdue=in_walking_order(overdue, first=SHOWN_ON_DASHBOARD),
        overdue_count=len(overdue),
        faults=open_faults(now),
        repairs=repair_time(on, timezone),
        by_visitors_count=visitors_count,
        by_visitors=visitors_list,
        out_of_service_count=out_count,
        out_of_service=out_list,
        rising=rising_readings(share),
        rising_share=share,
        term=term_completion(on, routines),
        fault_weeks=faults_per_week(on, timezone),
    )
