"""Writing a notice: what to tell, to whom, and through which deliveries.

Rules:
- A notice is written in the caller's session and transaction, never committed or flushed
  here: it stands or falls with what caused it.
- The same thing is told once: a notice whose `key`, or whose reason and fault event, was
  already written (in the database or earlier in this session) is not written again.
- Each active recipient with an email address gets an email delivery, when the school has a
  mail server (MAIL_SERVER); each active chat channel that chose the reason gets one too.
  Someone with no address is still a recipient: the notice records whom it was for.
"""

import sqlalchemy as sa

from app import mail
from app.extensions import db
from app.models import Channel, Delivery, Notice, Reason


def write(
    reason: Reason,
    *,
    facts: dict,
    recipients=(),
    key: str | None = None,
    fault=None,
    fault_event=None,
    checklist=None,
) -> Notice | None:
    """Add the notice, its active recipients and its deliveries; None when already written."""
    with db.session.no_autoflush:
        if _already_written(reason, key, fault_event):
            return None
        people = list({person.id: person for person in recipients if person.active}.values())
        notice = Notice(
            reason=reason,
            key=key,
            fault=fault,
            fault_event=fault_event,
            checklist=checklist,
            facts=facts,
            recipients=people,
        )
        if mail.enabled():
            for person in people:
                if person.email:
                    notice.deliveries.append(
                        Delivery(recipient=f"email:{person.id}", user=person)
                    )
        for channel in _channels_for(reason):
            notice.deliveries.append(Delivery(recipient=f"channel:{channel.id}", channel=channel))
        db.session.add(notice)
    return notice


def _already_written(reason: Reason, key: str | None, fault_event) -> bool:
    for pending in db.session.new:
        if isinstance(pending, Notice) and (
            (key is not None and pending.key == key)
            or (
                fault_event is not None
                and pending.reason == reason
                and pending.fault_event is fault_event
            )
        ):
            return True
    same = []
    if key is not None:
        same.append(Notice.key == key)
    if fault_event is not None and fault_event.id is not None:
        same.append(sa.and_(Notice.reason == reason, Notice.fault_event_id == fault_event.id))
    return bool(same) and db.session.scalar(sa.select(sa.exists().where(sa.or_(*same))))


def _channels_for(reason: Reason) -> list[Channel]:
    channels = db.session.scalars(
        sa.select(Channel).where(Channel.active.is_(True)).order_by(Channel.id)
    )
    return [channel for channel in channels if reason in channel.reason_set]
