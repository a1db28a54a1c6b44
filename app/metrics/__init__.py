"""Patrol's numbers for Prometheus, at `/metrics` (prometheus_client's text format).

- `patrol_http_requests_total{method, route, status}`: requests answered, by the URL rule
  they matched ("/scan/<code>", never the code itself; "unmatched" for a 404 that matched
  none), so the series stay few whatever addresses are asked for;
- `patrol_http_request_duration_seconds{method, route}`: how long they took (histogram);
- `patrol_worker_queue_length`: tasks waiting in the worker's queue (app/worker.py);
- `patrol_notice_deliveries_failed`: notices' deliveries that failed for good, every school.

The last two are read from the queue and the database when scraped, so any server tells
the same. The request counts are each server's own: Prometheus scrapes every app server
directly, never through the load balancer. Under gunicorn with several worker processes,
PROMETHEUS_MULTIPROC_DIR names a folder (emptied before each start) where each process
writes its counts and the scrape adds them up (prometheus_client's multiprocess mode).

Who may read them: app.metrics.access.
"""

from flask import Blueprint

bp = Blueprint("metrics", __name__)


def init_app(app) -> None:
    from app.metrics import requests

    app.after_request(requests.count)


from app.metrics import views  # noqa: E402, F401
