"""The term report on a phone: every row a card, nothing hidden off to the side."""

import pytest

from app import routines
from app.terms import term_containing
from tests.browser.helpers import in_first_school, sign_in

WORDS = {"zh": {"missed": "漏检", "rate": "完成率"}, "en": {"missed": "Missed", "rate": "Rate"}}
# Each cell's column name as the phone shows it, and where the cell ends on the screen.
CELLS = """(row) => Array.from(row.querySelectorAll("td[data-label]")).map(cell => ({
    label: getComputedStyle(cell, "::before").content.replaceAll('"', ""),
    right: cell.getBoundingClientRect().right,
    text: cell.innerText,
  }))"""
DISPLAY = "(table) => getComputedStyle(table).display"


def _report_url(server):
    with in_first_school(server.app):
        term = term_containing(routines.today())
    return f"{server.url}/reports/report?period=term&term={term.start.isoformat()}"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_report_rows_are_cards_on_a_phone_and_tables_on_paper_and_a_desk(
    live_server, phone, language
):
    words = WORDS[language]
    page = phone(language)
    sign_in(page, live_server, "admin")
    page.goto(_report_url(live_server))

    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0
    routines_table = page.locator("table.cards").first
    assert routines_table.evaluate(DISPLAY) == "block"
    width = page.viewport_size["width"]
    for row in routines_table.locator("tbody tr").all():
        cells = row.evaluate(CELLS)
        labels = [cell["label"] for cell in cells]
        assert words["missed"] in labels and words["rate"] in labels
        assert all(cell["right"] <= width for cell in cells), cells
    # No table on the page scrolls sideways on its own, out of a keyboard's reach.
    assert page.evaluate(
        "Array.from(document.querySelectorAll('main *'))"
        ".filter(el => el.scrollWidth > el.clientWidth + 1"
        " && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)).length"
    ) == 0

    page.emulate_media(media="print")
    assert routines_table.evaluate(DISPLAY) == "table"
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1024, "height": 768})
    assert routines_table.evaluate(DISPLAY) == "table"
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0
