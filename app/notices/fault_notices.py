"""The notices a fault's steps write, each with the fault event that caused it.

Rules:
- Reported unsafe (by anyone: staff, a visitor, a failed critical item of an inspection):
  the active repairers and the active administrators (the logistics head), at once.
- Assigned: the repairer given the job.
- Repaired: whoever accepts it, the reporter; the administrators when the reporter cannot
  (a report made without an account, a reporter since disabled, or the repairer themself).
- Sent back: the repairer it was given to.
Each is written in the transaction of the step (see app.notices.writing): a step undone
tells nobody. The link goes to the fault's page, by the notice's fault.
"""

import sqlalchemy as sa

from app.extensions import db
from app.models import Fault, FaultEvent, Membership, Reason, Role, Urgency, User
from app.notices import writing


def fault_reported(fault: Fault, event: FaultEvent) -> None:
    if fault.urgency == Urgency.UNSAFE:
        _write(Reason.UNSAFE, fault, event, _active(Role.REPAIRER) + _active(Role.ADMIN))


def fault_assigned(fault: Fault, event: FaultEvent) -> None:
    _write(Reason.ASSIGNED, fault, event, [fault.assigned_to])


def fault_repaired(fault: Fault, event: FaultEvent, reporter_accepts: bool) -> None:
    """`reporter_accepts`: the lifecycle's word on whether the reporter may accept it."""
    acceptors = [fault.reported_by] if reporter_accepts else _active(Role.ADMIN)
    _write(Reason.TO_ACCEPT, fault, event, acceptors)


def fault_reopened(fault: Fault, event: FaultEvent) -> None:
    repairer = [fault.assigned_to] if fault.assigned_to is not None else []
    _write(Reason.REOPENED, fault, event, repairer, why=event.note)


def fault_facts(fault: Fault) -> dict:
    """What a fault's notice says of it, in both languages, as it stands now."""
    asset = fault.asset
    places = [*asset.place.ancestors(), asset.place]
    return {
        "asset": {"zh": asset.name, "en": asset.name_en or asset.name},
        "code": asset.code,
        "place": {
            "zh": " › ".join(place.name for place in places),
            "en": " › ".join(place.name_en or place.name for place in places),
        },
        "description": fault.description,
        "urgency": fault.urgency.value,
    }


def _write(reason, fault, event, recipients, **more_facts) -> None:
    with db.session.no_autoflush:
        writing.write(
            reason,
            facts=fault_facts(fault) | more_facts,
            recipients=recipients,
            fault=fault,
            fault_event=event,
        )


def _active(role: Role) -> list[User]:
    with db.session.no_autoflush:
        return list(
            db.session.scalars(
                sa.select(User)
                .join(User.membership)
                .where(Membership.role == role, User.active.is_(True))
                .order_by(User.id)
            )
        )
