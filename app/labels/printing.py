"""A print-ready page of label sheets, for the browser and for `flask qr export`.

Labels speak the school's language (SCHOOL_LANGUAGE), not the language of whoever prints
them: a Chinese kindergarten's plates are in Chinese even when the head reads Patrol in
English. The page around the sheets (its toolbar and notes) stays in the reader's language.
"""

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app import tenancy
from app.labels.qr import inline_svg
from app.labels.selection import Selection
from app.labels.sheets import Stock, layout

# Each language's own name for itself, so anyone can find theirs in the choice.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
HTML_LANGUAGES = {"zh": "zh-Hans", "en": "en"}


def school_language() -> str:
    return tenancy.school_language()


def language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


def _label_words() -> dict[str, str]:
    return {
        "asset": _("Scan to inspect or report a fault"),
        "blank": _("Scan to register this item"),
    }


def render_sheet(
    selection: Selection, stock: Stock, language: str, start: int = 1, **context
) -> str:
    """Self-contained HTML: its CSS and every QR code inline, nothing fetched.

    The selection's names and places must have been written in `language` (made under
    force_locale(language)); the labels' own words are written in it here.
    """
    with force_locale(language):
        words = _label_words()
    items = [(label, inline_svg(label.code, stock.error_level)) for label in selection.labels]
    return render_template(
        "labels/sheet.html",
        stock=stock,
        start=start,
        selection=selection,
        sheets=layout(stock, items, start),
        label_lang=HTML_LANGUAGES.get(language, language),
        label_words=words,
        **context,
    )
