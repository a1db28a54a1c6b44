"""Chinese first, English second: choosing the language and keeping the catalogs compiled."""

import os
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import current_app, g, has_request_context, request
from flask_babel import Domain, get_locale
from flask_babel.speaklater import LazyString
from markupsafe import escape

LANGUAGE_COOKIE = "lang"

# Flask-Babel's lazy strings claim to be safe HTML, so a lazy message carrying what a user
# typed would reach the page unescaped. Patrol's messages hold no markup: escape them all.
LazyString.__html__ = lambda self: escape(str(self))
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """The switch on every page wins; otherwise the browser's language; otherwise Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return terminal_language()
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def terminal_language() -> str:
    """The language every command (`flask users`, `flask assets`, `flask qr`, …) speaks: the
    terminal's. As for any program, the first of LC_ALL, LC_MESSAGES and LANG that is set
    names it (LANG=zh_CN.UTF-8 → zh); a language Patrol does not speak, or none (C, POSIX),
    is answered in English, which every terminal can show."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            language = value[:2].lower()
            return language if language in current_app.config["LANGUAGES"] else "en"
    return "en"


# A page asks for its locale and catalog dozens of times (each message, each bilingual name,
# each label). Flask-Babel answers through several lookups each time; once it has chosen them
# for the request (or force_locale has set one), they sit on its namespace in g, read here
# directly. A catalog is reused only for the very locale object it was found for, so
# force_locale and refresh() take effect at once.


def current_locale() -> Locale | None:
    """get_locale(), cheaply once the request has chosen its locale."""
    try:
        locale = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):  # not chosen yet, or no app context
        return get_locale()
    return locale if locale is not None else get_locale()


class RequestDomain(Domain):
    """Flask-Babel's message domain, keeping the catalog it found for the request's locale."""

    def get_translations(self) -> NullTranslations:
        try:
            state = g._flask_babel
            found_for, catalog = state.patrol_catalog
            if found_for is state.babel_locale:
                return catalog
        except (AttributeError, RuntimeError):
            pass
        catalog = super().get_translations()
        state = g.get("_flask_babel") if g else None
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            state.patrol_catalog = (locale, catalog)
        return catalog


def install_request_domain(app, babel) -> None:
    """Python's _() and lazy labels, and the templates' _() and ngettext(), through it."""
    domain = RequestDomain(domain=app.extensions["babel"].default_domain)
    # Flask-Babel keeps its default domain in a cached property: this sets it once.
    babel.domain_instance = domain
    translations = domain.get_translations
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def compile_catalogs() -> None:
    """Compile each .po to .mo when it is newer, so a fresh clone needs no build step."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        # Write then rename: several server processes may start at once.
        partial = mo_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, mo_path)
