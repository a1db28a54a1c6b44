"""The notices' work for the worker: the tick every minute, and a send kicked by a commit.

- `tick` (every minute): for each school in turn, writes the scheduled notices now due
  (planning.plan_due), then sends whatever is waiting and due (delivery.deliver_due). Both
  are idempotent, so two workers ticking at once, or a tick run late, send nothing twice: a
  scheduled notice is written once per key, and a delivery is claimed before it is sent.
- `send_soon`: a commit that wrote a notice (an unsafe report, a job assigned) enqueues
  a send for its school right after the commit, so the chat hears within seconds instead
  of at the next tick. The session notes new notices as they are flushed and enqueues once
  the transaction commits; a rollback forgets them, so nothing is sent for what was never
  written. A queue out of reach is logged and loses nothing: the notice waits in the
  database for the tick.
"""

import sqlalchemy as sa

from app import tenancy, worker
from app.extensions import db
from app.models import Notice
from app.notices import delivery, planning

_WROTE_NOTICES = "notices.wrote_notices"


@worker.periodic(worker.every_minute())
def tick() -> None:
    for school_id in tenancy.all_school_ids():
        with tenancy.in_school(school_id):
            planning.plan_due()
            delivery.deliver_due()


@worker.task()
def send_soon(school_id: int) -> None:
    with tenancy.in_school(school_id):
        delivery.deliver_due()


def _note_new_notices(session, flush_context) -> None:
    schools = {row.school_id for row in session.new if isinstance(row, Notice)}
    if schools:
        session.info.setdefault(_WROTE_NOTICES, set()).update(schools)


def _kick_after_commit(session) -> None:
    for school_id in sorted(session.info.pop(_WROTE_NOTICES, ())):
        worker.enqueue_quietly(send_soon, school_id)


def _forget_on_rollback(session, previous_transaction) -> None:
    # Only the outermost rollback undoes the notices; a savepoint's leaves the rest standing.
    if previous_transaction.parent is None:
        session.info.pop(_WROTE_NOTICES, None)


sa.event.listen(db.session, "after_flush", _note_new_notices)
sa.event.listen(db.session, "after_commit", _kick_after_commit)
sa.event.listen(db.session, "after_soft_rollback", _forget_on_rollback)
