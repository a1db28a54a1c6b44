"""Sending the notices' deliveries: at most once each, never lost, tried again for a day.

The rules:
- A delivery is claimed before it is sent: one atomic UPDATE turns it from waiting to
  sending, holding it until `claimed_until` (the longest a send can take, plus a margin),
  and commits. Only the worker whose UPDATE changed the row sends it, so two workers racing
  never both send one.
- The attempt is written and committed before the send, and its answer after: every send
  leaves a trace, even one cut short.
- A delivery still sending once its claim has run out was interrupted (the worker was killed
  mid-send). It is marked failed, "it may have arrived", and never sent again by itself: at
  most once wins over at least once, since a notice told twice teaches people to ignore
  them. A person who finds it missing resends it.
- The other side's answer decides (senders.py): sent; or waiting again, for 30 s, then 1, 2,
  5, 10, 30 minutes, then every hour; or failed with that answer, once a day has passed
  since its run began.
- A run begins when the delivery is written (created_at) and again when a person resends it
  (resend): the resent delivery has a new day of tries, its waits starting again at 30 s.
  `attempt_count` counts the tries of the current run; the attempts of every run stay. So
  the current run began at created_at when all the attempts are its own, else at its first
  attempt (made as soon as the worker saw the resend).
- What no new try can mend fails at once, with its reason and an attempt that sent nothing:
  an email to someone with no email address any more, or whose account was switched off; a
  chat whose channel was switched off or removed.
- The message is `messages.render(notice, language)`, made at send time: an email in the
  person's language (else SCHOOL_LANGUAGE), a chat in the channel's. A chat names the
  notice's active recipients who gave a mobile number, where the chat can.
- The reasons and answers kept are in SCHOOL_LANGUAGE, for the logistics head to read.

`now` (naive UTC) stands for the present throughout, so tests control time; by default,
the clock.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app import tenancy
from app.extensions import db
from app.models import Delivery, DeliveryAttempt, DeliveryStatus
from app.models.common import utcnow
from app.notices import messages
from app.notices.senders import Answer, send_chat, send_email

RETRY_WAITS = (
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
LATER_RETRY_WAIT = timedelta(hours=1)
RETRY_FOR = timedelta(days=1)
# Beyond the send's own time-outs (connecting, then answering): the database and rendering.
CLAIM_MARGIN = timedelta(minutes=2)


def deliver_due(now: datetime | None = None, limit: int = 50) -> int:
    """Mark the interrupted sends failed, then send up to `limit` deliveries waiting and due,
    the longest waiting first. Returns how many were sent."""
    clock = (lambda: now) if now is not None else utcnow
    _mark_interrupted(clock())
    due = db.session.scalars(
        sa.select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.WAITING, Delivery.next_attempt_at <= clock())
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = 0
    for delivery_id in due:
        if _claim(delivery_id, clock()):
            with force_locale(tenancy.school_language()):
                sent += _send_claimed(db.session.get(Delivery, delivery_id), clock)
    return sent


def resend(delivery: Delivery, now: datetime | None = None) -> None:
    """Send a failed delivery again, as a new run with a new day of tries (in the caller's
    transaction). Only a failed one: any other is sent, or on its way, already."""
    if delivery.status != DeliveryStatus.FAILED:
        return
    delivery.status = DeliveryStatus.WAITING
    delivery.next_attempt_at = now or utcnow()
    delivery.attempt_count = 0
    delivery.claimed_until = None


def retry_wait(failed_tries: int) -> timedelta:
    """How long to wait after the run's `failed_tries`-th failed try."""
    if failed_tries <= len(RETRY_WAITS):
        return RETRY_WAITS[failed_tries - 1]
    return LATER_RETRY_WAIT


