"""The district dashboard's figures as stored: a row per school (SchoolFigures), counted by
app.district.figures and read by the dashboard in one query, however many schools.

Rules:

- A school's row is counted by the very functions of a live count (figures.school_rows),
  inside the school, and stamped with the moment the counting began.
- A row never replaces one whose counting began later: a count begun before a change was
  committed cannot overwrite one begun after it (the worker's round of every school and the
  count after a change may run at once).
- The worker counts every district school again every REFRESH_MINUTES minutes, and a school
  soon after a commit that changed what its figures count (app.district.tasks).
- The dashboard shows a school's stored row when it was counted on the school's today. A
  school with no row yet (a new school, a worker not yet run) or counted on an earlier day
  (its week and term have moved on) is counted on the spot: real figures, never another
  day's week.
"""

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import tenancy
from app.compliance import Counts
from app.district.figures import SchoolRow, school_rows
from app.extensions import db
from app.models import School, SchoolFigures
from app.models.common import utcnow
from app.schedule import school_today

REFRESH_MINUTES = 5

log = logging.getLogger(__name__)


def dashboard_rows(schools: list[School], now: datetime) -> list[SchoolRow]:
    """Each school's row: stored when counted on its today, else counted now."""
    if not schools:
        return []
    with tenancy.in_schools([school.id for school in schools]):
        stored = {row.school_id: row for row in db.session.scalars(sa.select(SchoolFigures))}
    rows, to_count = [], []
    for school in schools:
        row = stored.get(school.id)
        if row is not None and row.on == school_today(school.timezone, now):
            rows.append(_from_stored(school, row, now))
        else:
            to_count.append(school)
    return rows + school_rows(to_count, now)


def refresh_school(school: School) -> bool:
    """Count the school's figures and store them, committed; False when a count begun later
    was stored meanwhile (it stands)."""
    began = utcnow()
    with tenancy.in_school(school):
        (row,) = school_rows([school], began)
        stored = db.session.scalar(
            sa.select(SchoolFigures)
            .where(SchoolFigures.school_id == school.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if stored is not None and stored.counted_at > began:
            db.session.rollback()
            return False
        if stored is None:
            stored = SchoolFigures(school_id=school.id)
            db.session.add(stored)
        _store(row, stored)
        try:
            db.session.commit()
        except IntegrityError:
            # The school's first row, written by another count at the same moment.
            db.session.rollback()
            return False
    return True


def refresh_district_schools() -> int:
    """Count every district school again (schools outside a district have no dashboard
    reading them); how many were stored. A school that fails is logged and skipped: the
    others' figures are not held back by it."""
    with tenancy.everywhere():
        schools = db.session.scalars(
            sa.select(School).where(School.district_id.is_not(None)).order_by(School.id)
        ).all()
    stored = 0
    for school in schools:
        try:
            stored += refresh_school(school)
        except Exception:
            db.session.rollback()
            log.exception("Could not count the figures of school %s", school.code)
    return stored


def refresh_school_by_id(school_id: int) -> bool:
    """The count after a change: the school's, when it is in a district."""
    with tenancy.everywhere():
        school = db.session.get(School, school_id)
    if school is None or school.district_id is None:
        return False
    return refresh_school(school)


def _store(row: SchoolRow, stored: SchoolFigures) -> None:
    stored.counted_at = row.counted_at
    stored.on = row.on
    stored.done, stored.due, stored.overdue = row.done, row.due, row.overdue
    stored.unsafe_open, stored.oldest_unsafe_at = row.unsafe_open, row.oldest_unsafe_at
    stored.term_start = row.term_start
    stored.repairs_accepted, stored.repair_mean = row.repairs_accepted, row.repair_mean
    counts = row.term_counts
    stored.term_due, stored.term_done = counts.due, counts.done
    stored.term_open, stored.term_missed = counts.open, counts.missed
    stored.out_of_service = row.out_of_service


def _from_stored(school: School, stored: SchoolFigures, now: datetime) -> SchoolRow:
    return SchoolRow(
        school=school,
        on=stored.on,
        done=stored.done,
        due=stored.due,
        overdue=stored.overdue,
        unsafe_open=stored.unsafe_open,
        oldest_unsafe_at=stored.oldest_unsafe_at,
        term_start=stored.term_start,
        repairs_accepted=stored.repairs_accepted,
        repair_mean=stored.repair_mean,
        term_counts=Counts(
            due=stored.term_due,
            done=stored.term_done,
            open=stored.term_open,
            missed=stored.term_missed,
        ),
        out_of_service=stored.out_of_service,
        now=now,
        counted_at=stored.counted_at,
    )
