"""Notices: what Patrol tells people, each for a reason, and its deliveries to them.

A notice is written in the same transaction as what caused it. Each of its deliveries (one
per person by email, one per chat channel) is sent by the worker at most once, and every
attempt is kept with the answer it got.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.common import SchoolOwned, enum_column, utcnow


class Reason(enum.StrEnum):
    UNSAFE = "unsafe"
    ASSIGNED = "assigned"
    TO_ACCEPT = "to_accept"
    REOPENED = "reopened"
    MORNING = "morning"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    OVERDUE_SUMMARY = "overdue_summary"
    WEEK = "week"
    NOBODY_ON_DUTY = "nobody_on_duty"
    TEST = "test"

    @property
    def label(self):
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.UNSAFE: _l("Unsafe now"),
    Reason.ASSIGNED: _l("A job for you"),
    Reason.TO_ACCEPT: _l("A repair to accept"),
    Reason.REOPENED: _l("Repair sent back"),
    Reason.MORNING: _l("Your checks today"),
    Reason.REMINDER: _l("Not done yet"),
    Reason.OVERDUE: _l("Overdue"),
    Reason.OVERDUE_SUMMARY: _l("Still overdue (daily summary)"),
    Reason.WEEK: _l("The week in numbers"),
    Reason.NOBODY_ON_DUTY: _l("A routine with nobody left to do it"),
    Reason.TEST: _l("Test message"),
}


class ChannelKind(enum.StrEnum):
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    WEBHOOK = "webhook"

    @property
    def label(self):
        return CHANNEL_KIND_LABELS[self]


CHANNEL_KIND_LABELS = {
    ChannelKind.WECOM: _l("WeChat Work group robot"),
    ChannelKind.DINGTALK: _l("DingTalk custom robot"),
    ChannelKind.FEISHU: _l("Feishu / Lark custom bot"),
    ChannelKind.WEBHOOK: _l("Signed JSON webhook"),
}


class Channel(SchoolOwned, db.Model):
    """A group chat (or another system) the school sends notices to, for the reasons chosen."""

    __tablename__ = "channels"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    kind: so.Mapped[ChannelKind] = so.mapped_column(enum_column(ChannelKind))
    url: so.Mapped[str] = so.mapped_column(sa.String(500))
    # DingTalk's and Feishu's signing secret, the webhook's HMAC key; never shown back in full.
    secret: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    language: so.Mapped[str] = so.mapped_column(sa.String(5), default="zh")
    # The reasons sent here, as Reason values joined by commas.
    reasons: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def reason_set(self) -> set[Reason]:
        return {Reason(value) for value in self.reasons.split(",") if value}

    @reason_set.setter
    def reason_set(self, reasons) -> None:
        self.reasons = ",".join(sorted(Reason(reason).value for reason in reasons))


class Notice(SchoolOwned, db.Model):
    """One thing to tell, once. `key` (scheduled notices) and `fault_event_id` (a fault's
    change) make the same event, seen twice, one notice."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.UniqueConstraint("reason", "fault_event_id"),
        # Scheduled notices' keys are unique within a school.
        sa.UniqueConstraint("key", "school_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reason: so.Mapped[Reason] = so.mapped_column(enum_column(Reason))
    key: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    fault_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("faults.id"), index=True)
    fault_event_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("fault_events.id"))
    checklist_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("checklists.id"))
    # What the message says, in plain values, so it reads the same whenever it is sent.
    facts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    fault: so.Mapped["Fault | None"] = so.relationship()  # noqa: F821
    fault_event: so.Mapped["FaultEvent | None"] = so.relationship()  # noqa: F821
    checklist: so.Mapped["Checklist | None"] = so.relationship()  # noqa: F821
    recipients: so.Mapped[list["User"]] = so.relationship(  # noqa: F821
        secondary="notice_recipients", order_by="User.id"
    )
    deliveries: so.Mapped[list["Delivery"]] = so.relationship(
        back_populates="notice", order_by="Delivery.id"
    )


notice_recipients = sa.Table(
    "notice_recipients",
    db.metadata,
    sa.Column("notice_id", sa.ForeignKey("notices.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class DeliveryStatus(enum.StrEnum):
    WAITING = "waiting"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self):
        return DELIVERY_STATUS_LABELS[self]


DELIVERY_STATUS_LABELS = {
    DeliveryStatus.WAITING: _l("Waiting"),
    DeliveryStatus.SENDING: _l("Sending"),
    DeliveryStatus.SENT: _l("Sent"),
    DeliveryStatus.FAILED: _l("Failed"),
}


class Delivery(SchoolOwned, db.Model):
    """A notice to one person by email, or to one chat channel; sent at most once.

    `recipient` is "email:<user id>" or "channel:<channel id>", unique per notice.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("notice_id", "recipient"),
        sa.Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    notice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("notices.id"), index=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(40))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    channel_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("channels.id"))
    status: so.Mapped[DeliveryStatus] = so.mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.WAITING
    )
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # A worker sending it holds it until then; past it, the send was interrupted.
    claimed_until: so.Mapped[datetime | None]
    attempt_count: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    sent_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    notice: so.Mapped[Notice] = so.relationship(back_populates="deliveries")
    user: so.Mapped["User | None"] = so.relationship()  # noqa: F821
    channel: so.Mapped[Channel | None] = so.relationship()
    attempts: so.Mapped[list["DeliveryAttempt"]] = so.relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id"
    )


class DeliveryAttempt(SchoolOwned, db.Model):
    """One try at sending, with what the other side answered (or why it could not)."""

    __tablename__ = "delivery_attempts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    delivery_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("deliveries.id"), index=True)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[datetime | None]
    ok: so.Mapped[bool | None]
    # The answer as received (cut to a few KB), or the error: never the channel's secret.
    answer: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    delivery: so.Mapped[Delivery] = so.relationship(back_populates="attempts")