def _mark_interrupted(now):
    with force_locale(tenancy.school_language()):
        reason = _("Interrupted while sending: it may have arrived; send it again if not.")
    stuck = db.session.scalars(
        sa.select(Delivery.id).where(
            Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until < now
        )
    ).all()
    for delivery_id in stuck:
        # Only if still stuck: the send may have just ended, its answer the truth to keep.
        marked = db.session.execute(
            sa.update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.claimed_until < now,
            )
            .values(status=DeliveryStatus.FAILED, claimed_until=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount == 1:
            db.session.execute(
                sa.update(DeliveryAttempt)
                .where(
                    DeliveryAttempt.delivery_id == delivery_id,
                    DeliveryAttempt.finished_at.is_(None),
                )
                .values(answer=reason)
                .execution_options(synchronize_session=False)
            )
            current_app.logger.warning("Delivery %s was interrupted while sending", delivery_id)
        db.session.commit()


def _claim(delivery_id, now) -> bool:
    """Whether this worker won the delivery: its UPDATE, and only its, changed the row."""
    hold = timedelta(seconds=2 * current_app.config["NOTICE_SEND_TIMEOUT"]) + CLAIM_MARGIN
    claimed = db.session.execute(
        sa.update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == DeliveryStatus.WAITING,
            Delivery.next_attempt_at <= now,
        )
        .values(status=DeliveryStatus.SENDING, claimed_until=now + hold)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _send_claimed(delivery, clock) -> bool:
    try:
        send_or_problem = _prepare(delivery)
    except Exception as error:
        # A notice that cannot be written must not hold up the others behind it.
        current_app.logger.exception("Delivery %s could not be written", delivery.id)
        db.session.rollback()
        send_or_problem = _("The message could not be written: %(error)s", error=repr(error))
    attempt = DeliveryAttempt(delivery=delivery, started_at=clock())
    db.session.add(attempt)
    delivery.attempt_count += 1
    if isinstance(send_or_problem, str):
        _finish(delivery, attempt, Answer(False, send_or_problem), clock(), retry=False)
        return False
    db.session.commit()
    try:
        answer = send_or_problem()
    except Exception as error:
        # A sender's own mistake, not the other side's: kept as this try's answer and tried
        # again, not left "sending" to be taken for an interrupted send.
        current_app.logger.exception("Delivery %s failed in Patrol itself", delivery.id)
        answer = Answer(False, _("Patrol could not send it: %(error)s", error=repr(error)))
    _finish(delivery, attempt, answer, clock(), retry=True)
    return answer.ok


def _prepare(delivery):
    """The send to make (a function giving the Answer), or why it cannot be made."""
    notice = delivery.notice
    if delivery.recipient.startswith("email:"):
        person = delivery.user
        if person is None or not person.active:
            return _("This person's account is switched off.")
        if not person.email:
            return _("%(name)s has no email address any more.", name=person.display_name)
        language = person.language or tenancy.school_language()
        message = messages.render(notice, language)
        return lambda: send_email(person.email, message)
    channel = delivery.channel
    if channel is None:
        return _("The chat was removed.")
    if not channel.active:
        return _("The chat “%(name)s” is switched off.", name=channel.name)
    message = messages.render(notice, channel.language)
    mobiles = [person.mobile for person in notice.recipients if person.active and person.mobile]
    return lambda: send_chat(
        channel, message, mobiles, delivery_id=delivery.id, reason=notice.reason
    )


def _finish(delivery, attempt, answer, now, *, retry):
    attempt.finished_at = now
    attempt.ok = answer.ok
    attempt.answer = answer.text
    delivery.claimed_until = None
    if answer.ok:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.last_error = None
    elif retry and now - _run_began(delivery) < RETRY_FOR:
        delivery.status = DeliveryStatus.WAITING
        delivery.next_attempt_at = now + retry_wait(delivery.attempt_count)
        delivery.last_error = answer.text
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = answer.text
    db.session.commit()


def _run_began(delivery) -> datetime:
    attempts = delivery.attempts
    if len(attempts) <= delivery.attempt_count:
        return delivery.created_at
    return attempts[-delivery.attempt_count].started_at
