"""One walking order everywhere: places by position, then by name read as people read
numbers (滑梯2 before 滑梯10, Yard 2 before Yard 10), assets place by place, then by name
the same way. The register, the round, the label sheet, the stocktake and the reports list
the same things in the same order (app.core.place_tree)."""

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app import routines
from app.core.place_tree import PlaceTree, natural_key
from app.extensions import db
from app.models import PlaceKind, User
from app.offline.round import offline_round
from app.reports import figures
from app.reports.choice import MONTH, Choice, Period
from app.stocktakes import counting
from tests.factories import make_asset, make_checklist, make_kind, make_place, make_stocktake
from tests.test_rounds import MONDAY

SITE = "SCH222"
# Made in the wrong order on purpose: by id, or by name as plain text, the order is wrong.
YARDS = [("场地10", "Yard 10", "YDC222"), ("场地2", "Yard 2", "YDB222")]
ASSETS = {
    "YDB222": [("滑梯10", "Slide 10", "SDC222"), ("滑梯2", "Slide 2", "SDB222"),
               ("滑梯1", "Slide 1", "SDA222")],
    "YDC222": [("秋千10", "Swing 10", "SWC222"), ("秋千2", "Swing 2", "SWB222")],
}
PLACES_WALKED = [SITE, "YDB222", "YDC222"]
ASSETS_WALKED = ["SDA222", "SDB222", "SDC222", "SWB222", "SWC222"]
REGISTERED = datetime(2026, 11, 1)


@pytest.fixture
def school(app, monkeypatch):
    """A site with two yards side by side (same position), each with assets numbered so
    that only natural order reads them right; one weekly routine due on Monday covers all."""
    monkeypatch.setattr(routines, "today", lambda: MONDAY)
    with app.app_context():
        site = make_place("学校", "School", PlaceKind.SITE, code=SITE)
        yards = {code: make_place(name, name_en, PlaceKind.AREA, site, code)
                 for name, name_en, code in YARDS}
        slide = make_kind()
        for yard_code, assets in ASSETS.items():
            for name, name_en, code in assets:
                # Registered before the month, so the month's report counts its checks.
                make_asset(name, name_en, slide, yards[yard_code], code, registered=REGISTERED)
        make_checklist(slide, created_at=REGISTERED)
        db.session.commit()
        return {"site": site.id, **{code: place.id for code, place in yards.items()}}


def order_of(codes, text):
    """The codes as they first appear in the text."""
    found = re.findall("|".join(codes), text)
    return list(dict.fromkeys(found))


def signed_in(app, username="admin"):
    client = app.test_client()
    client.post("/login", data={"username": username, "password": "correct horse"})
    return client


def test_natural_order_reads_numbers_as_numbers():
    assert sorted(["Slide 10", "Slide 2", "Slide 1"], key=natural_key) == [
        "Slide 1", "Slide 2", "Slide 10"
    ]
    assert sorted(["滑梯10", "滑梯2", "滑梯1"], key=natural_key) == ["滑梯1", "滑梯2", "滑梯10"]
    # Full-width digits are numbers too; a sign that only looks like a digit stays text.
    assert natural_key("２号楼") < natural_key("10号楼")
    assert natural_key("²") == ("²",)


def test_the_tree_walks_places_and_assets_in_natural_order(app, school):
    with app.app_context():
        tree = PlaceTree.load()
        assert [place.code for place, _ in tree.walk()] == PLACES_WALKED
        site = tree.by_id[school["site"]]
        assert [place.code for place in tree.subtree(site)] == PLACES_WALKED
        yard_10 = tree.by_id[school["YDC222"]]
        assert [place.code for place in tree.ancestors(yard_10)] == [SITE]
        assert tree.path(yard_10, name=lambda p: p.name) == "学校 › 场地10"
        assets = db.session.scalars(sa.select(counting.Asset)).all()
        assert [asset.code for asset in tree.in_walking_order(assets)] == ASSETS_WALKED


def test_the_register_lists_places_and_assets_in_walking_order(app, school):
    admin = signed_in(app)
    assert order_of(PLACES_WALKED, admin.get("/register/places").text) == PLACES_WALKED
    assert order_of(ASSETS_WALKED, admin.get("/register/assets").text) == ASSETS_WALKED
    export = admin.get("/reports/register.csv").get_data(as_text=True)
    assert order_of(ASSETS_WALKED, export) == ASSETS_WALKED


def test_todays_round_walks_the_same_order(app, school):
    page = signed_in(app, "inspector").get("/today").text
    assert page.index("场地2</h3>") < page.index("场地10</h3>")
    assert order_of(ASSETS_WALKED, page) == ASSETS_WALKED
    with app.test_request_context():
        inspector = db.session.scalar(sa.select(User).where(User.username == "inspector"))
        urls = offline_round(inspector, MONDAY).urls
    assert order_of(ASSETS_WALKED, " ".join(urls)) == ASSETS_WALKED


def test_the_label_sheet_sticks_labels_in_the_same_order(app, school):
    sheet = signed_in(app).get("/labels/sheet", query_string={"place": school["site"]})
    assert sheet.status_code == 200
    printed = re.findall(r'<p class="code">(\w+)</p>', sheet.text)
    assert printed == [SITE, "YDB222", "SDA222", "SDB222", "SDC222", "YDC222", "SWB222", "SWC222"]
    picked = signed_in(app).get("/labels/").text
    assert order_of(ASSETS_WALKED, picked) == ASSETS_WALKED


def test_the_stocktake_lists_what_is_missing_in_the_same_order(app, school):
    with app.app_context():
        stocktake_id = make_stocktake().id
    page = signed_in(app).get(f"/stocktakes/{stocktake_id}").text
    missing = page.partition('id="missing"')[2]
    assert order_of(ASSETS_WALKED, missing) == ASSETS_WALKED
    # The places to count in, in walking order too.
    places = page.partition('name="place"')[2]
    assert places.index("场地2<") < places.index("场地10<")


def test_the_report_lists_assets_and_places_in_the_same_order(app, school):
    with app.test_request_context():
        month = Period(MONTH, date(2026, 11, 1), date(2026, 11, 30), "2026-11")
        report = figures.build_report(Choice(month, None, None), MONDAY)
        assert [row.asset.code for row in report.asset_rows] == ASSETS_WALKED
        assert [row.path for row in report.places] == ["学校 › 场地2", "学校 › 场地10"]


def test_a_places_scan_page_lists_what_is_inside_in_the_same_order(app, school):
    admin = signed_in(app)
    assert order_of(PLACES_WALKED[1:], admin.get(f"/q/{SITE}").text) == PLACES_WALKED[1:]
    yard_2 = admin.get("/q/YDB222").text.partition("</h1>")[2]
    assert order_of(ASSETS_WALKED, yard_2) == ASSETS_WALKED[:3]
