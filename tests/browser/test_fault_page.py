"""The fault page as a phone draws it."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.faults import lifecycle
from app.models import Fault, User
from tests.browser.helpers import in_first_school, sign_in
from tests.browser.test_languages import _fits_the_phone


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


def test_a_repairers_scan_opens_the_sign_off_of_the_repair_in_progress(live_server, phone):
    with in_first_school(live_server.app):
        fault = db.session.get(Fault, 1)
        repairer = db.session.scalar(sa.select(User).where(User.username == "repairer"))
        lifecycle.start(fault, repairer)
        db.session.commit()
        code = fault.asset.code
    page = phone("zh")
    sign_in(page, live_server, "repairer")
    page.goto(f"{live_server.url}/q/{code}")
    assert page.url.endswith("/faults/1#complete")
    # The form's heading shows under the sticky top bar, not behind it.
    heading = page.locator("#complete h2")
    assert heading.inner_text() == "签字完工"
    top_bar = page.locator(".topbar").bounding_box()
    assert top_bar["y"] + top_bar["height"] <= heading.bounding_box()["y"] < 740


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_job_nobody_has_is_started_and_signed_off_on_its_page(live_server, phone, language):
    page = phone(language)
    sign_in(page, live_server, "repairer")
    page.goto(f"{live_server.url}/faults/1")
    _fits_the_phone(page)
    assert page.locator("#complete").count() == 0
    page.click("form[action$='/start'] button.primary")
    page.locator("#complete").wait_for()
    assert page.locator("form[action$='/start'], form[action$='/take']").count() == 0
    _fits_the_phone(page)
