"""Routines done against due over a period: what the dashboard and the evaluation reports count.

Over a period (school-local dates, inclusive), every due date of a routine that has come by
`today`, for every asset the routine covers, is one *due*:
- *done* when that asset was inspected on that routine on the due date or later, before the
  routine's next due date (a late check still counts; one made after the next due date
  counts for that later due instead, as app.schedule has it);
- *open* when not done and still due: today is within its grace days and before the next
  due date. Nobody has failed it yet, so it is left out of the rate;
- *missed* otherwise: past its grace with no inspection (the dashboard's "overdue").
Due dates after `today` are not due yet and not counted. Closed periods have no due dates.

Who counts: an asset from the day it was registered, for a routine from the day the routine
was made, so a new asset or a new routine never shows weeks it could not have been checked.
Assets out of service still count: their routines keep falling due (a broken slide's weekly
check is how it is watched). Retired assets count up to the day they were retired (the
register keeps it with the status, Asset.retired_at) and not after, so a retired asset is left
out of every period that starts after that day, a later edit of it stretches nothing, and its
earlier checks keep counting in the periods it was in use. Inactive routines and routines with
no items count for nothing (app.routines.has_items).

Corrections are new inspections pointing at the one they correct; they are not checks of
their own and are left out.

The work is a fixed number of queries however large the school: the routines, the closed
periods, the assets' columns, the days each (asset, routine) was inspected in the window and
the corrections among them; the days are bucketed here against each routine's due dates
(computed once per routine).
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import Asset, Checklist, Inspection, Place
from app.routines import active_checklists, has_items, school_calendar
from app.schedule import LOOKBACK_DAYS, Calendar, Schedule, local_date


@dataclass
class Counts:
    due: int = 0
    done: int = 0
    open: int = 0
    missed: int = 0

    @property
    def rate(self) -> float | None:
        """Done over what could have been done by now; None when nothing is due yet."""
        closed = self.due - self.open
        return self.done / closed if closed else None

    def add(self, other: "Counts") -> None:
        self.due += other.due
        self.done += other.done
        self.open += other.open
        self.missed += other.missed


@dataclass
class AssetCounts(Counts):
    """One asset's counts under one routine, with the due dates it missed, oldest first."""

    missed_on: list[date] = field(default_factory=list)


@dataclass(kw_only=True)
class RoutineCompletion(Counts):
    checklist: Checklist
    # asset id -> its counts, filled only when asked for (per_asset=True).
    assets: dict[int, AssetCounts] = field(default_factory=dict)


@dataclass(frozen=True)
class Completion:
    routines: list[RoutineCompletion]
    total: Counts


@dataclass(frozen=True)
class _DueDates:
    """A routine's due dates in the period, and the day each one's window closes."""

    days: list[date]
    next_due: date | None  # the first due date after the last one (after the period)
    first_open: int  # index of the first due date still open on `today`


def completion(
    start: date,
    end: date,
    *,
    today: date,
    checklists: Sequence[Checklist] | None = None,
    place: Place | None = None,
    assets: Sequence[Asset] | None = None,
    per_asset: bool = False,
) -> Completion:
    """Due, done, open and missed checks from `start` to `end` (inclusive) as of `today`.

    By default every active routine over every asset; `checklists` narrows the routines,
    `place` the assets to those in it or anywhere inside it, `assets` to those given.
    """
    routines = [
        c
        for c in (active_checklists() if checklists is None else checklists)
        if c.active and has_items(c)
    ]
    school = school_calendar()
    timezone = tenancy.school_timezone()
    last_counted = min(end, today)
    dues = {
        c.id: _due_dates(
            c.schedule, start, last_counted, today, school,
            not_before=local_date(c.created_at, timezone),
        )
        for c in routines
    }
    counted = [c for c in routines if dues[c.id].days]
    results = [RoutineCompletion(checklist=c) for c in routines]
    total = Counts()
    if not counted:
        return Completion(results, total)

    scope = _Scope(
        place_ids=None if place is None else _places_inside(place),
        asset_ids=None if assets is None else [a.id for a in assets],
    )
    register = _assets(start, scope, timezone)
    done = _inspected(start, counted, dues, scope)
    by_routine = {r.checklist.id: r for r in results}
    by_kind = defaultdict(list)
    for asset_id, kind_id, registered, until in register:
        by_kind[kind_id].append((asset_id, registered, until))
    for checklist in counted:
        due = dues[checklist.id]
        result = by_routine[checklist.id]
        if checklist.asset_id is not None:
            covered = [(a[0], a[2], a[3]) for a in register if a[0] == checklist.asset_id]
        else:
            covered = by_kind.get(checklist.kind_id, ())
        for asset_id, registered, until in covered:
            low = bisect_left(due.days, registered)
            high = bisect_right(due.days, until) if until else len(due.days)
            if low >= high:
                continue
            done_days = [i for i in done.get((asset_id, checklist.id), ()) if low <= i < high]
            first_open = max(low, due.first_open)
            open_ = sum(1 for i in range(first_open, high) if i not in done_days)
            counts = AssetCounts(
                due=high - low,
                done=len(done_days),
                open=open_,
                missed=high - low - len(done_days) - open_,
            )
            result.add(counts)
            if per_asset:
                # Not done and no longer open: the due dates before the first still open.
                counts.missed_on = [
                    due.days[i] for i in range(low, min(first_open, high)) if i not in done_days
                ]
                result.assets[asset_id] = counts
        total.add(result)
    return Completion(results, total)


