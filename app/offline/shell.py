"""The app shell a phone keeps: the offline page and the files under static/ that the pages
this person can open load, under a cache name that changes whenever any of them (or the
service worker) changes.

The files are kept by their hashed names (app/static_files.py), the very URLs the pages load:
the browser's HTTP cache answers the precache for a file a page has already loaded, so
nothing is fetched twice.

Every file under static/ is kept unless named below, so a script added later is offline too
without anyone remembering to list it; one that only some people's pages load is one line in
ONLY_FOR.
"""

import hashlib
import json
from pathlib import Path

from flask import current_app, url_for

from app.models import SCHOOL_ROLES, Role

SERVICE_WORKER = Path(__file__).with_name("service_worker.js")
# Shown by the service worker; part of the version so a new wording replaces the old one.
OFFLINE_TEMPLATE = "offline/offline.html"
# Documentation beside vendored files is not for the phone.
NOT_SHELL = {".md", ".LICENSE", ".txt"}
# The icons the manifest names: the browser fetches them to install the app; no page shows them.
INSTALL_ICONS = (
    ("icons/patrol-192.png", "192x192", "any"),
    ("icons/patrol-512.png", "512x512", "any"),
    ("icons/patrol-maskable-512.png", "512x512", "maskable"),
)
STAFF = frozenset(SCHOOL_ROLES)
# Files that only some people's pages load, and whose: kept on those people's phones only.
# A visitor (signed out) opens plates, fault reports and sign-in, which load none of them.
ONLY_FOR = {
    "css/report.css": {Role.ADMIN},
    "js/print.js": {Role.ADMIN},
    "js/stocktake.js": {Role.ADMIN, Role.INSPECTOR},
    "js/inspection.js": {Role.ADMIN, Role.INSPECTOR},
    "js/signature.js": STAFF,
    "js/scanner.js": STAFF,
    "js/round_offline.js": STAFF,
    "vendor/signature_pad.umd.min.js": STAFF,
}
# Loaded by scanner.js only on a browser without BarcodeDetector (not Android Chrome), which
# asks for its worker with ?decoder=1 (static/js/outbox_page.js).
DECODER = {"vendor/qr-scanner.umd.min.js", "vendor/qr-scanner-worker.min.js"}
# Files that another file loads by their plain name: kept by that name, the one asked for.
BY_PLAIN_NAME = {"vendor/qr-scanner-worker.min.js"}  # import("./qr-scanner-worker.min.js")


def static_files() -> list[Path]:
    root = Path(current_app.static_folder)
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix not in NOT_SHELL
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def kept_files(role: Role | None, without_barcode_detector: bool) -> list[str]:
    """The names under static/ that this person's phone keeps (role None: signed out)."""
    root = Path(current_app.static_folder)
    not_for_pages = {name for name, _, _ in INSTALL_ICONS}
    kept = []
    for path in static_files():
        name = path.relative_to(root).as_posix()
        if name in not_for_pages or (name in ONLY_FOR and role not in ONLY_FOR[name]):
            continue
        if name in DECODER and not (without_barcode_detector and role in STAFF):
            continue
        kept.append(name)
    return kept


def shell(role: Role | None, without_barcode_detector: bool) -> dict:
    """What the server writes at the top of the service worker as PATROL_SHELL."""
    files = [
        f"{current_app.static_url_path}/{name}"
        if name in BY_PLAIN_NAME
        else url_for("static", filename=name)
        for name in kept_files(role, without_barcode_detector)
    ]
    offline = url_for("offline.page")
    urls = [offline, *files]
    return {
        "version": shell_version(urls),
        "urls": urls,
        "offline": offline,
        # The outbox's queue and the IndexedDB store it is kept in, which the worker imports.
        "store": url_for("static", filename="js/store.js"),
        "outbox": url_for("static", filename="js/outbox.js"),
    }


def shell_version(urls: list[str]) -> str:
    """A hash of everything the shell is made of: the files' names carry their contents' hash,
    so a release that changes any of them gets a new cache, and the old one is dropped when
    the new service worker takes over."""
    digest = hashlib.sha256()
    templates = Path(current_app.template_folder)
    digest.update(json.dumps(urls).encode())
    for path in (SERVICE_WORKER, templates / OFFLINE_TEMPLATE):
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
