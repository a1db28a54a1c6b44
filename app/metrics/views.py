import os

from flask import make_response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.extensions import limiter
from app.metrics import access, bp, requests
from app.metrics.state import WorkState

limiter.exempt(bp)


@bp.route("/metrics")
def metrics():
    if not access.allowed():
        response = make_response("not allowed\n", 403)
        response.mimetype = "text/plain"
        return response
    response = make_response(generate_latest(_registry()))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker process's counts, added up from their files.
        MultiProcessCollector(registry)
    else:
        registry.register(requests.REGISTRY)
    registry.register(WorkState())
    return registry
