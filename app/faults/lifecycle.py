"""A fault's life after it is reported: who may move it on, from which status, and the record.

Every step checks the person and the status before it changes anything, then records a
FaultEvent (who, when, what); nothing is deleted. A refused step raises LifecycleError and
leaves the fault as it was. Nothing here commits: the caller commits the whole step at once.
The asset's status follows its faults: out of service while an open fault took it out.
"""

import unicodedata
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.numbers import typed_number
from app.core.signatures import SignatureError, make_signature
from app.extensions import db
from app.faults.raising import action_label as raising_action_label
from app.models import (
    OPEN_STATUSES,
    SCHOOL_ROLES,
    AssetStatus,
    Cause,
    Fault,
    FaultEvent,
    FaultStatus,
    Role,
)
from app.models.common import utcnow
from app.notices import fault_notices

MAX_COST = Decimal("99999999.99")
MAX_TEXT = 2000

ACTION_LABELS = {
    "assigned": _l("Assigned"),
    "taken": _l("Taken"),
    "started": _l("Repair started"),
    "repaired": _l("Repaired and signed off"),
    "accepted": _l("Repair accepted"),
    "reopened": _l("Sent back"),
    "comment": _l("Comment"),
    "back_in_service": _l("Asset back in service"),
    "dismissed": _l("Dismissed: not a real fault"),
    "judged_still_usable": _l("Judged still usable until repaired"),
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or raising_action_label(action)


class LifecycleError(Exception):
    """Why a step was refused, in words the person can act on; errors by form field if any."""

    def __init__(self, message, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class AlreadyDone(LifecycleError):
    """The step was already taken (a second tap, a second phone): nothing more to do."""


class NotAllowed(LifecycleError):
    """The person's role never allows this step, whatever the fault."""


def _record(
    fault: Fault, action: str, actor, note: str = "", signature=None, at=None
) -> FaultEvent:
    event = FaultEvent(
        fault=fault,
        action=action,
        status=fault.status,
        actor=actor,
        note=note,
        signature=signature,
        at=at or utcnow(),
    )
    db.session.add(event)
    return event


def _is(someone, user) -> bool:
    return someone is not None and someone.id == user.id


def _text(typed: str | None) -> str:
    return (typed or "").strip()


def _required_text(typed, field, missing_message, errors) -> str:
    text = _text(typed)
    if not text:
        errors[field] = missing_message
    elif len(text) > MAX_TEXT:
        errors[field] = _l("At most %(count)s characters.", count=MAX_TEXT)
    return text


def assign(fault: Fault, repairer, by_admin) -> None:
    """The logistics head gives the job to a repairer (or to another one)."""
    if by_admin.role != Role.ADMIN:
        raise LifecycleError(_l("Only an administrator can assign a repairer."))
    if repairer is None or repairer.role != Role.REPAIRER or not repairer.active:
        raise LifecycleError(_l("Choose an active repairer."))
    if fault.status not in (FaultStatus.REPORTED, FaultStatus.ASSIGNED):
        raise LifecycleError(
            _l("The repair has already started: it can no longer be assigned.")
        )
    if _is(fault.assigned_to, repairer):
        raise AlreadyDone(_l("It is already assigned to %(name)s.", name=repairer.display_name))
    fault.assigned_to = repairer
    fault.status = FaultStatus.ASSIGNED
    event = _record(fault, "assigned", by_admin, note=repairer.display_name)
    fault_notices.fault_assigned(fault, event)


def _nobody_has(fault: Fault) -> bool:
    return fault.status == FaultStatus.REPORTED and fault.assigned_to is None


def take(fault: Fault, repairer) -> None:
    """A repairer takes a job nobody was given, to start it later."""
    if repairer.role != Role.REPAIRER:
        raise LifecycleError(_l("Only a repairer can take a job."))
    if _is(fault.assigned_to, repairer):
        raise AlreadyDone(_l("This job is already yours."))
    if not _nobody_has(fault):
        raise LifecycleError(_l("Someone already has this job."))
    fault.assigned_to = repairer
    fault.status = FaultStatus.ASSIGNED
    _record(fault, "taken", repairer)


def _check_assignee(fault: Fault, repairer) -> None:
    if not _is(fault.assigned_to, repairer):
        raise LifecycleError(
            _l("This job is not yours: only the repairer it is assigned to can do this.")
        )


def may_start(fault: Fault, user) -> bool:
    """Whether the repair can be started by this person now: see `start`."""
    if _nobody_has(fault):
        return user.role == Role.REPAIRER
    return fault.status == FaultStatus.ASSIGNED and _is(fault.assigned_to, user)


def start(fault: Fault, repairer) -> None:
    """The job's own repairer starts the repair, in one step from the job's page.

    The job's own repairer is the one it is assigned to or, for a job nobody has, any
    repairer, who takes it by starting it. Nobody else starts it: not another repairer, an
    inspector or an administrator. Taking and starting stay two events in the history,
    "taken" then "started", as when they were two taps, so the record says who took the job
    and when the repair began. A second tap finds the repair started and changes nothing.
    """
    if _nobody_has(fault):
        take(fault, repairer)
    _check_assignee(fault, repairer)
    if fault.status == FaultStatus.IN_PROGRESS:
        raise AlreadyDone(_l("The repair has already started."))
    if fault.status != FaultStatus.ASSIGNED:
        raise LifecycleError(_l("Only an assigned job can be started."))
    fault.status = FaultStatus.IN_PROGRESS
    _record(fault, "started", repairer)


def parse_cost(typed) -> Decimal | None:
    """Empty for no cost; otherwise an amount in yuan, at most two decimals. ValueError if not."""
    text = unicodedata.normalize("NFKC", str(typed or "")).strip().removeprefix("¥")
    if not text.strip():
        return None
    cost = typed_number(text)
    if cost is None:
        raise ValueError(_l("Write the cost as a number, for example 120.50."))
    if not cost.is_finite() or cost < 0 or cost > MAX_COST:
        raise ValueError(_l("The cost must be between 0 and 99999999.99."))
    if cost != cost.quantize(Decimal("0.01")):
        raise ValueError(_l("At most two decimals (fen)."))
    return cost.quantize(Decimal("0.01"))


def complete(
    fault: Fault, repairer, note, parts, cost, cause, drawn_signature="", typed_name=""
) -> None:
    """The repairer records what was done and signs it off on the spot."""
    _check_assignee(fault, repairer)
    if fault.status == FaultStatus.REPAIRED and _is(fault.repaired_by, repairer):
        raise AlreadyDone(_l("The repair is already signed off."))
    if fault.status not in (FaultStatus.ASSIGNED, FaultStatus.IN_PROGRESS):
        raise LifecycleError(_l("Only a job in hand can be signed off as repaired."))
    errors = {}
    note = _required_text(note, "note", _l("Say what was done."), errors)
    parts = _text(parts)
    if len(parts) > MAX_TEXT:
        errors["parts"] = _l("At most %(count)s characters.", count=MAX_TEXT)
    try:
        amount = parse_cost(cost)
    except ValueError as error:
        errors["cost"] = error.args[0]
    try:
        cause = Cause(cause)
    except ValueError:
        errors["cause"] = _l("Choose the cause.")
    try:
        signature = make_signature(repairer, drawn_signature, typed_name)
    except SignatureError as error:
        errors["signature"] = error.message
    if errors:
        raise LifecycleError(_l("The repair was not signed off: see below."), errors)
    now = utcnow()
    signature.signed_at = now
    fault.status = FaultStatus.REPAIRED
    fault.repaired_at = now
    fault.repaired_by = repairer
    fault.repair_note = note
    fault.parts = parts
    fault.cost = amount
    fault.cause = cause
    fault.repair_signature = signature
    event = _record(fault, "repaired", repairer, note=note, signature=signature, at=now)
    fault_notices.fault_repaired(fault, event, reporter_can_accept(fault))


def reporter_can_accept(fault: Fault) -> bool:
    """The reporter accepts, when they have an active account and did not do the repair."""
    reporter = fault.reported_by
    return (
        not fault.is_public
        and reporter is not None
        and reporter.active
        and not _is(fault.repaired_by, reporter)
    )


def may_accept(fault: Fault, user) -> bool:
    """Who may accept (or send back) a repair, whatever its status."""
    if _is(fault.repaired_by, user):
        return False
    if reporter_can_accept(fault):
        return _is(fault.reported_by, user)
    # A public reporter, or one who left: an administrator or inspector accepts for them.
    return user.role in (Role.ADMIN, Role.INSPECTOR)


def _check_acceptor(fault: Fault, user) -> None:
    if _is(fault.repaired_by, user):
        raise LifecycleError(_l("You did this repair: someone else must accept it."))
    if not may_accept(fault, user):
        if reporter_can_accept(fault):
            raise LifecycleError(
                _l(
                    "Only the person who reported it, %(name)s, can accept this repair.",
                    name=fault.reported_by.display_name,
                )
            )
        raise LifecycleError(_l("Only an administrator or inspector can accept this repair."))


def accept(fault: Fault, user, drawn_signature="", typed_name="") -> None:
    """The reporter (or someone for them) signs that the repair is done; the asset may return."""
    if fault.status == FaultStatus.ACCEPTED:
        raise AlreadyDone(_l("This repair is already accepted."))
    if fault.status != FaultStatus.REPAIRED:
        raise LifecycleError(_l("This fault is not repaired yet: there is nothing to accept."))
    _check_acceptor(fault, user)
    try:
        signature = make_signature(user, drawn_signature, typed_name)
    except SignatureError as error:
        raise LifecycleError(error.message, {"signature": error.message}) from None
    now = utcnow()
    signature.signed_at = now
    fault.status = FaultStatus.ACCEPTED
    fault.accepted_at = now
    fault.accepted_by = user
    fault.acceptance_signature = signature
    _record(fault, "accepted", user, signature=signature, at=now)
    _return_to_service(fault, user)


def _keeps_out_of_service(asset, other_than: Fault) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Fault.id)).where(
                Fault.asset_id == asset.id,
                Fault.id != other_than.id,
                Fault.status.in_(OPEN_STATUSES),
                Fault.took_out_of_service.is_(True),
            )
        )
        > 0
    )


