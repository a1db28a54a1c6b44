"""Which school a request, a task or a command works in, and the one place that keeps every
query to it.

Rules:

- Every ORM statement (select, update, delete) gets the criteria "school_id is one of the
  current schools" on every school-owned entity in it (app.models.common.SchoolOwned), here
  and nowhere else: a query written without a school still sees only the current school.
  With no current school nothing school-owned is seen or changed.
- What is added without a school gets the current one (SchoolOwned's column default); with
  no single current school that is an error, never a guess.
- The current school is set by whoever knows it: the signed-in phone's school
  (app.auth.sign_ins), a scanned plate's school (app.scan), the worker for each school in
  turn, a command's `--school`. Where nobody set one and the deployment has exactly one
  school, that school is current: a one-school install works as before it had schools.
- `everywhere()` lifts the criteria for the few lookups that span schools by design: a
  plate's code (unique across the deployment), a person's own schools, the schools the
  worker walks.
- On PostgreSQL each transaction also runs as DATABASE_APP_ROLE with the setting
  `patrol.school_ids` naming the same schools ("*": everywhere), and row-level security
  policies on every school-owned table (migrations 3c5d0e8f2a41, 5e8b1d2c9f47) hold the
  database to them even where the application's criteria were forgotten or switched off.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

import psycopg
import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.extensions import db
from app.models import School
from app.models.common import EVERYWHERE_OPTION, SchoolOwned

# Schools current in this app context: a tuple of ids, or EVERYWHERE.
_CURRENT = "patrol_school_ids"
_SCHOOL = "patrol_school"
# Whether the current schools were worked out as "the only school", not set by anyone.
_GUESSED = "patrol_school_guessed"
# The schools current before everywhere() was entered.
_OUTSIDE = "patrol_school_ids_outside"
# Whether this request shows another school's public page (visit()).
_VISITING = "patrol_visiting"
EVERYWHERE = "*"


class NoCurrentSchool(RuntimeError):
    """Something school-owned was added where no single school is current."""


def current_school_ids() -> tuple[int, ...] | str:
    """The schools this context works in (EVERYWHERE inside everywhere())."""
    ids = g.get(_CURRENT)
    if ids is None:
        ids = _only_school()
        _set(ids)
        setattr(g, _GUESSED, True)
    return ids


def known_school_ids() -> tuple[int, ...] | str | None:
    """The schools this context works in if anyone worked them out yet, else None: for
    what must not cost a query (the request's log line)."""
    return g.get(_CURRENT)


def current_school_id() -> int:
    """The one school this context works in."""
    ids = current_school_ids()
    if ids == EVERYWHERE or len(ids) != 1:
        raise NoCurrentSchool("No single school is current here.")
    return ids[0]


def school_id_for_new_record() -> int:
    """The school a record added now belongs to: the current one, also while a lookup runs
    everywhere() (a query there may flush what was added before it)."""
    if g.get(_CURRENT) != EVERYWHERE:
        return current_school_id()
    outside = g.get(_OUTSIDE)
    if outside is None:
        outside = _only_school()
    if outside == EVERYWHERE or len(outside) != 1:
        raise NoCurrentSchool("No single school is current here.")
    return outside[0]


def is_current(school_id: int) -> bool:
    """Whether this context works in that school."""
    ids = current_school_ids()
    return ids == EVERYWHERE or school_id in ids


def current_school() -> School | None:
    """The current school's row (from the session's identity map once loaded), or None."""
    ids = current_school_ids()
    if ids == EVERYWHERE or len(ids) != 1:
        return None
    school = g.get(_SCHOOL)
    if school is None or school.id != ids[0]:
        # Kept on g: the session's identity map holds a row only while something refers to it.
        school = db.session.get(School, ids[0])
        setattr(g, _SCHOOL, school)
    return school


def enter(school_ids: Iterable[int], school: School | None = None) -> None:
    """Make these schools current for the rest of this context (a request, a task); `school`
    is the one school's row when the caller loaded it already."""
    _set(tuple(school_ids))
    if school is not None:
        setattr(g, _SCHOOL, school)


def visit(school: School | int) -> None:
    """Show a plate's school to someone from outside it (a visitor, staff of another school)
    for the rest of this request: its public page reads that school, while what counts the
    person's own work (the header's waiting jobs) must not."""
    if isinstance(school, int):
        enter((school,))
    else:
        enter((school.id,), school)
    setattr(g, _VISITING, True)


def visiting() -> bool:
    """Whether this request shows another school's public page (visit())."""
    return g.get(_VISITING, False)


@contextmanager
def in_school(school: School | int) -> Iterator[None]:
    """Work in one school for a while (the worker, a command), then as before."""
    school_id = school if isinstance(school, int) else school.id
    with _current((school_id,)):
        yield


@contextmanager
def in_schools(school_ids: Iterable[int]) -> Iterator[None]:
    """Read several schools at once (a district's dashboard, a contractor's jobs)."""
    with _current(tuple(school_ids)):
        yield


@contextmanager
def everywhere() -> Iterator[None]:
    """Every school at once, for lookups that span schools by design."""
    with _current(EVERYWHERE):
        yield


@contextmanager
def _current(ids) -> Iterator[None]:
    before = g.get(_CURRENT)
    outside = g.get(_OUTSIDE)
    if ids == EVERYWHERE and before != EVERYWHERE:
        setattr(g, _OUTSIDE, before)
    _set(ids)
    try:
        yield
    except BaseException:
        # An error on PostgreSQL aborts the transaction: it cannot be told, nor used again.
        try:
            _set(before)
        except psycopg.Error:
            setattr(g, _CURRENT, before)
        setattr(g, _OUTSIDE, outside)
        raise
    _set(before)
    setattr(g, _OUTSIDE, outside)


def _set(ids) -> None:
    setattr(g, _CURRENT, ids)
    setattr(g, _GUESSED, False)
    # A transaction already open on PostgreSQL is told at once: its policies read the setting.
    # (None: to be worked out; until then it sees nothing.)
    session = db.session()
    if session.in_transaction():
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _tell_database(connection, () if ids is None else ids)


def _only_school() -> tuple[int, ...]:
    """The deployment's school when it has exactly one; else none."""
    with db.engine.connect() as connection:
        ids = connection.execute(sa.select(School.id).order_by(School.id).limit(2)).scalars().all()
    return tuple(ids) if len(ids) == 1 else ()


# The criteria name the schools by bound parameters, given at each execution: a statement
# built once is kept with its criteria (_kept), so SQLAlchemy's cache key for it is worked
# out once too, not at every execution of every page.
_ONE_SCHOOL, _SCHOOLS = "patrol_school_id", "patrol_school_ids"
_ONE_SCHOOL_VALUE = sa.bindparam(_ONE_SCHOOL, type_=sa.Integer())
_SCHOOLS_VALUE = sa.bindparam(_SCHOOLS, type_=sa.Integer(), expanding=True)
_ONE_SCHOOL_CRITERIA = with_loader_criteria(
    SchoolOwned, lambda cls: cls.school_id == _ONE_SCHOOL_VALUE, include_aliases=True
)
_SCHOOLS_CRITERIA = with_loader_criteria(
    SchoolOwned, lambda cls: cls.school_id.in_(_SCHOOLS_VALUE), include_aliases=True
)
_kept = {True: WeakKeyDictionary(), False: WeakKeyDictionary()}


def _kept_to_schools(statement, one: bool):
    kept = _kept[one].get(statement)
    if kept is None:
        kept = statement.options(_ONE_SCHOOL_CRITERIA if one else _SCHOOLS_CRITERIA)
        _kept[one][statement] = kept
    return kept


def _school_parameters(ids) -> dict:
    """The criteria's values for these schools. Inside everywhere(), a load that follows an
    object read outside it (its criteria propagate to it) keeps to the schools outside."""
    if ids == EVERYWHERE:
        ids = g.get(_OUTSIDE) or ()
        if ids == EVERYWHERE:
            ids = ()
    # No school has id 0: with none current, nothing is seen.
    return {_ONE_SCHOOL: ids[0] if ids else 0, _SCHOOLS: list(ids) or [0]}


def _keep_to_current_schools(state: ORMExecuteState) -> None:
    if not has_app_context():
        return
    if state.execution_options.get(EVERYWHERE_OPTION):
        # Run now, with PostgreSQL told too; frozen, so that every row and the loads that
        # follow them (selectinload) are read before the schools are set back.
        with everywhere():
            return state.invoke_statement().freeze()()
    # Worked out before any statement runs (an insert too): PostgreSQL is told with it.
    ids = current_school_ids()
    if isinstance(state.parameters, list):
        # Many rows at once (a bulk insert, an update by primary keys): no criteria apply.
        return
    state.parameters = {**(state.parameters or {}), **_school_parameters(ids)}
    # Loads of an object's columns or relationships follow the criteria of the query that
    # loaded the object (with_loader_criteria propagates to them), given the values above.
    if state.is_column_load or state.is_relationship_load or ids == EVERYWHERE:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = _kept_to_schools(state.statement, len(ids) == 1)


def _work_out_schools_before_flush(session: Session, flush_context, instances) -> None:
    # A flush's statements do not pass through do_orm_execute.
    if has_app_context():
        current_school_ids()


def _tell_database(connection, ids) -> None:
    """Run this transaction as the application's role, seeing the current schools only.

    Sent on the driver's own cursor: one round trip per transaction, outside SQLAlchemy's
    statements (and so outside the pages' query counts)."""
    role = current_app.config["DATABASE_APP_ROLE"]
    setting = EVERYWHERE if ids == EVERYWHERE else ",".join(str(i) for i in ids)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if role:
            cursor.execute(
                "SELECT set_config('role', %s, true), set_config('patrol.school_ids', %s, true)",
                (role, setting),
            )
        else:
            cursor.execute("SELECT set_config('patrol.school_ids', %s, true)", (setting,))
    finally:
        cursor.close()


def _after_begin(session: Session, transaction, connection) -> None:
    if connection.dialect.name != "postgresql" or not has_app_context():
        return
    # Schools not yet worked out: nothing, until a statement needs them (current_school_ids).
    ids = g.get(_CURRENT)
    _tell_database(connection, () if ids is None else ids)


def _guess_again_after_new_schools(session: Session, flush_context) -> None:
    # "The only school" was worked out before a school was added (a new install, a command).
    if has_app_context() and g.get(_GUESSED) and any(isinstance(r, School) for r in session.new):
        g.pop(_CURRENT, None)
        g.pop(_GUESSED, None)


def init_app(app) -> None:
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "do_orm_execute", _keep_to_current_schools):
        event.listen(session_class, "do_orm_execute", _keep_to_current_schools)
        event.listen(session_class, "after_begin", _after_begin)
        event.listen(session_class, "after_flush", _guess_again_after_new_schools)
        event.listen(session_class, "before_flush", _work_out_schools_before_flush)


def school_timezone() -> str:
    """The current school's time zone; SCHOOL_TIMEZONE where no single school is current."""
    school = current_school()
    return school.timezone if school is not None else current_app.config["SCHOOL_TIMEZONE"]


def school_language() -> str:
    """What the current school's labels and chats are written in."""
    school = current_school()
    return school.language if school is not None else current_app.config["SCHOOL_LANGUAGE"]


def school_name() -> str:
    """The current school's name in the reader's language, where it has one in English."""
    school = current_school()
    return school.title if school is not None else current_app.config["SCHOOL_NAME"]


def all_school_ids() -> list[int]:
    """Every school of the deployment, oldest first: what the worker walks."""
    with everywhere():
        return db.session.scalars(sa.select(School.id).order_by(School.id)).all()


def school_of(model: type[SchoolOwned], record_id: int) -> int | None:
    """Which school a record belongs to, looked up across schools (a task's argument)."""
    with everywhere():
        return db.session.scalar(sa.select(model.school_id).where(model.id == record_id))
