"""Error pages in the user's language, never a bare stack trace."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import Forbidden

from app import database, request_log
from app.core import outbox
from app.core.photos import DecodersBusy
from app.core.sent_forms import ClientIdMalformed, FormReused
from app.extensions import db, login_manager

PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (
        _l("Not allowed"),
        _l("Your role does not allow this page. Ask the logistics head if you need it."),
    ),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is too large. Send a smaller file.")),
    429: (
        _l("Too many tries"),
        _l("Too many tries in a short time. Wait a few minutes, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("Patrol hit an error. Nothing you sent was half-saved; please try again."),
    ),
}

PHOTOS_BUSY_PAGE = (
    _l("Busy"),
    _l("Patrol is busy with other photos. Nothing was saved yet: wait a moment and send again."),
)
DATABASE_BUSY_PAGE = (
    _l("Patrol is busy"),
    _l("Patrol is busy. Nothing was saved; try again in a moment."),
)
# The phone's outbox keeps a send answered 503 and sends it again later.
RETRY_AFTER_SECONDS = 5
NOT_RECORDED = _l("Not recorded")

NO_SCHOOL_PAGE = (
    _l("In no school"),
    _l("You no longer work in any school on Patrol. Ask a school's logistics head to add you."),
)


class NoSchool(Forbidden):
    """Signed in, but a member of no school any more (their last one removed them)."""


CSRF_PAGE = (
    _l("Form expired"),
    _l("This form has expired or was sent from elsewhere. Reload the page and send it again."),
)


def init_app(app):
    def render(status, title, message, code=None):
        # A server's failure is told with the request's id: the same id is in the log.
        request_id = request_log.request_id() if status >= 500 else None
        if outbox.is_outbox_request():
            more = {"request_id": request_id} if request_id else {}
            return outbox.answer(status, error=code or str(status), message=str(message), **more)
        return render_template(
            "error.html", title=title, message=message, request_id=request_id
        ), status

    for status, (title, message) in PAGES.items():
        if status != 500:
            app.register_error_handler(
                status, lambda error, s=status, t=title, m=message: render(s, t, m)
            )

    @app.errorhandler(500)
    def server_error(error):
        # The request's transaction may be the broken part (PostgreSQL refuses every statement
        # after a failed one): nothing of it is kept, and the page reads outside it.
        db.session.rollback()
        return render(500, *PAGES[500])
    app.register_error_handler(NoSchool, lambda error: render(403, *NO_SCHOOL_PAGE))
    app.register_error_handler(CSRFError, lambda error: render(400, *CSRF_PAGE, code="csrf"))

    def database_busy_page():
        db.session.rollback()
        # Who is signed in cannot be read either: the page is drawn as for someone signed
        # out, rather than asking the database again and failing with a 500.
        login_manager.as_signed_out()
        return busy(DATABASE_BUSY_PAGE, RETRY_AFTER_SECONDS)

    def busy(page, retry_after):
        response = app.make_response(render(503, *page, code="busy"))
        response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(DecodersBusy)
    def photos_busy(error):
        return busy(PHOTOS_BUSY_PAGE, error.retry_after)

    @app.errorhandler(OperationalError)
    def database_busy(error):
        """The database was locked or out of reach for a moment: 503, try again, never a 500.
        Any other OperationalError is a bug and goes on to the 500 page."""
        if not database.is_transient(error):
            raise error
        return database_busy_page()

    @app.errorhandler(PoolTimeout)
    def connections_busy(error):
        """Every connection of this server's pool was in use for the pool's whole timeout:
        nothing of the request reached the database, so it is busy, not broken."""
        return database_busy_page()

    app.register_error_handler(
        FormReused, lambda error: render(409, NOT_RECORDED, error.message, code="refused")
    )
    app.register_error_handler(
        ClientIdMalformed,
        lambda error: render(400, NOT_RECORDED, error.message, code="malformed"),
    )
