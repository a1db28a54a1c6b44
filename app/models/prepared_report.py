"""Report PDFs laid out by the worker for one person, kept for a while to download."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import SchoolOwned, enum_column, utcnow


class PreparedStatus(enum.StrEnum):
    WAITING = "waiting"
    READY = "ready"
    FAILED = "failed"


class PreparedReport(SchoolOwned, db.Model):
    __tablename__ = "prepared_reports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # What was asked for, as the report page's query string (kind and period).
    choice: so.Mapped[str] = so.mapped_column(sa.String(200))
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    status: so.Mapped[PreparedStatus] = so.mapped_column(
        enum_column(PreparedStatus), default=PreparedStatus.WAITING
    )
    filename: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    content: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ready_at: so.Mapped[datetime | None]
    expires_at: so.Mapped[datetime | None]

    user: so.Mapped["User"] = so.relationship()  # noqa: F821
