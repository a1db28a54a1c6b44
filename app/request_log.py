"""One log line per request, and the request id that ties it to the error page.

The id is the `X-Request-ID` the request came with (nginx's $request_id, a load balancer's)
when it is a plain token of at most 64 letters, digits, dots, dashes and underscores;
anything else, or none, is replaced by a new random id, so a hostile header can neither
forge a line in the log nor fill it. The id goes back in the `X-Request-ID` answer header,
on the 500 and 503 pages (app.errors), and in every log line written during the request
(app.logs).

The line says (after the id, which app.logs puts in every line): method, path (never the
query string, where a token may ride), status, the signed-in user's id, the school(s)
worked in, and the milliseconds taken, e.g.

    [4f1c…] app.request_log: GET /scan/A-0012 200 user=7 school=1 ms=12.3

Both are read from what the request already loaded: writing the line costs no query.
Probes (/healthz, /readyz) and metrics scrapes come every few seconds: their lines are
written at DEBUG, so an INFO log holds the requests of people.
"""

import logging
import re
import time
import uuid
from urllib.parse import quote

from flask import g, request

from app import tenancy
from app.extensions import login_manager
from app.logs import REQUEST_ID

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# A path is quoted back to what the phone sent (no line breaks or spaces in the log) and
# cut to this many characters.
PATH_MAX = 200
PATH_SAFE = "/:@!$&'()*+,;=-._~"
QUIET_ENDPOINTS = {"health.healthz", "health.readyz", "metrics.metrics"}
_STARTED = "request_started"

log = logging.getLogger(__name__)


def init_app(app) -> None:
    # Registered before every other hook: the time and the id cover all of the request.
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request(finish)


def start() -> None:
    if _STARTED in g:
        return
    setattr(g, _STARTED, time.perf_counter())
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    setattr(g, REQUEST_ID, incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex)


def request_id() -> str:
    """This request's id (made now if the request failed before the log's first hook ran)."""
    start()
    return g.get(REQUEST_ID)


def elapsed_seconds() -> float:
    """How long this request has taken so far."""
    return time.perf_counter() - g.get(_STARTED, time.perf_counter())


def finish(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    level = logging.DEBUG if request.endpoint in QUIET_ENDPOINTS else logging.INFO
    if log.isEnabledFor(level):
        log.log(
            level,
            "%s %s %d user=%s school=%s ms=%.1f",
            request.method,
            quote(request.path[:PATH_MAX], safe=PATH_SAFE),
            response.status_code,
            _user_id(),
            _schools(),
            elapsed_seconds() * 1000,
        )
    return response


def _user_id() -> str:
    user = login_manager.loaded_user()
    return str(user.id) if user is not None and user.is_authenticated else "-"


def _schools() -> str:
    ids = tenancy.known_school_ids()
    if not ids:
        return "-"
    return ids if isinstance(ids, str) else ",".join(map(str, ids))
