"""The district's work for the worker: each school's dashboard figures (app.district.stored),
counted again every few minutes and soon after a change that moves them.

- `refresh_figures` (every REFRESH_MINUTES minutes): every district school, one after the
  other, each in a transaction of its own. Idempotent: two workers counting at once store
  the later count.
- `refresh_school_figures`: a commit that added, changed or deleted a record the figures
  count (an inspection signed, a fault reported, repaired, accepted or dismissed, an asset,
  a routine, a closed period, a term's start) enqueues a count of its school right after the
  commit (`worker.after_commit_per_school`, as the notices' send); a rollback enqueues
  nothing. A queue out of reach is logged and loses nothing: the next round counts the
  school.
"""

from huey import crontab

from app import worker
from app.district import stored
from app.models import Asset, Checklist, ChecklistVersion, ClosedPeriod, Fault, Inspection, Setting

COUNTED = (Asset, Checklist, ChecklistVersion, ClosedPeriod, Fault, Inspection, Setting)


@worker.periodic(crontab(minute=f"*/{stored.REFRESH_MINUTES}"))
def refresh_figures() -> None:
    stored.refresh_district_schools()


@worker.task()
def refresh_school_figures(school_id: int) -> None:
    stored.refresh_school_by_id(school_id)


def _schools_changed(session) -> set[int]:
    return {
        row.school_id
        for row in (*session.new, *session.dirty, *session.deleted)
        if isinstance(row, COUNTED)
    }


worker.after_commit_per_school(refresh_school_figures, _schools_changed)