def _return_to_service(fault: Fault, user) -> None:
    asset = fault.asset
    if asset.status != AssetStatus.OUT_OF_SERVICE or _keeps_out_of_service(asset, fault):
        return
    asset.status = AssetStatus.IN_SERVICE
    _record(fault, "back_in_service", user)


def reopen(fault: Fault, user, reason) -> None:
    """Not repaired after all: back to the repairer (or the pool), with the reason."""
    if fault.status == FaultStatus.ACCEPTED:
        raise LifecycleError(_l("This repair is already accepted: report a new fault instead."))
    if fault.status != FaultStatus.REPAIRED:
        raise LifecycleError(_l("Only a repaired fault can be sent back."))
    _check_acceptor(fault, user)
    errors = {}
    reason = _required_text(reason, "reason", _l("Say why it is sent back."), errors)
    if errors:
        raise LifecycleError(errors["reason"], errors)
    fault.status = FaultStatus.ASSIGNED if fault.assigned_to else FaultStatus.REPORTED
    event = _record(fault, "reopened", user, note=reason)
    fault_notices.fault_reopened(fault, event)


def comment(fault: Fault, user, text) -> None:
    if user.role not in (Role.ADMIN, Role.INSPECTOR, Role.REPAIRER):
        raise LifecycleError(_l("Only staff can comment."))
    errors = {}
    text = _required_text(text, "comment", _l("Write the comment."), errors)
    if errors:
        raise LifecycleError(errors["comment"], errors)
    _record(fault, "comment", user, note=text)


