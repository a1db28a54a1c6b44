"""The district dashboard: one row per school of the district, each school's own figures.

Rules:

- Every figure is the school's own, counted as the school's own pages count it, in its own
  time zone, closed days and terms: each school is read inside tenancy.in_school(school) by
  the functions its dashboard uses, never by a second set of rules.
- This week's checks: every asset's check of the routines in the school's week, done, due
  or overdue today (app.routines.routine_states and in_the_week, as the school's dashboard
  and "This week's checks" count them).
- Unsafe faults open: reported unsafe and not yet repaired, accepted or dismissed
  (OPEN_STATUSES); the oldest one's age as of now.
- Mean time to an accepted repair: over the faults accepted since the school's term began,
  from the report to the acceptance (app.dashboard.figures.repair_time_between).
- Term completion: done over due less still open, over the school's term so far
  (app.compliance.completion); none when nothing has fallen due yet.
- Out of service: the school's assets out of service now.
- The cost is a fixed number of queries per school, none per asset: the routines, the
  assets, the term settings, the unsafe faults and the assets out of service are read for
  all the schools at once (tenancy.in_schools, grouped by school); the calendar, the last
  inspections, the term's inspections and the repairs once per school.
- This module counts the rows; the dashboard shows them as the worker stored them
  (app.district.stored), and counts here only a school not yet counted today.
- Sorting: by any column, ascending or (a leading "-") descending; schools without the figure
  (no repair yet, nothing due) go last either way, ties by school code. A column not in
  SORTS gives the default order, by school code.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import tenancy, terms
from app.compliance import Counts, completion
from app.dashboard.figures import repair_time_between
from app.extensions import db
from app.models import (
    OPEN_STATUSES,
    Asset,
    AssetStatus,
    Checklist,
    Fault,
    School,
    Setting,
    Urgency,
)
from app.routines import active_checklists, in_the_week, routine_states
from app.schedule import State, school_today
from app.terms import term_containing, term_starts

DEFAULT_SORT = "school"


class AssetRef(NamedTuple):
    """What routine_states reads of an asset: a whole district's assets as plain rows."""

    id: int
    kind_id: int


@dataclass(frozen=True)
class SchoolRow:
    school: School
    on: date  # the school's today
    done: int
    due: int
    overdue: int
    unsafe_open: int
    oldest_unsafe_at: datetime | None  # when the oldest open unsafe fault was reported
    term_start: date
    repairs_accepted: int  # this term
    repair_mean: timedelta | None
    term_counts: Counts
    out_of_service: int
    now: datetime
    counted_at: datetime  # UTC: when these figures were counted (now, when counted live)

    @property
    def counted_time(self) -> str:
        """When they were counted, as the school's clock said it: "14:05"."""
        local = self.counted_at.replace(tzinfo=UTC).astimezone(ZoneInfo(self.school.timezone))
        return local.strftime("%H:%M")

    @property
    def oldest_unsafe_age(self) -> timedelta | None:
        return None if self.oldest_unsafe_at is None else self.now - self.oldest_unsafe_at

    @property
    def term_rate(self) -> float | None:
        return self.term_counts.rate


# Column -> the value it sorts by (None: the school has no such figure yet).
SORTS = {
    "school": lambda row: row.school.code,
    "done": lambda row: row.done,
    "due": lambda row: row.due,
    "overdue": lambda row: row.overdue,
    "unsafe": lambda row: row.unsafe_open,
    "unsafe_age": lambda row: row.oldest_unsafe_age,
    "repair": lambda row: row.repair_mean,
    "term": lambda row: row.term_rate,
    "out": lambda row: row.out_of_service,
}


def read_sort(asked: str | None) -> str:
    """The sort asked for in the address, or the default one when it names no column."""
    column = (asked or "").removeprefix("-")
    return asked if column in SORTS and asked else DEFAULT_SORT


def sorted_rows(rows: list[SchoolRow], sort: str) -> list[SchoolRow]:
    sort = read_sort(sort)
    descending = sort.startswith("-")
    value_of = SORTS[sort.removeprefix("-")]
    by_code = sorted(rows, key=lambda row: row.school.code)
    known = [row for row in by_code if value_of(row) is not None]
    unknown = [row for row in by_code if value_of(row) is None]
    # A stable sort keeps the code order among ties, whichever the direction.
    return sorted(known, key=value_of, reverse=descending) + unknown


