"""Static files under names that carry a hash of their contents, kept by phones for a year.

`url_for("static", filename="css/patrol.css")` gives `/static/css/patrol.<hash>.css`, the hash
being the first 12 hex digits of the file's SHA-256: a release that changes a file changes its
name, so a phone may keep it a year without asking again (`immutable`), and the service
worker's precache finds it in the HTTP cache instead of fetching it twice.

The plain name (`/static/css/patrol.css`) is served as before, revalidated on every use, for
pages kept on phones from before and anything that names a file by hand; so is a hashed name
from an earlier release, with the file as it is now and not kept long.

Worked out on first use and again when a file's size or modification time changes, so nothing
has to be built: Flask-Static-Digest writes hashed copies with a command that every install,
the demo and the tests would have to run first, and leaves their caching to
SEND_FILE_MAX_AGE_DEFAULT, which would keep the plain names a year too.
"""

import hashlib
import os
import re
import stat
from pathlib import Path, PurePosixPath

from flask import current_app, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

DIGEST_LENGTH = 12
HASHED_NAME = re.compile(r"(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[^./]+)")
A_YEAR = 365 * 24 * 3600

# (absolute path) -> ((modification time, size), digest)
_digests: dict[str, tuple[tuple[int, int], str]] = {}


def stored_file(filename: str) -> Path | None:
    """The file under static/ that a plain or hashed name stands for, if there is one."""
    as_named = _regular_file(filename)
    if as_named is not None:
        return as_named
    hashed = HASHED_NAME.fullmatch(filename)
    return _regular_file(hashed["stem"] + hashed["suffix"]) if hashed else None


def digest(filename: str) -> str | None:
    """The start of a static file's SHA-256, or None when there is no such file."""
    path = _regular_file(filename)
    if path is None:
        return None
    status = path.stat()
    version = (status.st_mtime_ns, status.st_size)
    known = _digests.get(str(path))
    if known is None or known[0] != version:
        known = (version, hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH])
        _digests[str(path)] = known
    return known[1]


def hashed_name(filename: str) -> str:
    """css/patrol.css -> css/patrol.<hash>.css; a name with no file or no suffix unchanged."""
    name = PurePosixPath(filename)
    file_digest = digest(filename)
    if file_digest is None or not name.suffix:
        return filename
    return str(name.with_name(f"{name.stem}.{file_digest}{name.suffix}"))


def _regular_file(filename: str) -> Path | None:
    joined = safe_join(current_app.static_folder, filename)
    if joined is None:
        return None
    try:
        return Path(joined) if stat.S_ISREG(os.stat(joined).st_mode) else None
    except OSError:
        return None


def send_static(filename: str):
    hashed = HASHED_NAME.fullmatch(filename)
    if hashed is None or _regular_file(filename) is not None:
        return current_app.send_static_file(filename)
    plain = hashed["stem"] + hashed["suffix"]
    if hashed["digest"] != digest(plain):
        return current_app.send_static_file(plain)
    response = send_from_directory(current_app.static_folder, plain, max_age=A_YEAR)
    response.cache_control.immutable = True
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, except that a static file does not vary by cookie.

    Flask-Login looks at the session on every response, so Flask marks every one
    `Vary: Cookie`; on a file that is the same for everyone, that makes a browser fetch it
    again each time its cookies change (a sign-in, a flashed message)."""

    def save_session(self, app, session, response):
        super().save_session(app, session, response)
        if request.endpoint == "static":
            # Lower case: werkzeug's HeaderSet.discard matches the header's name as given.
            response.vary.discard("cookie")


def init_app(app):
    app.session_interface = SessionInterface()
    app.view_functions["static"] = send_static

    @app.url_defaults
    def name_static_files_by_contents(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = hashed_name(values["filename"])
