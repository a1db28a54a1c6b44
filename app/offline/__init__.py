"""Working in the field: the installable app (manifest, service worker, offline page), the
round a phone takes offline, and the fresh CSRF token the outbox sends with."""

from flask import Blueprint

bp = Blueprint("offline", __name__)

from app.offline import texts, views  # noqa: E402, F401