def may_put_back_in_service(user) -> bool:
    """Only the logistics head decides that an asset kept out for safety may be used again."""
    return user.role == Role.ADMIN


def back_in_service(asset, admin, note) -> list[Fault]:
    """The administrator puts the asset back in service while faults on it are still open.

    Each open fault that kept it out stops doing so, and says who decided it; with none open,
    the decision is recorded on the asset's latest fault. Returns the faults it was recorded on.
    """
    if not may_put_back_in_service(admin):
        raise LifecycleError(_l("Only an administrator can put an asset back in service."))
    if asset.status == AssetStatus.RETIRED:
        raise LifecycleError(_l("This asset is retired."))
    if asset.status == AssetStatus.IN_SERVICE:
        raise AlreadyDone(_l("The asset is already in service."))
    keeping_out = db.session.scalars(
        sa.select(Fault)
        .where(
            Fault.asset_id == asset.id,
            Fault.status.in_(OPEN_STATUSES),
            Fault.took_out_of_service.is_(True),
        )
        .order_by(Fault.id)
    ).all()
    recorded_on = keeping_out or db.session.scalars(
        sa.select(Fault).where(Fault.asset_id == asset.id).order_by(Fault.id.desc()).limit(1)
    ).all()
    if not recorded_on:
        raise LifecycleError(
            _l("No fault keeps this asset out of service: change its status in the register.")
        )
    note = _text(note)
    if len(note) > MAX_TEXT:
        raise LifecycleError(_l("At most %(count)s characters.", count=MAX_TEXT))
    asset.status = AssetStatus.IN_SERVICE
    for fault in recorded_on:
        fault.took_out_of_service = False
        _record(fault, "back_in_service", admin, note=note)
    return recorded_on


