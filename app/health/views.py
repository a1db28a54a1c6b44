from flask import make_response

from app.extensions import limiter
from app.health import bp, readiness

limiter.exempt(bp)


def _plain(text: str, status: int = 200):
    response = make_response(f"{text}\n", status)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz():
    return _plain("ok")


@bp.route("/readyz")
def readyz():
    problem = readiness.problem()
    if problem is not None:
        return _plain(f"not ready: {problem}", 503)
    return _plain("ready")
