"""Each request counted by its route and status, and timed."""

from flask import request
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

from app import request_log

# A "_created" time stamp beside each counter only doubles the series.
disable_created_metrics()
# This process's own metrics; in multiprocess mode their values are written to files
# instead, and the scrape reads those (app.metrics.views).
REGISTRY = CollectorRegistry()
UNMATCHED = "unmatched"
# Up to ten seconds: a report PDF laid out in the request is the slowest page.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "patrol_http_requests",
    "Requests answered, by method, URL rule and status.",
    ("method", "route", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "patrol_http_request_duration_seconds",
    "Time taken to answer a request, by method and URL rule.",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)


def count(response):
    rule = request.url_rule
    route = rule.rule if rule is not None else UNMATCHED
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    LATENCY.labels(request.method, route).observe(request_log.elapsed_seconds())
    return response
