"""The district report: each school's figures for a month or a term, side by side.

Rules:

- The period is chosen as the school reports choose it (app.reports.choice): a month, or a
  term named by its first day. A month is the same days everywhere; a term is each school's
  own term containing that day (schools may start their terms on other days), read in the
  district's first school, whose terms name the choice.
- Each school is counted in its own time zone and calendar, inside tenancy.in_school:
  checks due, done, missed and still open by app.compliance (the school reports' summary),
  faults reported in the period (those dismissed as not real left out) and the unsafe ones
  among them, and repairs accepted in the period with the mean time from report to
  acceptance (app.dashboard.figures.repair_time_between).
- The district's line sums the schools; its mean repair time is over all their repairs.
- Checks are counted up to each school's today: a period not over shows what is due so far.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app import tenancy
from app.compliance import Counts, completion
from app.dashboard.figures import repair_time_between
from app.district.figures import checklists_by_school, term_starts_by_school
from app.extensions import db
from app.models import Fault, FaultStatus, School, Urgency
from app.reports.choice import TERM, Period
from app.schedule import school_today, utc_bounds
from app.terms import term_containing


@dataclass
class ReportRow:
    school: School | None  # None: the district's line
    start: date
    end: date
    counts: Counts = field(default_factory=Counts)
    faults_reported: int = 0
    unsafe_reported: int = 0
    repairs_accepted: int = 0
    repair_total: timedelta = timedelta()

    @property
    def repair_mean(self) -> timedelta | None:
        return self.repair_total / self.repairs_accepted if self.repairs_accepted else None

    def add(self, other: "ReportRow") -> None:
        self.counts.add(other.counts)
        self.faults_reported += other.faults_reported
        self.unsafe_reported += other.unsafe_reported
        self.repairs_accepted += other.repairs_accepted
        self.repair_total += other.repair_total


@dataclass(frozen=True)
class DistrictReport:
    period: Period
    rows: list[ReportRow]
    total: ReportRow


def faults_reported(first: date, last: date, timezone: str) -> tuple[int, int]:
    """The current school's faults reported in those days, and the unsafe ones among them."""
    start, end = utc_bounds(first, last, timezone)
    rows = db.session.execute(
        sa.select(Fault.urgency, sa.func.count(Fault.id))
        .where(
            Fault.reported_at >= start,
            Fault.reported_at < end,
            Fault.status != FaultStatus.DISMISSED,
        )
        .group_by(Fault.urgency)
    ).all()
    return sum(count for _, count in rows), sum(c for u, c in rows if u == Urgency.UNSAFE)


def build_report(schools: list[School], period: Period) -> DistrictReport:
    ids = [school.id for school in schools]
    checklists = checklists_by_school(ids)
    starts = term_starts_by_school(ids)
    rows = []
    total = ReportRow(None, period.start, period.end)
    for school in schools:
        first, last = period.start, period.end
        if period.kind == TERM:
            own = term_containing(period.start, starts[school.id])
            first, last = own.start, own.end
        with tenancy.in_school(school):
            today = school_today(school.timezone)
            counted = completion(first, last, today=today, checklists=checklists[school.id])
            reported, unsafe = faults_reported(first, last, school.timezone)
            accepted, mean = repair_time_between(first, last, school.timezone)
        row = ReportRow(
            school,
            first,
            last,
            counts=counted.total,
            faults_reported=reported,
            unsafe_reported=unsafe,
            repairs_accepted=accepted,
            repair_total=(mean or timedelta()) * accepted,
        )
        total.add(row)
        rows.append(row)
    return DistrictReport(period, rows, total)
