"""The same pages in Chinese and in English, each fitting a 360 px phone with 44 px targets."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistTemplate
from tests.browser.helpers import in_first_school, sign_in

SLIDE_2 = "4ZGV4P"
MIN_TARGET = 44

# What the slide's scan page and its checklist say first, in each language.
WORDS = {
    "zh": {"lang": "zh-Hans", "today": "今日", "all_ok": "全部正常", "send": "提交"},
    "en": {"lang": "en", "today": "Today", "all_ok": "All OK", "send": "Send"},
}

# Visible controls smaller than a thumb, leaving out controls inside a 44 px label or row and
# the hidden default button that only the Enter key presses.
CONTROLS = ", ".join([
    "main a.button", "main button", "main input:not([type=hidden])", "main select",
    "header.topbar a", "header.topbar button", "header.topbar summary",
])
SMALL_TARGETS = """(controls) => Array.from(document.querySelectorAll(controls)).filter(el => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") return false;
    if (el.closest("[aria-hidden=true]")) return false;
    const holder = el.closest("label, li, .choice");
    const held = holder && holder.getBoundingClientRect().height >= 44;
    return box.height < 44 && !held;
  }).map(el => el.outerHTML.slice(0, 120))"""


def _fits_the_phone(page):
    # Against the layout viewport: on a phone the visual one (innerWidth) grows to show what
    # overflows, hiding it.
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"
    assert page.evaluate(SMALL_TARGETS, CONTROLS) == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_scan_page_and_checklist_in_each_language(live_server, phone, language):
    words = WORDS[language]
    page = phone(language)
    sign_in(page, live_server, "inspector")

    page.goto(f"{live_server.url}/q/{SLIDE_2}")
    assert page.get_attribute("html", "lang") == words["lang"]
    _fits_the_phone(page)

    # Its one check due is open on the scan page itself.
    assert page.locator("[data-all-ok]").inner_text().strip() == words["all_ok"]
    assert page.locator("[data-send]").inner_text().strip() == words["send"]
    _fits_the_phone(page)

    page.goto(f"{live_server.url}/today")
    assert page.locator("h1").inner_text().startswith(words["today"])
    _fits_the_phone(page)


def test_switching_language_keeps_the_page(live_server, phone):
    page = phone("zh")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/q/{SLIDE_2}")
    assert page.locator("[data-all-ok]").inner_text().strip()

    page.click("form.language button")
    page.wait_for_load_state()
    assert page.url.endswith(f"/q/{SLIDE_2}")
    assert page.get_attribute("html", "lang") == "en"
    page.click("form.language button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-Hans"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_your_phones_and_a_users_phones_in_each_language(live_server, phone, language):
    other_phone = phone(language)
    sign_in(other_phone, live_server, "admin")
    page = phone(language)
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/phones")
    assert page.locator("ul.sign-ins > li").count() == 2
    assert page.locator("ul.sign-ins .badge").count() == 1
    _fits_the_phone(page)

    page.goto(f"{live_server.url}/users/")
    page.click("a:has-text('admin')")
    assert page.locator("ul.sign-ins > li").count() == 2
    _fits_the_phone(page)


# The district's pages, the templates' and the header of a person in two schools (the
# contractor's school switch), each with who opens it.
DISTRICT_PAGES = (
    ("contractor", "/faults/mine"),
    ("contractor", "/faults/mine/all"),
    ("admin", "/templates/"),
    ("district", "/district/"),
    ("district", "/district/report"),
    ("district-admin", "/district/schools"),
    ("district-admin", "/district/schools/xingxing/edit"),
    ("district-admin", "/templates/district"),
    ("district-admin", "/templates/district/templates/{template}"),
    ("district-admin", "/templates/district/templates/{template}/publish"),
    ("district-admin", "/templates/district/{district}/new"),
)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_district_and_templates_pages_fit_a_phone(live_server, phone, language):
    with in_first_school(live_server.app):
        district_id, template_id = db.session.execute(
            sa.select(ChecklistTemplate.district_id, ChecklistTemplate.id)
            .order_by(ChecklistTemplate.id)
            .limit(1)
        ).one()
    pages = {}
    for who, path in DISTRICT_PAGES:
        if who not in pages:
            pages[who] = phone(language)
            sign_in(pages[who], live_server, who)
        page = pages[who]
        page.goto(live_server.url + path.format(template=template_id, district=district_id))
        _fits_the_phone(page)
