"""Who may read /metrics: they tell how busy each page is and what failed, not for everyone.

- With METRICS_TOKEN set, a request carrying `Authorization: Bearer <METRICS_TOKEN>`, from
  anywhere, and no other.
- Without it, a request straight from this machine or the school's private network
  (INSIDE below) that came through no proxy: one that
  carries X-Forwarded-For came through nginx, from wherever the phone is, and is refused.
  Prometheus scrapes each app server on its own address anyway (app.metrics).
"""

import hmac
import ipaddress

from flask import current_app, request

BEARER = "Bearer "
# This machine, and the private networks a school or a data centre numbers its own in.
INSIDE = tuple(
    ipaddress.ip_network(network)
    for network in ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                    "fc00::/7")
)


def allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"{BEARER}{token}".encode())
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    return _inside(request.remote_addr)


def _inside(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return any(ip in network for network in INSIDE)