def _due_dates(
    schedule: Schedule, start: date, last: date, today: date, school: Calendar, not_before: date
) -> _DueDates:
    first = max(start, not_before)
    days = [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if _is_due(schedule, first + timedelta(days=n), school)
    ]
    next_due = None
    if days:
        for ahead in range(1, LOOKBACK_DAYS):
            day = days[-1] + timedelta(days=ahead)
            if _is_due(schedule, day, school):
                next_due = day
                break
    # Windows close in date order, so the due dates still open are the last few.
    first_open = len(days)
    while first_open > 0:
        index = first_open - 1
        window_end = days[index + 1] if index + 1 < len(days) else next_due
        grace_over = today > days[index] + timedelta(days=schedule.grace_days)
        if grace_over or (window_end is not None and today >= window_end):
            break
        first_open = index
    return _DueDates(days, next_due, first_open)


def _is_due(schedule: Schedule, day: date, school: Calendar) -> bool:
    return schedule.falls_on(day) and not school.is_closed(day)


def _assets(start, scope, timezone) -> list[tuple[int, int, date, date | None]]:
    """(id, kind, first day counted, last day counted or None) of the assets in scope."""
    query = scope.narrow(
        sa.select(Asset.id, Asset.kind_id, Asset.created_at, Asset.retired_at).order_by(Asset.id),
        Asset.id,
    )
    register = []
    for asset_id, kind_id, created_at, retired_at in db.session.execute(query):
        until = None if retired_at is None else local_date(retired_at, timezone)
        if until is not None and until < start:
            continue
        register.append((asset_id, kind_id, local_date(created_at, timezone), until))
    return register


def _inspected(start, routines, dues, scope) -> dict[tuple[int, int], set[int]]:
    """For each (asset, routine): the indexes of the due dates it was done for.

    The days come as one string per (asset, routine), read off the covering index, and the
    few corrections in the window are taken out of them: a correction is not a check, and
    excluding corrections in the first query would cost a table lookup per inspection.
    """
    window_ends = [dues[c.id].next_due for c in routines]
    day = _iso_day(Inspection.local_date)
    # No filter on the routine: SQLite would then read the rows through the routine's index
    # instead of the covering one, several times slower. Other routines' rows are skipped.
    in_window = [Inspection.local_date >= start]
    if None not in window_ends:
        in_window.append(Inspection.local_date < max(window_ends))
    days_inspected = scope.narrow(
        sa.select(
            Inspection.asset_id, Inspection.checklist_id, sa.func.aggregate_strings(day, ",")
        )
        .where(*in_window)
        .group_by(Inspection.asset_id, Inspection.checklist_id),
        Inspection.asset_id,
    )
    corrections = defaultdict(list)
    # "> 0" rather than "IS NOT NULL": SQLite reads the few corrections through their index.
    for asset_id, checklist_id, corrected_on in db.session.execute(
        scope.narrow(
            sa.select(Inspection.asset_id, Inspection.checklist_id, day).where(
                Inspection.corrects_id > 0, *in_window
            ),
            Inspection.asset_id,
        )
    ):
        corrections[(asset_id, checklist_id)].append(corrected_on)

    # Due dates as ISO text compare as the dates do, so the days need no parsing.
    iso = {c.id: [d.isoformat() for d in dues[c.id].days] for c in routines}
    ends = {c.id: (dues[c.id].next_due or date.max).isoformat() for c in routines}
    done = {}
    for asset_id, checklist_id, joined in db.session.execute(days_inspected):
        if checklist_id not in iso:
            continue
        days = joined.split(",")
        for corrected_on in corrections.get((asset_id, checklist_id), ()):
            days.remove(corrected_on)
        due_days, first, end = iso[checklist_id], iso[checklist_id][0], ends[checklist_id]
        # bisect_right finds the due date each day's window starts at (its index + 1).
        done[(asset_id, checklist_id)] = {
            bisect_right(due_days, d) - 1 for d in days if first <= d < end
        }
    return done


def _iso_day(column):
    """A date column as "YYYY-MM-DD" text: SQLite stores dates so; PostgreSQL is told how."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD")
    return sa.type_coerce(column, sa.String)


@dataclass(frozen=True)
class _Scope:
    """The assets counted: those in these places and among these ids (None: no limit)."""

    place_ids: list[int] | None
    asset_ids: list[int] | None

    def narrow(self, query, asset_id_column):
        if self.asset_ids is not None:
            query = query.where(asset_id_column.in_(self.asset_ids))
        if self.place_ids is not None:
            if asset_id_column is not Asset.id:
                query = query.join(Asset, Asset.id == asset_id_column)
            query = query.where(Asset.place_id.in_(self.place_ids))
        return query


def _places_inside(place: Place) -> list[int]:
    """The place and everything under it, from one query of the whole tree."""
    children = defaultdict(list)
    for place_id, parent_id in db.session.execute(sa.select(Place.id, Place.parent_id)):
        children[parent_id].append(place_id)
    found, stack = [], [place.id]
    while stack:
        place_id = stack.pop()
        found.append(place_id)
        stack.extend(children[place_id])
    return found
