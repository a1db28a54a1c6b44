"""What each notice says, in the reader's language, from the facts written with it."""

from flask import current_app
from flask_babel import force_locale

from app.models import Notice, Reason
from app.notices.message import Message


def render(notice: Notice, language: str) -> Message:
    """The notice as a reader of `language` ("zh" or "en") sees it."""
    with force_locale(language):
        return _WRITERS[notice.reason](notice)


def link(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def _test(notice: Notice) -> Message:
    facts = notice.facts
    return Message(facts["title"], tuple(facts.get("lines", ())), link(facts.get("path", "/")))


_WRITERS = {
    Reason.TEST: _test,
}
