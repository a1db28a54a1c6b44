"""The worker: work that must not keep a request waiting, and work that runs on a clock.

Patrol's queue is Huey. `queue` is the one Huey instance; `init_app` points it, at app
start, at its storage:

- Redis when `REDIS_URL` is set (several app servers, one queue);
- otherwise a SQLite file in the instance folder (`WORKER_QUEUE_FILE`, default
  `<instance>/queue.sqlite`), shared by the server and the worker on one machine;
- under `TESTING`, this process's memory: nothing runs a task until the test does
  (`queue.dequeue()` then `queue.execute(task)`, or `queue.immediate = True`).

`flask --app app worker` runs the consumer: a few threads taking tasks from the queue, and
the scheduler that starts the periodic ones. Every task runs inside the app's context, in a
database session of its own.

This module is shared, beside the areas: it imports none of them. Each area that has work
for the worker defines its tasks in its own `tasks.py` with the `task` and `periodic`
decorators below; app/__init__.py imports those modules at app start, so the server and
the worker know the same tasks.
"""

import functools
import logging
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from huey import MemoryHuey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from app.extensions import db

QUEUE_NAME = "patrol"
THREADS = 4

log = logging.getLogger(__name__)
# Configured by init_app; until then it keeps its queue in memory. Nobody reads a task's
# result: what a task does, it writes to the database.
queue = MemoryHuey(QUEUE_NAME, results=False, utc=True)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    global _app
    _app = app
    storage_class, options = _storage(app)
    queue.storage_class = storage_class
    queue.storage_kwargs = options
    queue.immediate = False
    queue.storage = queue.create_storage()
    app.cli.add_command(worker_command)


def _storage(app: Flask):
    if app.config.get("REDIS_URL"):
        return RedisStorage, {"url": app.config["REDIS_URL"]}
    if app.testing:
        return MemoryStorage, {}
    queue_file = app.config.get("WORKER_QUEUE_FILE") or str(
        Path(app.instance_path) / "queue.sqlite"
    )
    return SqliteStorage, {"filename": queue_file}


def _in_app_context(function):
    @functools.wraps(function)
    def run(*args, **kwargs):
        if _app is None:
            raise RuntimeError("The worker's tasks run only in an app made by create_app().")
        with _app.app_context():
            return function(*args, **kwargs)

    return run


def task(**options):
    """A task run by the worker, inside the app's context: calling it enqueues it."""

    def decorate(function):
        return queue.task(**options)(_in_app_context(function))

    return decorate


def periodic(schedule, **options):
    """A task the worker's scheduler starts on `schedule` (a huey crontab), in the app's
    context. With two workers running, each starts it: periodic work must be idempotent."""

    def decorate(function):
        return queue.periodic_task(schedule, **options)(_in_app_context(function))

    return decorate


def every_minute():
    return crontab()


def after_commit_per_school(task_function, schools_written) -> None:
    """Enqueue `task_function(school_id)` right after each commit, once for every school
    `schools_written(session)` names at the transaction's flushes (the schools of the rows it
    wrote that the task cares about). A rollback forgets them: nothing is enqueued for what
    was never written. A queue out of reach is logged (`enqueue_quietly`)."""
    key = f"worker.after_commit.{task_function.task_class.__name__}"

    def note(session, flush_context) -> None:
        schools = schools_written(session)
        if schools:
            session.info.setdefault(key, set()).update(schools)

    def enqueue(session) -> None:
        for school_id in sorted(session.info.pop(key, ())):
            enqueue_quietly(task_function, school_id)

    def forget(session, previous_transaction) -> None:
        # Only the outermost rollback undoes the rows; a savepoint's leaves the rest standing.
        if previous_transaction.parent is None:
            session.info.pop(key, None)

    sa.event.listen(db.session, "after_flush", note)
    sa.event.listen(db.session, "after_commit", enqueue)
    sa.event.listen(db.session, "after_soft_rollback", forget)


def enqueue_quietly(task_function, *args) -> bool:
    """Enqueue a task, or log why the queue could not take it (Redis or the queue file out
    of reach). Only for work the periodic tasks do anyway, later: nothing is lost."""
    try:
        task_function(*args)
    except Exception as error:  # whichever storage's: what the caller wrote is committed
        log.error(
            "Could not enqueue %s, the queue is out of reach: %s",
            task_function.task_class.__name__,
            error,
        )
        return False
    return True


@click.command("worker")
@click.option(
    "--threads",
    default=THREADS,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Tasks run at the same time.",
)
@click.option("--quiet", is_flag=True, help="Log only warnings and errors, not each task.")
def worker_command(threads, quiet):
    """Run the worker: notices, reminders, report PDFs and clean-ups (see README)."""
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    consumer = queue.create_consumer(workers=threads, worker_type="thread", periodic=True)
    consumer.run()