def still_usable_applies(fault: Fault) -> bool:
    """An open fault that keeps its asset out of service may be judged still usable."""
    return (
        fault.status.is_open
        and fault.took_out_of_service
        and fault.asset.status == AssetStatus.OUT_OF_SERVICE
    )


def may_judge_still_usable(fault: Fault, user) -> bool:
    return may_put_back_in_service(user) and still_usable_applies(fault)


def judge_still_usable(fault: Fault, admin, note) -> None:
    """Reported unsafe, but judged safe to use until it is repaired: said in one step.

    An unsafe report takes its asset out of service at once, whoever made it. Whoever may put
    an asset back in service may judge it still usable: the fault stays open for its repair
    but no longer keeps the asset out, the judgement is recorded with who and why, and the
    asset goes back in service unless another open fault keeps it out.
    """
    if not may_put_back_in_service(admin):
        raise NotAllowed(_l("Only an administrator can judge an asset still usable."))
    if not still_usable_applies(fault):
        raise LifecycleError(
            _l("This fault does not keep its asset out of service: there is nothing to judge.")
        )
    note = _text(note)
    if len(note) > MAX_TEXT:
        raise LifecycleError(
            _l("At most %(count)s characters.", count=MAX_TEXT),
            {"note": _l("At most %(count)s characters.", count=MAX_TEXT)},
        )
    fault.took_out_of_service = False
    _record(fault, "judged_still_usable", admin, note=note)
    _return_to_service(fault, admin)


# Before the repair is signed off: once something was repaired, the fault was real.
DISMISSABLE = (FaultStatus.REPORTED, FaultStatus.ASSIGNED, FaultStatus.IN_PROGRESS)


def dismissal_applies(fault: Fault) -> bool:
    """A report made without an account, still open and not repaired, may be a prank."""
    return fault.is_public and fault.status in DISMISSABLE


def may_dismiss(fault: Fault, user) -> bool:
    return user.role == Role.ADMIN and dismissal_applies(fault)


def dismiss(fault: Fault, admin, note) -> None:
    """The logistics head undoes a visitor's prank in one step: it was not a real fault.

    Anyone who scans a plate may take the asset out of service (a child's safety comes first);
    the logistics head alone may say it was a false report, and only of a report made
    without an account before its repair is signed off. The fault is closed as dismissed,
    kept with its whole story, and its asset goes back in service unless another open fault
    keeps it out.
    """
    if admin.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can dismiss a report as not a real fault."))
    if fault.status == FaultStatus.DISMISSED:
        raise AlreadyDone(_l("This report is already dismissed."))
    if not dismissal_applies(fault):
        raise LifecycleError(
            _l(
                "Only a report made without an account, before its repair is signed off, "
                "can be dismissed as not a real fault."
            )
        )
    note = _text(note)
    if len(note) > MAX_TEXT:
        raise LifecycleError(
            _l("At most %(count)s characters.", count=MAX_TEXT),
            {"note": _l("At most %(count)s characters.", count=MAX_TEXT)},
        )
    fault.status = FaultStatus.DISMISSED
    _record(fault, "dismissed", admin, note=note)
    _return_to_service(fault, admin)


def allowed_steps(fault: Fault, user) -> set[str]:
    """The steps this person is offered on the fault now, by the names of their forms.

    Each is one the step itself accepts from this person now. Two are accepted without being
    offered: signing off a job that is assigned but not started (the page offers "start"
    first), and putting the asset back in service where this fault keeps it out ("still
    usable" is the one way back offered there: two buttons that both put it back would only
    make the head choose between them). Anyone on the staff may comment, at any step.
    """
    if user.role not in SCHOOL_ROLES:
        # The district reads a school's faults and moves none of them on.
        return set()
    steps = {"comment"}
    status = fault.status
    if user.role == Role.ADMIN and status in (FaultStatus.REPORTED, FaultStatus.ASSIGNED):
        steps.add("assign")
    if user.role == Role.REPAIRER and _nobody_has(fault):
        steps.add("take")
    if may_start(fault, user):
        steps.add("start")
    if status == FaultStatus.IN_PROGRESS and _is(fault.assigned_to, user):
        steps.add("complete")
    if status == FaultStatus.REPAIRED and may_accept(fault, user):
        steps.update({"accept", "reopen"})
    if may_judge_still_usable(fault, user):
        steps.add("still-usable")
    elif may_put_back_in_service(user) and fault.asset.status == AssetStatus.OUT_OF_SERVICE:
        steps.add("back-in-service")
    if may_dismiss(fault, user):
        steps.add("dismiss")
    return steps
