"""The stocktake page in a real browser: counting in scanning mode through the in-app scanner's
API (stood in for by a fake camera), with the CSRF token, answer by answer."""

import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.extensions import db
from app.models import PlaceKind, StocktakeScan
from tests.conftest import PASSWORD
from tests.factories import make_asset, make_place

# The camera is played by the test: the scanner's open() (static/js/scanner.js) hands it the
# page's onCode instead of starting a camera.
FAKE_CAMERA = """() => {
  window.patrolScanner.open = function (options) {
    window.readByCamera = options.onCode;
    return {stop: function () {}};
  };
}"""


@pytest.fixture
def counting_server(app):
    """Two rooms and an item in each, on the suite's own database (SQLite or PostgreSQL)."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        room = make_place("小一班", "Junior Class 1", PlaceKind.ROOM, code="JJ2345")
        other = make_place("小二班", "Junior Class 2", PlaceKind.ROOM, code="KK2345")
        make_asset("吊扇", "Ceiling fan", place=room, code="FAN222")
        make_asset("紫外线灯", "UV lamp", place=other, code="UVM222")
        db.session.commit()
        room_id = room.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", room_id
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(phone):
    return phone("en")


def test_scanning_mode_counts_each_code_and_shows_the_answers_line_by_line(
    app, counting_server, page
):
    base, room_id = counting_server
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("main button.primary")
    page.goto(f"{base}/stocktakes/new")
    page.select_option("#place", str(room_id))
    page.click("main button.primary")
    page.wait_for_url(f"{base}/stocktakes/1")
    page.evaluate(FAKE_CAMERA)

    page.click("[data-scan]")
    for code in ("FAN222", "UVM222", "FAN222", "ZZZ999"):
        assert page.evaluate(f"window.readByCamera('{code}', '{base}/q/{code}')") is True
    results = page.locator("[data-results] li")
    expect(results).to_have_count(4)
    # The four were sent without waiting for each other: they may be answered in any order,
    # and either of the two sends of FAN222 may be the one that counted it.
    answers = sorted(results.all_inner_texts())
    assert answers[0].startswith("Already counted: Ceiling fan (FAN222), by Admin at ")
    assert answers[1:] == [
        "Code ZZZ999 is not in the register: listed as unknown.",
        "Counted: Ceiling fan.",
        "UV lamp: found here, but registered in Junior Class 2.",
    ]

    expect(page.locator("[data-score]")).to_have_text("Found 1 of 1")
    expect(page.locator("[data-count=missing]")).to_have_text("0")
    expect(page.locator("[data-count=elsewhere]")).to_have_text("1")
    expect(page.locator("[data-count=unknown]")).to_have_text("1")

    # A typed code goes the same way; a refused one stays in the field to be corrected.
    page.fill("#code", "<b>AB</b>")
    page.click("form[data-stocktake-count] button[type=submit]")
    expect(results).to_have_count(5)
    assert results.first.inner_text().startswith("“<b>AB</b>” is not a Patrol code")
    assert page.input_value("#code") == "<b>AB</b>"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StocktakeScan.id))) == 3


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_count_pills_stand_in_one_row_on_a_small_phone(app, counting_server, phone, language):
    base, room_id = counting_server
    page = phone(language)
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("main button.primary")
    page.goto(f"{base}/stocktakes/new")
    page.select_option("#place", str(room_id))
    page.click("main button.primary")
    page.wait_for_url(f"{base}/stocktakes/1")
    tops = page.locator(".stocktake-counts a").evaluate_all(
        "links => links.map((link) => Math.round(link.getBoundingClientRect().top))"
    )
    assert len(tops) == 3 and len(set(tops)) == 1, tops
