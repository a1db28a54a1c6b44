"""The fault page as a phone draws it."""

from tests.browser.helpers import sign_in


def test_the_description_starts_on_the_cards_first_line(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/faults/1")
    description = page.locator(".card > .fault-description").first
    # A paragraph's own top margin inside the card's padding read as a blank first line.
    gap = description.evaluate(
        "e => e.getBoundingClientRect().top - e.parentElement.getBoundingClientRect().top"
        " - parseFloat(getComputedStyle(e.parentElement).paddingTop)"
    )
    assert gap <= 1
