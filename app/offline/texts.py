"""The words of the outbox, the offline round and the drafts, for the scripts that show them.

Rendered into every page as JSON, in the page's language; {num}, {time}, {done} and {total}
are filled in by the scripts.
"""

from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from app.i18n import current_locale
from app.offline import bp


def outbox_texts() -> dict:
    return {
        "waiting": _("%(num)s waiting to send", num="{num}"),
        "waiting_offline": _("%(num)s waiting, sent when the network is back", num="{num}"),
        "send_now": _("Send now"),
        "offline": _("No network: they are kept on this phone and sent when it is back."),
        "saved": _("Saved on this phone. It is sent as soon as there is a network."),
        "not_saved": _(
            "This phone could not keep the form. Nothing was sent: keep the page open and "
            "send it again when there is a network."
        ),
        "sent": _("Sent:"),
        "untitled": _("A form sent without a network"),
        "sign_in": _("Sign in to send"),
        "entered": _("What was entered"),
        "photos": _("%(num)s photos", num="{num}"),
        "remove": _("Remove from this phone"),
        "remove_confirm": _("Remove it from this phone? It was not sent and cannot be recovered."),
        "taking": _("Keeping the round on this phone…"),
        "taking_count": _(
            "Keeping the round on this phone: %(done)s of %(total)s",
            done="{done}",
            total="{total}",
        ),
        "taken": _("%(num)s pages kept on this phone, %(time)s.", num="{num}", time="{time}"),
        "not_taken": _("%(num)s could not be kept.", num="{num}"),
        "left_out": _(
            "%(num)s more did not fit: the most pressing were kept.", num="{num}"
        ),
        "take_failed": _("The round could not be kept: there is no network. Try again."),
        "correct": _("Correct it in its form"),
        "draft_restored": _(
            "Restored from a draft kept on this phone, last changed %(time)s.", time="{time}"
        ),
        "draft_discard": _("Discard draft"),
        "draft_discard_confirm": _(
            "Discard this draft? What was entered is cleared from the form and from this phone."
        ),
        "correcting": _(
            "This is what was entered, kept on this phone. Correct what is marked and send it "
            "again."
        ),
    }


# Every page carries these words, and the catalogs do not change while the app runs: each
# language's JSON is made once.
_texts_json: dict[str, Markup] = {}


def outbox_texts_json() -> Markup:
    language = str(current_locale())
    if language not in _texts_json:
        _texts_json[language] = htmlsafe_json_dumps(outbox_texts())
    return _texts_json[language]


@bp.app_context_processor
def offline_context():
    return {"outbox_texts_json": outbox_texts_json}
