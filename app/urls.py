"""Where a form may send the user next, and the addresses printed on labels."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

from app.request_values import MAX_DATABASE_INT


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: a crafted link must not bounce a user to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def scan_url(code: str) -> str:
    """What a label's QR code encodes: the one door from a label into the app."""
    return f"{current_app.config['BASE_URL']}/q/{code}"


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route, bounded to what a database integer holds.

    A larger number in a URL would otherwise overflow in the driver and answer 500, not 404.
    """

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(url_map, *args, **kwargs)
