"""The app shell a phone keeps: every file under static/, the offline page and the manifest,
under a cache name that changes whenever any of them (or the service worker) changes.

Every file under static/ is kept, so a script or vendored file added later is offline too
without anyone remembering to list it.
"""

import hashlib
from pathlib import Path

from flask import current_app, url_for

SERVICE_WORKER = Path(__file__).with_name("service_worker.js")
# Shown by the service worker; part of the version so a new wording replaces the old one.
OFFLINE_TEMPLATE = "offline/offline.html"
# Documentation beside vendored files is not for the phone.
NOT_SHELL = {".md", ".LICENSE", ".txt"}


def static_files() -> list[Path]:
    root = Path(current_app.static_folder)
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix not in NOT_SHELL
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def shell_urls() -> list[str]:
    root = Path(current_app.static_folder)
    files = [
        url_for("static", filename=path.relative_to(root).as_posix()) for path in static_files()
    ]
    return [url_for("offline.page"), url_for("offline.manifest"), *files]


def shell_version() -> str:
    """A hash of everything the shell is made of: a release that changes any of it gets a new
    cache, and the old one is dropped when the new service worker takes over."""
    digest = hashlib.sha256()
    root = Path(current_app.static_folder)
    templates = Path(current_app.template_folder)
    sources = [
        *((path.relative_to(root).as_posix(), path) for path in static_files()),
        ("sw", SERVICE_WORKER),
        (OFFLINE_TEMPLATE, templates / OFFLINE_TEMPLATE),
    ]
    for name, path in sources:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]
