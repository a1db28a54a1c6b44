import json

from flask import Response, current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app import routines, tenancy
from app.auth.access import staff_required
from app.core import outbox
from app.offline import bp
from app.offline.round import offline_round
from app.offline.shell import INSTALL_ICONS, SERVICE_WORKER, shell

# Matches the stylesheet: the header's blue, and the page's background.
THEME_COLOUR = "#1d4e89"
BACKGROUND_COLOUR = "#f3f5f8"


@bp.route("/sw.js")
def service_worker():
    """At the root, so its scope is the whole app; never cached by the browser's HTTP cache,
    so a new release is noticed on the next visit. The pages name the signed-in user in its
    address (?user=) only so that a sign-in or a sign-out installs it anew at once: what it
    keeps follows the session."""
    role = current_user.role if current_user.is_authenticated else None
    kept = shell(role, without_barcode_detector=request.args.get("decoder") == "1")
    source = f"const PATROL_SHELL = {json.dumps(kept)};\n" + SERVICE_WORKER.read_text()
    return Response(
        source,
        mimetype="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@bp.route("/manifest.webmanifest")
def manifest():
    body = {
        "name": tenancy.school_name(),
        "short_name": "Patrol",
        "description": _("Inspect, report and sign off the school's facilities."),
        "lang": "zh-Hans" if get_locale().language == "zh" else "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=path),
                "sizes": sizes,
                "type": "image/png",
                "purpose": purpose,
            }
            for path, sizes, purpose in INSTALL_ICONS
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=False),
        mimetype="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@bp.route("/offline")
def page():
    """What the phone shows for a page it has not kept: in both languages, since it is kept
    once for whoever signs in next, and names nobody."""
    texts = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            texts[language] = {
                "title": _("You are offline"),
                "body": _(
                    "This page was not kept on this phone. Pages you took offline from "
                    "Today still open, and what you send waits on this phone until the "
                    "network is back."
                ),
                "today": _("Today"),
                "retry": _("Try again"),
            }
    return render_template("offline/offline.html", texts=texts)


@bp.route("/offline/csrf")
def csrf_token():
    """A fresh token for a form saved earlier: its own may have expired with the session."""
    return outbox.answer(200, csrf_token=generate_csrf())


@bp.route("/offline/round")
@staff_required
def round_pages():
    """The pages "Take today's round offline" keeps, for the person signed in."""
    taken = offline_round(current_user, routines.today())
    return outbox.answer(200, urls=taken.urls, left_out=taken.left_out, user=current_user.id)
