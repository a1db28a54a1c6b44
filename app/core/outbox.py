"""Answers for the phone's outbox: forms saved offline and sent later by JavaScript.

The outbox marks its sends with the X-Patrol-Outbox header. Such a send is answered with
JSON and a status the script can act on — never a redirect or an HTML page it cannot show:
201 recorded, 200 already recorded (a repeat of the same client id), 400 with the field
errors, 401 signed out, 403 wrong role or wrong person, 409 refused (the asset was retired,
or the client id is another form's: app/sent_forms), 429 too many reports without an account
for now, 503 busy (the database was locked or out of reach, or every photo decoder was busy;
nothing recorded). After a 429 or a 503 the phone keeps the send and tries again later.
docs/outbox.openapi.json describes them; a test keeps it in step with the URL map.
"""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

OUTBOX_HEADER = "X-Patrol-Outbox"
# Who entered the saved form: a user's id, or "public" for a report made without signing in.
# A send made later under someone else's sign-in must not be recorded, and signed, as theirs.
ENTERED_BY_HEADER = "X-Patrol-Entered-By"
PUBLIC = "public"


def is_outbox_request() -> bool:
    return request.headers.get(OUTBOX_HEADER) == "1"


def answer(status: int, **body):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def recorded(url: str, created: bool, **more):
    return answer(201 if created else 200, url=url, created=created, **more)


def field_errors(errors: dict):
    """400 with every message in the user's language, by field name."""
    return answer(
        400,
        error="invalid",
        message=_("Nothing was sent yet. Please correct the marked items and send again."),
        errors={str(name): [str(m) for m in messages] for name, messages in errors.items()},
    )


def refused(message):
    return answer(409, error="refused", message=str(message))


def too_many(message, retry_after: int):
    """429: nothing recorded; send it again after retry_after seconds (also in Retry-After)."""
    response = answer(429, error="too_many", message=str(message), retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def signed_out():
    return answer(401, error="signed_out", message=_("Sign in again to send what is waiting."))


def sent_as_public() -> bool:
    """A public report kept on a phone where someone has signed in since: still public."""
    return is_outbox_request() and request.headers.get(ENTERED_BY_HEADER) == PUBLIC


def init_app(app):
    @app.before_request
    def check_who_sends():
        if not (is_outbox_request() and request.method == "POST"):
            return None
        entered_by = request.headers.get(ENTERED_BY_HEADER, "")
        if entered_by in ("", PUBLIC):
            return None
        if not current_user.is_authenticated:
            # Staff's saved report must not turn into a public one because the sign-in lapsed.
            return signed_out()
        if entered_by != str(current_user.id):
            return answer(
                403,
                error="someone_else",
                message=_(
                    "This was entered by someone else on this phone. "
                    "They must sign in to send it."
                ),
            )
        return None
