"""What waits on the signed-in user: jobs to do, faults to assign and repairs to accept,
counted in one query."""

import functools
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, url_for
from flask_login import current_user

from app import tenancy
from app.extensions import db
from app.models import SCHOOL_ROLES, Fault, FaultStatus, Role, User
from app.models.common import one_of

Reporter = so.aliased(User)
# The counting query is built once per role, with the user's id bound at each request: the
# header shows it on every page, and building the statement cost more than running it.
USER_ID = sa.bindparam("user_id", type_=sa.Integer)


class Waiting(NamedTuple):
    jobs: int
    to_accept: int
    to_assign: int = 0

    def __bool__(self) -> bool:
        return bool(self.jobs or self.to_accept or self.to_assign)


def jobs_for():
    """The faults that wait on this user's hands: their own open jobs."""
    return sa.and_(
        Fault.assigned_to_id == USER_ID,
        one_of(Fault.status, (FaultStatus.ASSIGNED, FaultStatus.IN_PROGRESS)),
    )


def faults_to_assign(role):
    """For an admin, the reported faults nobody has been given yet; for anyone else, none."""
    if role != Role.ADMIN:
        return sa.false()
    return sa.and_(Fault.status == FaultStatus.REPORTED, Fault.assigned_to_id.is_(None))


def repairs_to_accept(role):
    """Repairs this user may accept: the SQL form of app.faults.lifecycle.may_accept.

    The reporter accepts when they have an active account and did not do the repair
    themselves; otherwise (a public report, a reporter who left) an admin or inspector does.
    Never the repairer who did it.
    """
    reporter_accepts = sa.and_(
        Fault.is_public.is_(False),
        Fault.reported_by_id.is_not(None),
        Reporter.active.is_(True),
        sa.or_(Fault.repaired_by_id.is_(None), Fault.repaired_by_id != Fault.reported_by_id),
    )
    whose = sa.and_(reporter_accepts, Fault.reported_by_id == USER_ID)
    if role in (Role.ADMIN, Role.INSPECTOR):
        whose = sa.or_(whose, sa.not_(reporter_accepts))
    return sa.and_(
        Fault.status == FaultStatus.REPAIRED,
        sa.or_(Fault.repaired_by_id.is_(None), Fault.repaired_by_id != USER_ID),
        whose,
    )


@functools.cache
def _waiting_query(role):
    return (
        sa.select(
            sa.func.count(sa.case((jobs_for(), 1))),
            sa.func.count(sa.case((repairs_to_accept(role), 1))),
            sa.func.count(sa.case((faults_to_assign(role), 1))),
        )
        .select_from(Fault)
        .outerjoin(Reporter, Fault.reported_by_id == Reporter.id)
        .where(Fault.status != FaultStatus.ACCEPTED)
    )


def waiting_on(user) -> Waiting:
    counted = db.session.execute(_waiting_query(user.role), {"user_id": user.id})
    jobs, to_accept, to_assign = counted.one()
    return Waiting(jobs=jobs, to_accept=to_accept, to_assign=to_assign)


def waiting_for_current_user() -> Waiting:
    """Counted once per request, and only when a page actually shows it."""
    if (
        not current_user.is_authenticated
        or current_user.role not in SCHOOL_ROLES
        or tenancy.visiting()
    ):
        # The district's people, anyone with no school, and staff visiting another school's
        # plate have nothing of this school waiting on them.
        return Waiting(0, 0)
    if "waiting" not in g:
        try:
            g.waiting = waiting_on(current_user)
        except sa.exc.SQLAlchemyError as error:
            # A courtesy, not the page: the error page after a failed transaction must still
            # render, without the count.
            current_app.logger.warning("Could not count what waits on %s: %s", current_user, error)
            g.waiting = Waiting(0, 0)
    return g.waiting


def jobs_url() -> str:
    # "My jobs" belongs to the lifecycle; until it is registered the fault list stands in.
    if "faults.my_jobs" in current_app.view_functions:
        return url_for("faults.my_jobs")
    return url_for("faults.index")


def init_app(app):
    @app.context_processor
    def waiting_context():
        return {"waiting_on_me": waiting_for_current_user, "jobs_url": jobs_url}