def checklists_by_school(school_ids: list[int]) -> dict[int, list[Checklist]]:
    """Every school's active routines with something to inspect, in three queries in all."""
    grouped = {school_id: [] for school_id in school_ids}
    with tenancy.in_schools(school_ids):
        for checklist in active_checklists():
            grouped[checklist.school_id].append(checklist)
    return grouped


def assets_by_school(school_ids: list[int]) -> dict[int, list[AssetRef]]:
    """Every school's assets not retired (the ones its week walks), in one query."""
    with tenancy.in_schools(school_ids):
        rows = db.session.execute(
            sa.select(Asset.school_id, Asset.id, Asset.kind_id)
            .where(Asset.status != AssetStatus.RETIRED)
            .order_by(Asset.id)
        )
        grouped = {school_id: [] for school_id in school_ids}
        for school_id, asset_id, kind_id in rows:
            grouped[school_id].append(AssetRef(asset_id, kind_id))
    return grouped


def term_starts_by_school(school_ids: list[int]) -> dict[int, terms.TermStarts]:
    """Every school's term starts (app.terms), from one query of their settings."""
    keys = (terms.AUTUMN_START, terms.SPRING_START)
    values = defaultdict(dict)
    with tenancy.in_schools(school_ids):
        for school_id, key, value in db.session.execute(
            sa.select(Setting.school_id, Setting.key, Setting.value).where(Setting.key.in_(keys))
        ):
            values[school_id][key] = value
    return {school_id: term_starts(values[school_id]) for school_id in school_ids}


def unsafe_open_by_school(school_ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """(how many, the oldest's report time) of each school's open unsafe faults, one query."""
    with tenancy.in_schools(school_ids):
        rows = db.session.execute(
            sa.select(Fault.school_id, sa.func.count(Fault.id), sa.func.min(Fault.reported_at))
            .where(Fault.urgency == Urgency.UNSAFE, Fault.status.in_(OPEN_STATUSES))
            .group_by(Fault.school_id)
        )
        found = {school_id: (count, oldest) for school_id, count, oldest in rows}
    return {school_id: found.get(school_id, (0, None)) for school_id in school_ids}


def out_of_service_by_school(school_ids: list[int]) -> dict[int, int]:
    """How many assets each school has out of service, one query."""
    with tenancy.in_schools(school_ids):
        found = dict(
            db.session.execute(
                sa.select(Asset.school_id, sa.func.count(Asset.id))
                .where(Asset.status == AssetStatus.OUT_OF_SERVICE)
                .group_by(Asset.school_id)
            ).all()
        )
    return {school_id: found.get(school_id, 0) for school_id in school_ids}


def week_counts(assets, on: date, checklists) -> Counter:
    """The current school's checks this week, counted by state (done, due, overdue)."""
    return Counter(entry.state for entry in in_the_week(routine_states(assets, on, checklists), on))


def school_rows(schools: list[School], now: datetime) -> list[SchoolRow]:
    """The dashboard's row for each school, in the order given."""
    if not schools:
        return []
    ids = [school.id for school in schools]
    checklists = checklists_by_school(ids)
    assets = assets_by_school(ids)
    starts = term_starts_by_school(ids)
    unsafe = unsafe_open_by_school(ids)
    out = out_of_service_by_school(ids)
    rows = []
    for school in schools:
        with tenancy.in_school(school):
            on = school_today(school.timezone, now)
            week = week_counts(assets[school.id], on, checklists[school.id])
            term = term_containing(on, starts[school.id])
            counted = completion(term.start, term.end, today=on, checklists=checklists[school.id])
            accepted, mean = repair_time_between(term.start, on, school.timezone)
        unsafe_count, oldest = unsafe[school.id]
        rows.append(
            SchoolRow(
                school=school,
                on=on,
                done=week[State.DONE],
                due=week[State.DUE],
                overdue=week[State.OVERDUE],
                unsafe_open=unsafe_count,
                oldest_unsafe_at=oldest,
                term_start=term.start,
                repairs_accepted=accepted,
                repair_mean=mean,
                term_counts=counted.total,
                out_of_service=out[school.id],
                now=now,
                counted_at=now,
            )
        )
    return rows
