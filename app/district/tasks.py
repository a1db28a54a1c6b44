"""The district's work for the worker: each school's dashboard figures (app.district.stored),
counted again every few minutes and soon after a change that moves them.

- `refresh_figures` (every REFRESH_MINUTES minutes): every district school, one after the
  other, each in a transaction of its own. Idempotent: two workers counting at once store
  the later count.
- `refresh_school_figures`: a commit that added, changed or deleted a record the figures
  count (an inspection signed, a fault reported, repaired, accepted or dismissed, an asset,
  a routine, a closed period, a term's start) enqueues a count of its school right after the
  commit, as the notices' send does; a rollback forgets it. A queue out of reach is logged
  and loses nothing: the next round counts the school.
"""

import sqlalchemy as sa
from huey import crontab

from app import worker
from app.district import stored
from app.extensions import db
from app.models import Asset, Checklist, ChecklistVersion, ClosedPeriod, Fault, Inspection, Setting

COUNTED = (Asset, Checklist, ChecklistVersion, ClosedPeriod, Fault, Inspection, Setting)
_CHANGED_SCHOOLS = "district.changed_schools"


@worker.periodic(crontab(minute=f"*/{stored.REFRESH_MINUTES}"))
def refresh_figures() -> None:
    stored.refresh_district_schools()


@worker.task()
def refresh_school_figures(school_id: int) -> None:
    stored.refresh_school_by_id(school_id)


def _note_changed_schools(session, flush_context) -> None:
    schools = {
        row.school_id
        for row in (*session.new, *session.dirty, *session.deleted)
        if isinstance(row, COUNTED)
    }
    if schools:
        session.info.setdefault(_CHANGED_SCHOOLS, set()).update(schools)


def _count_after_commit(session) -> None:
    for school_id in sorted(session.info.pop(_CHANGED_SCHOOLS, ())):
        worker.enqueue_quietly(refresh_school_figures, school_id)


def _forget_on_rollback(session, previous_transaction) -> None:
    # Only the outermost rollback undoes the changes; a savepoint's leaves the rest standing.
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED_SCHOOLS, None)


sa.event.listen(db.session, "after_flush", _note_changed_schools)
sa.event.listen(db.session, "after_commit", _count_after_commit)
sa.event.listen(db.session, "after_soft_rollback", _forget_on_rollback)
