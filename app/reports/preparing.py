"""Report PDFs prepared by the worker for the person who asked, and kept for a while.

Laying out a term's PDF takes seconds, too long for a request. So:

- Asking (`ask`) writes a waiting PreparedReport for this person, the choice (the report
  page's query string) and the language they read; the view enqueues the worker's task,
  which lays it out (`lay_out`) and keeps the bytes, or why it could not.
- Asking again for the same choice in the same language, while one is waiting or ready,
  gives that one: a double tap prepares one PDF. One still waiting after STALLED (the
  worker stopped half-way, or was down) no longer counts: asking again queues a new one.
  A failed one never counts: asking again is trying again.
- Only its asker sees it or downloads it (`find_for`), and only while it is kept: until
  PREPARED_REPORT_HOURS after it was asked for, counted again from when it was made. The
  worker's tick deletes the expired ones (`delete_expired`).
"""

import logging
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import PreparedReport, PreparedStatus, User
from app.models.common import utcnow
from app.reports import figures, pdf
from app.reports.choice import Choice
from app.reports.forms import ReportChoiceForm
from app.routines import today as school_today

log = logging.getLogger(__name__)
STALLED = timedelta(minutes=15)
# A term's PDF is ready within a minute; past that the page says the worker may be down.
SLOW = timedelta(minutes=1)


class ChoiceGone(Exception):
    """The choice no longer reads: its place or routine was deleted since it was asked for."""


def choice_key(choice: Choice) -> str:
    return urlencode(sorted(choice.args().items()))


def choice_args(prepared: PreparedReport) -> dict[str, str]:
    """The report page's query string for what was asked (for its links)."""
    return dict(parse_qsl(prepared.choice))


def kept_for() -> timedelta:
    return timedelta(hours=current_app.config["PREPARED_REPORT_HOURS"])


def ask(user: User, choice: Choice, language: str, now: datetime | None = None):
    """The PreparedReport for this person's choice, and whether it is new (to enqueue).
    Nothing is committed."""
    now = now or utcnow()
    key = choice_key(choice)
    # Two taps arriving at once: on PostgreSQL the second waits here for the first's commit,
    # then finds its PDF. SQLite ignores the lock: at worst the PDF is laid out twice.
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    found = db.session.scalar(
        sa.select(PreparedReport)
        .where(
            PreparedReport.user_id == user.id,
            PreparedReport.choice == key,
            PreparedReport.language == language,
            PreparedReport.expires_at > now,
            sa.or_(
                PreparedReport.status == PreparedStatus.READY,
                sa.and_(
                    PreparedReport.status == PreparedStatus.WAITING,
                    PreparedReport.created_at > now - STALLED,
                ),
            ),
        )
        .order_by(PreparedReport.id.desc())
        .limit(1)
    )
    if found is not None:
        return found, False
    prepared = PreparedReport(
        user=user, choice=key, language=language, created_at=now, expires_at=now + kept_for()
    )
    db.session.add(prepared)
    return prepared, True


def find_for(user: User, prepared_id: int, now: datetime | None = None) -> PreparedReport | None:
    """The person's own prepared report while it is kept; None for anyone else's."""
    now = now or utcnow()
    # The page asks again every few seconds; the PDF itself is read only to download it.
    prepared = db.session.get(
        PreparedReport, prepared_id, options=[so.defer(PreparedReport.content)]
    )
    if prepared is None or prepared.user_id != user.id or prepared.expires_at <= now:
        return None
    return prepared


def is_slow(prepared: PreparedReport, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return prepared.status == PreparedStatus.WAITING and prepared.created_at <= now - SLOW


def could_not_enqueue(prepared: PreparedReport) -> None:
    prepared.status = PreparedStatus.FAILED
    prepared.error = _("The server's task queue could not be reached. Try again in a moment.")


def lay_out(prepared_id: int, now: datetime | None = None) -> None:
    """The worker's part: lay out a waiting PDF and keep it, or keep why it failed.

    One already laid out (a task run twice) or deleted meanwhile is left alone. Commits.
    """
    prepared = db.session.get(PreparedReport, prepared_id)
    if prepared is None or prepared.status != PreparedStatus.WAITING:
        return
    language, choice, user = prepared.language, prepared.choice, prepared.user
    try:
        file_name, content = _render(choice, language, user.display_name)
    except ChoiceGone as gone:
        failure = str(gone)
    except Exception:
        # Whatever went wrong in the figures or in WeasyPrint: the log keeps the details,
        # the asker sees that it failed and can try again.
        log.exception("Could not lay out the report PDF %s (%s)", prepared_id, choice)
        db.session.rollback()
        with force_locale(language):
            failure = _("Something went wrong while laying it out; the server's log says what.")
    else:
        now = now or utcnow()
        prepared.status = PreparedStatus.READY
        prepared.filename, prepared.content = file_name, content
        prepared.ready_at, prepared.expires_at = now, now + kept_for()
        db.session.commit()
        return
    prepared = db.session.get(PreparedReport, prepared_id)
    prepared.status = PreparedStatus.FAILED
    prepared.error = failure
    db.session.commit()


def _render(choice_text: str, language: str, generated_by: str) -> tuple[str, bytes]:
    """The PDF as a request from the asker would have made it: the same page, in their
    language, its links and static files named under BASE_URL."""
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["BASE_URL"]), force_locale(language):
        choice = read_choice(choice_text)
        html, report = report_html(choice, for_pdf=True, generated_by=generated_by)
        content = pdf.render_pdf(html, figures.signature_images(report.signature_ids()))
        return choice.file_name("pdf"), content


def read_choice(choice_text: str) -> Choice:
    form = ReportChoiceForm(school_today(), formdata=MultiDict(parse_qsl(choice_text)))
    if not form.validate():
        reasons = [str(message) for messages in form.errors.values() for message in messages]
        raise ChoiceGone(" ".join(reasons))
    return form.choice


def choice_if_it_reads(prepared: PreparedReport) -> Choice | None:
    try:
        return read_choice(prepared.choice)
    except ChoiceGone:
        return None


def report_html(choice: Choice, for_pdf: bool, generated_by: str):
    """The report page, as shown or (for_pdf) as laid out on paper; and its figures."""
    report = figures.build_report(choice, school_today())
    html = render_template(
        "reports/report.html",
        report=report,
        choice=choice,
        args=choice.args(),
        generated_at=utcnow(),
        generated_by=generated_by,
        for_pdf=for_pdf,
        cjk_font_missing=not pdf.cjk_font_installed(),
    )
    return html, report


def delete_expired(now: datetime | None = None) -> int:
    """Deletes the prepared reports past their time; how many. Commits."""
    now = now or utcnow()
    deleted = db.session.execute(
        sa.delete(PreparedReport).where(PreparedReport.expires_at <= now)
    ).rowcount
    db.session.commit()
    return deleted
