"""Where a form may send the user next, and the addresses printed on labels."""

from urllib.parse import urlsplit

from flask import current_app


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
