"""The notices' work for the worker: the tick every minute, and a send kicked by a commit.

- `tick` (every minute): for each school in turn, writes the scheduled notices now due
  (planning.plan_due), then sends whatever is waiting and due (delivery.deliver_due). Both
  are idempotent, so two workers ticking at once, or a tick run late, send nothing twice: a
  scheduled notice is written once per key, and a delivery is claimed before it is sent.
- `send_soon`: a commit that wrote a notice (an unsafe report, a job assigned) enqueues
  a send for its school right after the commit, so the chat hears within seconds instead
  of at the next tick (`worker.after_commit_per_school`: a rollback enqueues nothing, so
  nothing is sent for what was never written). A queue out of reach is logged and loses
  nothing: the notice waits in the database for the tick.
"""


from app import tenancy, worker
from app.models import Notice
from app.notices import delivery, planning


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


def _notices_written(session) -> set[int]:
    return {row.school_id for row in session.new if isinstance(row, Notice)}


worker.after_commit_per_school(send_soon, _notices_written)
