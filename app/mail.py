"""Email through the school's SMTP server, when one is configured (MAIL_SERVER; off by default).

Mail is a courtesy: a message that cannot be sent is logged and dropped, never raised, so it
can never lose or undo a fault. The fault hooks write each message while the fault is at hand
and send it only once the transaction that changed the fault has committed.

Users have no language preference, so every message is in Chinese with the English below.
"""

import functools
import smtplib
from email.message import EmailMessage
from email.utils import formataddr

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Fault, Role, Urgency, User

SMTP_TIMEOUT_SECONDS = 10
_PENDING = "mail.after_commit"


def enabled() -> bool:
    return bool(current_app.config["MAIL_SERVER"])


def send(addresses, subject: str, body: str) -> None:
    config = current_app.config
    addresses = list(dict.fromkeys(addresses))
    if not enabled() or not addresses:
        return
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS
        ) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for address in addresses:
                smtp.send_message(_message(address, subject, body))
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning(
            "Could not send mail %r to %s: %s", subject, ", ".join(addresses), error
        )


def _message(address, subject, body):
    message = EmailMessage()
    config = current_app.config
    message["From"] = formataddr((config["SCHOOL_NAME"], config["MAIL_FROM"]))
    message["To"] = address
    message["Subject"] = subject
    message.set_content(body)
    return message


def after_commit(function, *args) -> None:
    """Call function(*args) once the session's current transaction commits; a rollback drops it."""
    session = db.session()
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        sa.event.listen(session, "after_commit", _run_pending)
        sa.event.listen(session, "after_soft_rollback", _drop_pending)
    if not session.in_transaction():
        # Tie it to a transaction now, so a rollback before any query still drops it.
        session.begin()
    session.info[_PENDING].append((function, args))


def _run_pending(session):
    pending, session.info[_PENDING] = session.info[_PENDING], []
    for function, args in pending:
        function(*args)


def _drop_pending(session, previous_transaction):
    # Only the outermost rollback undoes everything; a savepoint's leaves the rest standing.
    if previous_transaction.parent is None:
        session.info[_PENDING] = []


def _without_flushing(hook):
    """A hook reads and queries, but must not flush the caller's changes before its commit."""

    @functools.wraps(hook)
    def wrapper(fault):
        with db.session.no_autoflush:
            hook(fault)

    return wrapper


@_without_flushing
def fault_reported(fault: Fault) -> None:
    """An unsafe fault: the admins hear of it at once."""
    if not enabled() or fault.urgency != Urgency.UNSAFE:
        return
    _after_commit_send(
        _admin_addresses(),
        f"【危险】{fault.asset.name} 报修 / Unsafe: {_english_name(fault.asset)} reported",
        "有人报告了一项危险故障，请尽快安排维修。\n\n"
        "A fault that makes it unsafe was reported. Please assign a repairer soon.",
        fault,
    )


@_without_flushing
def fault_assigned(fault: Fault) -> None:
    """The repairer it was given to."""
    if not enabled():
        return
    _after_commit_send(
        _addresses(fault.assigned_to),
        f"新的维修任务：{fault.asset.name} / New repair job: {_english_name(fault.asset)}",
        "您有一项新的维修任务。\n\nYou have a new repair job.",
        fault,
    )


@_without_flushing
def fault_repaired(fault: Fault) -> None:
    """The reporter, to accept it; the admins when the reporter cannot be written to."""
    if not enabled():
        return
    _after_commit_send(
        _addresses(fault.reported_by) or _admin_addresses(),
        f"维修完毕，待验收：{fault.asset.name} / Repaired, to accept: {_english_name(fault.asset)}",
        "维修已完成，请到现场查看并验收签字。\n\n"
        "The repair is done. Please check it on the spot and accept it with your signature.",
        fault,
    )


@_without_flushing
def fault_reopened(fault: Fault) -> None:
    """The repairer: the repair was sent back."""
    if not enabled():
        return
    _after_commit_send(
        _addresses(fault.assigned_to),
        f"维修被退回：{fault.asset.name} / Repair sent back: {_english_name(fault.asset)}",
        "您完成的维修未通过验收，已重新打开，请查看原因。\n\n"
        "Your repair was not accepted and the fault is open again. Please see why.",
        fault,
    )


def _after_commit_send(addresses, subject, intro, fault):
    """Write the message now, while the fault can still be read, and send it after the commit.

    Nothing here flushes: a caller that commits inside a try (a duplicate report) must meet
    its own errors there. The link needs the fault's id, known once the commit has flushed it.
    """
    if not addresses:
        return
    asset = fault.asset
    text = f"{intro}\n\n{asset.name} ({asset.code})\n{fault.description}\n\n"
    after_commit(_send_with_link, addresses, subject, text, sa.inspect(fault))


def _send_with_link(addresses, subject, text, fault_state):
    send(addresses, subject, text + fault_link(fault_state.identity[0]) + "\n")


def fault_link(fault_id: int) -> str:
    # Built without the request: mail may be written from a command as well as a page.
    path = current_app.url_map.bind("").build("faults.show", {"fault_id": fault_id})
    return current_app.config["BASE_URL"] + path


def _english_name(asset):
    return asset.name_en or asset.name


def _addresses(user):
    return [user.email] if user is not None and user.active and user.email else []


def _admin_addresses():
    return list(
        db.session.scalars(
            sa.select(User.email)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.email.is_not(None))
            .where(User.email != "")
            .order_by(User.id)
        )
    )
