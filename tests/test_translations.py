"""Every string a user can see has a Chinese translation, with the same placeholders."""

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_messages():
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        # A plural message is filed under its singular form.
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def test_every_string_has_a_chinese_translation():
    with CATALOG.open("rb") as po_file:
        catalog = read_po(po_file)
    problems = []
    for msgid, where in source_messages().items():
        entry = catalog.get(msgid)
        translation = entry.string if entry else ""
        if isinstance(translation, tuple):
            translation = translation[0]
        if not translation or entry.fuzzy:
            problems.append(f"{where}: no Chinese for {msgid!r}")
        elif placeholders(msgid) != placeholders(translation):
            problems.append(f"{where}: placeholders differ in {msgid!r}")
    assert not problems, "\n".join(problems)


def test_lazy_messages_with_user_text_are_escaped(app):
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context():
        message = lazy_gettext("Unknown kind “%(kind)s”.", kind="<script>x</script>")
        page = render_template_string("{{ message }}", message=message)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_the_request_catalog_follows_force_locale_and_refresh(app):
    """The catalog kept for a request is reused only for the locale it was found for."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh
    from flask_babel import gettext as _
    from flask_babel import lazy_gettext as _l

    from app.i18n import LANGUAGE_COOKIE, current_locale

    def shown():
        return (
            _("Today"),
            str(_l("Today")),
            render_template_string("{{ _('Today') }}"),
            current_locale().language,
        )

    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert shown() == ("今日巡检", "今日巡检", "今日巡检", "zh")
        with force_locale("en"):
            assert shown() == ("Today", "Today", "Today", "en")
        assert shown() == ("今日巡检", "今日巡检", "今日巡检", "zh")

    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert shown() == ("Today", "Today", "Today", "en")
        refresh()
        assert shown() == ("Today", "Today", "Today", "en")
