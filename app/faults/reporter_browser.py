"""The browser a public report was sent from: a public reporter has no account to know them by.

The browser is given a random id in a cookie of its own (httponly, for a year) when it is
shown the report form without a sign-in, or sends one; a public report keeps the id's hash.
Only that browser repeats the report (its client id sent from anywhere else is another form,
refused) and opens the report's confirmation page with its photos: the page's address alone
opens nothing. A cookie of its own rather than the session, because the session is replaced
at sign-in, and a report kept in the outbox from before someone signed in on the phone is
still this browser's. The id is made when the form is shown, so a retry whose first answer
was lost on the network still comes from the browser that sent the first.
"""

import hashlib
import hmac
import re
import secrets

from flask import after_this_request, current_app, request

COOKIE = "patrol_reporter"
MAX_AGE = 365 * 24 * 3600
BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{43}")


def _sent() -> str | None:
    sent = request.cookies.get(COOKIE, "")
    return sent if BROWSER_ID.fullmatch(sent) else None


def _hashed(browser_id: str) -> str:
    return hashlib.sha256(browser_id.encode()).hexdigest()


def this_browser() -> str:
    """This browser's id, hashed as a report keeps it; made and set in its cookie if it has none.

    Call it once per request: a browser without the cookie is given a new id each time.
    """
    browser_id = _sent()
    if browser_id is None:
        browser_id = secrets.token_urlsafe(32)

        @after_this_request
        def remember(response):
            response.set_cookie(
                COOKIE,
                browser_id,
                max_age=MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            )
            return response

    return _hashed(browser_id)


def is_the_reporters(fault) -> bool:
    """Whether this request comes from the browser the public report was sent from."""
    browser_id = _sent()
    return (
        browser_id is not None
        and fault.reporter_browser is not None
        and hmac.compare_digest(fault.reporter_browser, _hashed(browser_id))
    )
