"""The scan door: what /q/<code> shows for every kind of code, and who may see it."""

import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from markupsafe import escape

from app import routines, settings
from app.extensions import db
from app.models import (
    Asset,
    AssetStatus,
    Checklist,
    Frequency,
    Inspection,
    ItemType,
    PlaceKind,
    ScanCode,
    Urgency,
)
from app.models.code import normalize_code
from tests.conftest import PASSWORD
from tests.factories import (
    make_asset,
    make_blank_code,
    make_checklist,
    make_closed_period,
    make_history,
    make_inspection,
    make_kind,
    make_place,
    make_staff_report,
    user,
)

ASSET = "ABC234"
ROOM = "RMA234"
BLANK = "BKN234"


@pytest.fixture
def register(app):
    """A kindergarten in brief: site › building › classroom with a fan in it, and a blank code."""
    with app.app_context():
        site = make_place("阳光幼儿园", "Sunshine Kindergarten", PlaceKind.SITE)
        building = make_place("教学楼", "Teaching building", PlaceKind.BUILDING, parent=site)
        room = make_place("大一班", "Big class 1", PlaceKind.ROOM, parent=building, code=ROOM)
        make_place("大一班午睡室", "Nap room", PlaceKind.ROOM, parent=room)
        fan = make_kind("fan", "电风扇", "Electric fan")
        asset = make_asset(
            "吊扇 1", "Ceiling fan 1", kind=fan, place=room, code=ASSET, asset_number="GZ-0042"
        )
        make_blank_code(BLANK)
        db.session.commit()
        return {"asset": asset.id, "room": room.id}


def url(app, endpoint, **values):
    """Other areas' addresses as they build them, whatever shape they choose."""
    with app.test_request_context():
        return url_for(endpoint, **values)


def set_status(app, status, **fields):
    with app.app_context():
        asset = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == ASSET)).asset
        asset.status = status
        for name, value in fields.items():
            setattr(asset, name, value)
        db.session.commit()


def text(response):
    return response.get_data(as_text=True)


def main_part(response):
    """The page without the menu, which links admins to every area."""
    return text(response).split("<main>")[1]


SLIDE_ITEMS = [
    {"type": ItemType.CHECK, "text": "梯子和台阶牢固", "text_en": "Ladder and steps secure"},
    {
        "type": ItemType.CHECK,
        "text": "滑道光滑，无裂缝、孔洞或锐边",
        "text_en": "Sliding surface smooth, no cracks, holes or sharp edges",
    },
]


def routine(name, name_en, frequency=Frequency.MONTHLY, kind=None, **schedule):
    """An active routine (for a kind= or an asset=) with the slide's two check items."""
    return make_checklist(kind, (name, name_en), frequency, items=SLIDE_ITEMS, **schedule)


# Signing in


def test_signed_out_scan_shows_the_public_page_with_a_staff_sign_in(client, register):
    response = client.get(f"/q/{ASSET}")
    assert response.status_code == 200
    page = text(response)
    assert "Ceiling fan 1" in page
    assert "Report a fault" in page
    assert "GZ-0042" not in page
    assert f'href="/login?next=/q/{ASSET}"' in page or f"/login?next=%2Fq%2F{ASSET}" in page


def test_signed_out_scan_goes_to_sign_in_and_back_when_public_reports_are_off(
    app, client, register
):
    with app.app_context():
        settings.put(settings.PUBLIC_REPORTS, "off")
        db.session.commit()
    response = client.get(f"/q/{ASSET}")
    assert response.status_code == 302
    login = urlsplit(response.headers["Location"])
    assert login.path == "/login"
    next_page = parse_qs(login.query)["next"][0]
    assert next_page == f"/q/{ASSET}"

    response = client.post(
        "/login", data={"username": "inspector", "password": PASSWORD, "next": next_page}
    )
    assert response.headers["Location"] == f"/q/{ASSET}"
    assert "Ceiling fan 1" in text(client.get(f"/q/{ASSET}"))


def test_signed_out_place_scan_goes_to_sign_in(client, register):
    response = client.get(f"/q/{ROOM}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_signed_out_lookup_and_replace_go_to_sign_in(client, register):
    assert client.get("/q?code=abc234").headers["Location"].startswith("/login")
    response = client.post(f"/q/{ASSET}/replace")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# An asset's code


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_asset_page_shows_what_was_scanned(client, auth, register, role):
    auth.login(role)
    response = client.get(f"/q/{ASSET}")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Ceiling fan 1</h1>" in page
    assert "Electric fan" in page
    assert "Sunshine Kindergarten" in page and "Big class 1" in page
    assert f'href="/q/{ROOM}"' in page
    assert "GZ-0042" in page
    assert 'class="badge in_service"' in page
    assert "banner-danger" not in page


def test_asset_page_in_chinese(client, auth, register):
    auth.login("inspector")
    page = text(client.get(f"/q/{ASSET}", headers={"Accept-Language": "zh-CN"}))
    assert "<h1>吊扇 1</h1>" in page
    assert "电风扇" in page
    assert ">阳光幼儿园</a>" in page and ">教学楼</a>" in page and ">大一班</a>" in page
    assert "Ceiling fan" not in page


def test_admin_gets_edit_and_label_tools(app, client, auth, register):
    auth.login("admin")
    page = text(client.get(f"/q/{ASSET}"))
    assert f'href="{url(app, "register.edit_asset", asset_id=register["asset"])}"' in page
    assert f'href="{url(app, "labels.qr_image", code=ASSET, fmt="svg")}"' in page
    assert f'action="/q/{ASSET}/replace"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_staff_do_not_get_admin_tools(app, client, auth, register, role):
    auth.login(role)
    page = text(client.get(f"/q/{ASSET}"))
    assert url(app, "register.edit_asset", asset_id=register["asset"]) not in page
    assert "/replace" not in page
    assert "/labels/" not in page


def test_out_of_service_asset_says_do_not_use(app, client, auth, register):
    set_status(app, AssetStatus.OUT_OF_SERVICE)
    auth.login("inspector")
    page = text(client.get(f"/q/{ASSET}"))
    assert 'class="banner-danger"' in page
    assert "Do not use" in page
    assert 'class="badge out_of_service"' in page


def test_retired_asset_says_so(app, client, auth, register):
    set_status(app, AssetStatus.RETIRED)
    auth.login("inspector")
    page = text(client.get(f"/q/{ASSET}"))
    assert re.search(r"Retired on \d{1,2} \w{3} \d{4}: this asset is no longer in use\.", page)
    assert "banner-danger" not in page
    page = text(client.get(f"/q/{ASSET}", headers={"Accept-Language": "zh-CN"}))
    assert re.search(r"已于\d{4}年\d{1,2}月\d{1,2}日报废：该资产不再使用。", page)


def test_photo_and_notes_are_shown_and_notes_escaped(app, client, auth, register):
    set_status(
        app, AssetStatus.IN_SERVICE, photo="fan.jpg", notes="<script>alert(1)</script>\nline 2"
    )
    auth.login("inspector")
    page = text(client.get(f"/q/{ASSET}"))
    thumb = url(app, "register.asset_photo", asset_id=register["asset"], size="thumb")
    assert f'src="{escape(thumb)}"' in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_no_photo_no_image(client, auth, register):
    auth.login("inspector")
    assert "/photo/" not in text(client.get(f"/q/{ASSET}"))


# A place's code


def test_place_page_lists_sub_places_and_assets(client, auth, register):
    auth.login("inspector")
    response = client.get(f"/q/{ROOM}")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Big class 1</h1>" in page
    assert "Nap room" in page
    assert f'href="/q/{ASSET}"' in page
    assert "Ceiling fan 1" in page
    assert "Sunshine Kindergarten" in page
    assert "/register/" not in page


def test_admin_can_add_an_asset_to_the_place(app, client, auth, register):
    auth.login("admin")
    page = text(client.get(f"/q/{ROOM}"))
    new_asset = url(app, "register.new_asset", place=register["room"])
    assert f'href="{escape(new_asset)}"' in page
    assert f'href="{url(app, "register.edit_place", place_id=register["room"])}"' in page
    assert f'action="/q/{ROOM}/replace"' in page


def test_empty_place_says_so(app, client, auth):
    with app.app_context():
        make_place("沙池", "Sand pit", code="SND234")
        db.session.commit()
    auth.login("inspector")
    page = text(client.get("/q/SND234"))
    assert "No assets are registered here yet." in page


# Blank, replaced, unknown


def test_blank_code_offers_admin_to_register_an_asset(app, client, auth, register):
    auth.login("admin")
    response = client.get(f"/q/{BLANK}")
    assert response.status_code == 200
    page = text(response)
    assert f'href="{escape(url(app, "register.new_asset", code=BLANK))}"' in page
    assert BLANK in page


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_blank_code_tells_others_to_ask_the_logistics_head(client, auth, register, role):
    auth.login(role)
    page = text(client.get(f"/q/{BLANK}"))
    assert "This label is not registered yet" in page
    assert "logistics head" in page
    assert "/register/" not in page


def test_unknown_code_is_a_friendly_404_with_the_code_kept(client, auth, register):
    auth.login("inspector")
    response = client.get("/q/ZZZ999")
    assert response.status_code == 404
    page = text(response)
    assert "Code not found" in page
    assert 'action="/q"' in page
    assert 'value="ZZZ999"' in page


@pytest.mark.parametrize("typed", ["ABC0O1", "AB", "ABCDEFGHJKMNPQ", "滑梯"])
def test_malformed_code_is_a_friendly_404(client, auth, register, typed):
    auth.login("inspector")
    response = client.get(f"/q/{typed}")
    assert response.status_code == 404
    assert f'value="{typed}"' in text(response)


def test_hostile_code_is_escaped(client, auth, register):
    auth.login("inspector")
    response = client.get("/q?code=%3Cscript%3Ex%3C%2Fscript%3E")
    assert response.status_code == 404
    page = text(response)
    assert "<script>x</script>" not in page
    assert 'value="&lt;script&gt;x&lt;/script&gt;"' in page


# Normalization and the type-a-code field


@pytest.mark.parametrize("typed", ["abc234", "ABC-234", "abc 234", "Ab-C2 34"])
def test_hand_typed_code_redirects_to_the_canonical_address(client, auth, register, typed):
    auth.login("inspector")
    response = client.get(f"/q/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/q/{ASSET}"


@pytest.mark.parametrize("typed", ["abc234", " ABC-234 ", "a b c 2 3 4"])
def test_lookup_redirects_to_the_code(client, auth, register, typed):
    auth.login("inspector")
    response = client.get("/q", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/q/{ASSET}"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("typed", ["", "   ", "--"])
def test_empty_lookup_goes_back_to_the_form_with_a_message(client, auth, typed):
    auth.login("inspector")
    response = client.get("/q", query_string={"code": typed})
    assert response.status_code == 400
    page = text(response)
    assert "Type the code printed under the QR label." in page
    assert 'action="/q"' in page


def test_lookup_without_a_code_parameter(client, auth):
    auth.login("inspector")
    assert client.get("/q").status_code == 400


def test_lookup_of_text_that_cannot_be_a_code_answers_at_once(client, auth):
    auth.login("inspector")
    response = client.get("/q", query_string={"code": "a/b?c"})
    assert response.status_code == 404
    assert 'value="a/b?c"' in text(response)


# Query budget


@contextmanager
def counted_queries(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def queries_for(app, client, path):
    with counted_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


# Both pages: a signed-in user (1), the code with its owner (1), the place's ancestors (1).
# An asset: the routines for its kind or for itself that have items (1), the school's closed
# periods (1), when each routine was last done (1), who does each routine (1), its first open
# faults with their count (1), its latest inspections with routine and inspector (1).
# A place: its sub-places (1), its assets with their kinds (1), and for the due marks the
# routines for those assets (1), closed periods (1) and when each was last done (1).
# Both: the header's count of what waits on the user (1).
# An asset out of service: the open fault that keeps it out, to say why (1 more).
# An asset, for those who count: the open stocktakes, for the one-tap count (1); a repairer
# instead looks for their own open job on it (1).
ASSET_PAGE_QUERIES = 11
# The one check due opened at once: its routine's versions (1) and the current one's items
# (1), and the asset's last check for the line above it (1).
ASSET_FORM_PAGE_QUERIES = ASSET_PAGE_QUERIES + 3
PLACE_PAGE_QUERIES = 9


def test_scan_pages_run_a_fixed_number_of_queries(app, client, auth, register):
    with app.app_context():
        routine("电扇月度检查", "Monthly fan check", kind=make_kind("fan"), day_of_month=1)
        routine("种类0检查", "Kind 0 check", kind=make_kind("kind0", "种类0", "Kind 0"))
        db.session.commit()
    auth.login("admin")
    small = (queries_for(app, client, f"/q/{ASSET}"), queries_for(app, client, f"/q/{ROOM}"))

    with app.app_context():
        room = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == ROOM)).place
        kinds = [make_kind(f"kind{n}", f"种类{n}", f"Kind {n}") for n in range(5)]
        for n in range(300):
            make_asset(f"资产 {n}", f"Asset {n}", kind=kinds[n % 5], place=room)
        nested = room
        for depth in range(4):
            nested = make_place(f"区域 {depth}", None, PlaceKind.AREA, parent=nested)
            make_place(f"角落 {depth}", None, PlaceKind.AREA, parent=room)
        deep = make_asset("深处的风扇", None, kind=kinds[0], place=nested)
        deep_code, deep_place_code = deep.code, nested.code
        db.session.commit()

    large = (queries_for(app, client, f"/q/{ASSET}"), queries_for(app, client, f"/q/{ROOM}"))
    deep_pages = (
        queries_for(app, client, f"/q/{deep_code}"),
        queries_for(app, client, f"/q/{deep_place_code}"),
    )
    # The fan's monthly check, never done, is due or overdue whatever the day: its form is open.
    assert small == large == deep_pages == (ASSET_FORM_PAGE_QUERIES, PLACE_PAGE_QUERIES)
    assert text(client.get(f"/q/{ROOM}")).count('<span class="badge in_service">') == 301


# Replacing a label


def replace(client, code):
    return client.post(f"/q/{code}/replace")


def codes_of(app, value):
    with app.app_context():
        old = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == value))
        owner = old.asset or old.place
        return owner.code, db.session.scalar(sa.select(sa.func.count(ScanCode.id)))


def test_replace_gives_a_new_code_and_the_old_one_leads_nowhere(app, client, auth, register):
    auth.login("admin")
    response = replace(client, ASSET)
    assert response.status_code == 303
    new_code, _count = codes_of(app, ASSET)
    assert new_code != ASSET
    assert response.headers["Location"] == f"/q/{new_code}"

    page = text(client.get(response.headers["Location"]))
    assert f"The new code is {new_code}." in page
    assert "Ceiling fan 1" in page
    assert f'href="{url(app, "labels.index")}"' in page

    for role in ("admin", "inspector"):
        auth.logout()
        auth.login(role)
        response = client.get(f"/q/{ASSET}")
        assert response.status_code == 410
        old_page = main_part(response)
        assert "This label was replaced" in old_page
        assert new_code not in old_page
        assert "吊扇 1" not in old_page and "Ceiling fan" not in old_page
        assert "/register/" not in old_page and "/replace" not in old_page


def test_replacing_a_replaced_code_changes_nothing(app, client, auth, register):
    auth.login("admin")
    replace(client, ASSET)
    before = codes_of(app, ASSET)
    response = client.post(f"/q/{ASSET}/replace")
    assert response.status_code == 400
    assert "This label was already replaced. Nothing was changed." in text(response)
    assert codes_of(app, ASSET) == before


def test_replace_a_place_label(app, client, auth, register):
    auth.login("admin")
    response = replace(client, ROOM)
    new_code, _count = codes_of(app, ROOM)
    assert response.headers["Location"] == f"/q/{new_code}"
    assert "Big class 1" in text(client.get(f"/q/{new_code}"))
    assert client.get(f"/q/{ROOM}").status_code == 410


def test_a_blank_code_cannot_be_replaced(app, client, auth, register):
    auth.login("admin")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(ScanCode.id)))
    response = client.post(f"/q/{BLANK}/replace")
    assert response.status_code == 400
    assert "A blank label has nothing to replace." in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ScanCode.id))) == count


def test_replace_unknown_code_is_404(client, auth, register):
    auth.login("admin")
    assert replace(client, "ZZZ999").status_code == 404


def test_replace_by_hand_typed_code(app, client, auth, register):
    auth.login("admin")
    assert replace(client, "abc-234").status_code == 303
    assert codes_of(app, ASSET)[0] != ASSET


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_only_admins_replace_labels(app, client, auth, register, role):
    auth.login(role)
    assert replace(client, ASSET).status_code == 403
    assert codes_of(app, ASSET)[0] == ASSET


def test_replace_needs_the_csrf_token(csrf_app, client, register):
    page = text(client.get("/login"))
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert replace(client, ASSET).status_code == 400
    assert codes_of(csrf_app, ASSET)[0] == ASSET
    # Signing in made a new token: the one from the sign-in page is spent.
    page = text(client.get(f"/q/{ASSET}"))
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/q/{ASSET}/replace", data={"csrf_token": token})
    assert response.status_code == 303


# The scan page when an inspector scans: the due check first, then the rest

MONDAY = date(2026, 11, 23)
WEDNESDAY = MONDAY + timedelta(days=2)
PLAYGROUND = "PGD234"
SLIDE = "SKD234"
OTHER_SLIDE = "SKE234"
START_BUTTON = re.compile(r'<a class="button primary wide start-check" href="([^"]+)">')
OPENED_FORM = re.compile(r'<form class="inspection" method="post" action="([^"]+)"')


@pytest.fixture
def playground(app):
    """Slide 1 on the playground: its weekly Monday check, a monthly check done on the 2nd, and
    its own routine not due until December; routines it must not show stand beside them."""
    with app.app_context():
        site = make_place("阳光幼儿园", "Sunshine Kindergarten", PlaceKind.SITE)
        place = make_place("操场", "Playground", code=PLAYGROUND, parent=site)
        slide_kind = make_kind()
        slide = make_asset(kind=slide_kind, place=place, code=SLIDE)
        other_slide = make_asset(
            "滑梯 2", "Slide 2", kind=slide_kind, place=place, code=OTHER_SLIDE
        )
        weekly = routine(
            "滑梯每周检查", "Weekly slide check", Frequency.WEEKLY, kind=slide_kind, weekday=0
        )
        monthly = routine("滑梯月度检查", "Monthly slide check", kind=slide_kind, day_of_month=1)
        own = routine(
            "滑梯年度主要检查",
            "Main inspection",
            Frequency.EVERY_N_DAYS,
            asset=slide,
            interval_days=365,
            anchor_date=date(2026, 12, 7),
        )
        fan = make_kind("fan", "电风扇", "Electric fan")
        routine("电扇月度检查", "Monthly fan check", kind=fan, day_of_month=1)
        routine("只查滑梯 2", "Slide 2 only check", asset=other_slide, day_of_month=1)
        retired_routine = routine(
            "旧的滑梯检查", "Old slide check", Frequency.WEEKLY, kind=slide_kind, weekday=0
        )
        retired_routine.active = False
        make_inspection(slide, monthly, date(2026, 11, 2), at=datetime(2026, 11, 2, 1, 30))
        db.session.commit()
        return dict(
            slide=slide.id,
            other_slide=other_slide.id,
            weekly=weekly.id,
            monthly=monthly.id,
            own=own.id,
            place=place.id,
        )


def on_day(monkeypatch, day):
    monkeypatch.setattr(routines, "today", lambda: day)


def inspect_url(app, asset_id, checklist_id):
    return url(app, "inspections.new", asset_id=asset_id, checklist_id=checklist_id)


def start_button(page):
    found = START_BUTTON.search(page)
    return found.group(1) if found else None


def opened_form(page):
    """Where the inspection form opened on the scan page sends, or None."""
    found = OPENED_FORM.search(page)
    return found.group(1) if found else None


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_the_one_due_check_opens_at_once(
    app, client, auth, playground, monkeypatch, role, static_url
):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        make_staff_report(slide, "Handrail paint flaking", at=datetime(2026, 11, 22, 1, 0))
        weekly = db.session.get(Checklist, playground["weekly"])
        make_inspection(slide, weekly, date(2026, 11, 16), at=datetime(2026, 11, 16, 1, 0))
        db.session.commit()
    on_day(monkeypatch, MONDAY)
    auth.login(role)
    page = main_part(client.get(f"/q/{SLIDE}"))

    # The form itself, sending where its own page does: no Start to tap first.
    assert opened_form(page) == inspect_url(app, playground["slide"], playground["weekly"])
    assert start_button(page) is None
    assert 'name="all_ok" value="1"' in page and "data-send" in page
    assert static_url("js/inspection.js") in text(client.get(f"/q/{SLIDE}"))
    # Above it, the asset's state: its last check and its open faults; reporting a fault and
    # the whole history are one tap away.
    above, form = page.split('<form class="inspection"')
    assert "Checked Mon 16 Nov: all OK" in above
    assert "Handrail paint flaking" in above
    assert f'href="{url(app, "faults.report", code=SLIDE)}"' in above
    assert f'href="{url(app, "rounds.history", asset_id=playground["slide"])}"' in above
    assert "Weekly slide check" in above and "Due today" in above
    assert page.count(">Weekly slide check<") == 1
    # The checks not due are still listed, under the form.
    others = page.split('id="checks-title"')[1].split("</section>")[0]
    assert "Monthly slide check" in others and "Main inspection" in others


def test_a_check_opened_at_once_in_chinese_is_a_fresh_form_each_time(
    client, auth, playground, monkeypatch
):
    on_day(monkeypatch, MONDAY)
    auth.login("inspector")
    first, second = (
        main_part(client.get(f"/q/{SLIDE}", headers={"Accept-Language": "zh-CN"}))
        for _ in range(2)
    )
    assert "滑梯每周检查" in first and "今天到期" in first and "全部正常" in first
    assert "报修" in first.split('<form class="inspection"')[0]
    # Each scan opens a new form: a second check of the day is a record of its own.
    client_ids = [
        re.search(r'name="client_id" value="(\w+)"', page).group(1) for page in (first, second)
    ]
    assert client_ids[0] != client_ids[1]
    assert "data-fresh" in first


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_several_checks_due_are_listed_with_the_first_to_start(
    app, client, auth, playground, monkeypatch, role
):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        daily = routine("滑梯每日检查", "Daily slide check", Frequency.DAILY, kind=slide.kind).id
        db.session.commit()
    on_day(monkeypatch, MONDAY)
    auth.login(role)
    page = main_part(client.get(f"/q/{SLIDE}"))

    assert opened_form(page) is None
    assert start_button(page) == inspect_url(app, playground["slide"], daily)
    # Right under the asset's name and place, before anything else on the page.
    between = page.split("</header>")[1].split('<a class="button primary wide start-check"')[0]
    assert between.strip() == ""
    button = page.split('class="button primary wide start-check"')[1].split("</a>")[0]
    assert "Start: Daily slide check" in button and "Due today" in button
    others = page.split('id="checks-title"')[1].split("</section>")[0]
    assert "Weekly slide check" in others and "Due today" in others


def test_the_other_checks_say_where_they_stand_and_open_the_form(
    app, client, auth, playground, monkeypatch
):
    on_day(monkeypatch, MONDAY)
    auth.login("inspector")
    page = main_part(client.get(f"/q/{SLIDE}"))
    others = page.split('id="checks-title"')[1].split("</section>")[0]

    assert "Other checks" in page
    assert f'href="{inspect_url(app, playground["slide"], playground["monthly"])}"' in others
    assert "Monthly slide check" in others
    assert "Done on Mon 2 Nov, next due Tue 1 Dec" in others
    assert f'href="{inspect_url(app, playground["slide"], playground["own"])}"' in others
    assert "Not due until Mon 7 Dec" in others
    # The due check is the button, not a row again; other kinds', assets' and retired
    # routines do not belong here.
    assert "Weekly slide check" not in others
    for absent in ("Monthly fan check", "Slide 2 only check", "Old slide check"):
        assert absent not in page
    # Sooner first.
    assert others.index("Monthly slide check") < others.index("Main inspection")


def test_an_overdue_check_says_since_when(app, client, auth, playground, monkeypatch):
    on_day(monkeypatch, WEDNESDAY)
    auth.login("inspector")
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert opened_form(page) == inspect_url(app, playground["slide"], playground["weekly"])
    assert "Overdue since Mon 23 Nov" in page.split('<form class="inspection"')[0]


def test_overdue_comes_before_due(app, client, auth, playground, monkeypatch):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        routine("滑梯每日检查", "Daily slide check", Frequency.DAILY, kind=slide.kind)
        db.session.commit()
    on_day(monkeypatch, WEDNESDAY)
    auth.login("inspector")
    page = main_part(client.get(f"/q/{SLIDE}"))
    # The Monday check missed since Monday is the button; today's daily check is listed.
    assert start_button(page) == inspect_url(app, playground["slide"], playground["weekly"])
    others = page.split('id="checks-title"')[1]
    assert others.index("Daily slide check") < others.index("Monthly slide check")
    assert "Due today" in others.split("Monthly slide check")[0]


def test_nothing_due_means_no_start_button_but_every_check_listed(
    app, client, auth, playground, monkeypatch
):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        weekly = db.session.get(Checklist, playground["weekly"])
        make_inspection(slide, weekly, date(2026, 11, 23))
        db.session.commit()
    on_day(monkeypatch, MONDAY)
    auth.login("inspector")
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert start_button(page) is None
    assert ">Checks<" in page
    assert f'href="{inspect_url(app, playground["slide"], playground["weekly"])}"' in page
    assert "Done on Mon 23 Nov, next due Mon 30 Nov" in page


def test_a_closed_school_pauses_the_checks(app, client, auth, playground, monkeypatch):
    with app.app_context():
        make_closed_period("秋假", MONDAY, MONDAY + timedelta(days=4))
        db.session.commit()
    on_day(monkeypatch, MONDAY)
    auth.login("inspector")
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert start_button(page) is None
    assert "School closed: next due Mon 30 Nov" in page


def test_a_repairer_sees_the_checks_but_cannot_start_one(
    app, client, auth, playground, monkeypatch
):
    on_day(monkeypatch, MONDAY)
    auth.login("repairer")
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert start_button(page) is None
    assert '/inspect"' not in page
    checks = page.split('id="checks-title"')[1].split("</section>")[0]
    assert "Weekly slide check" in checks and "Due today" in checks
    assert "Monthly slide check" in checks and "Not due until Mon 7 Dec" in checks
    assert checks.index("Weekly slide check") < checks.index("Monthly slide check")


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_a_retired_asset_offers_no_checks(app, client, auth, playground, monkeypatch, role):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        slide.status = AssetStatus.RETIRED
        db.session.commit()
    on_day(monkeypatch, MONDAY)
    auth.login(role)
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert "this asset is no longer in use." in page
    assert start_button(page) is None
    assert '/inspect"' not in page
    assert "Weekly slide check" not in page.split("Latest inspections")[0]


# Out of service: "Do not use" first, for everyone, saying why


def set_slide_status(app, playground, status):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        slide.status = status
        db.session.commit()
        return slide


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_do_not_use_banner_comes_first_and_says_why(
    app, client, auth, playground, monkeypatch, role
):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        for description, urgency, day in (
            ("Older: loose bolt", Urgency.UNSAFE, 20),
            ('<b>Crack</b> in the "chute" & sharp edge', Urgency.UNSAFE, 22),
            ("Newest but only needs paint", Urgency.NEEDS_REPAIR, 23),
        ):
            make_staff_report(slide, description, urgency, at=datetime(2026, 11, day, 1, 0),
                              take_out_of_service=urgency == Urgency.UNSAFE)
        db.session.commit()
    on_day(monkeypatch, MONDAY)
    auth.login(role)
    page = main_part(client.get(f"/q/{SLIDE}"))

    assert page.lstrip().startswith('<p class="banner-danger" role="alert">Do not use')
    banner = page.split("</p>")[0]
    assert "&lt;b&gt;Crack&lt;/b&gt; in the &#34;chute&#34; &amp; sharp edge" in banner
    assert "<b>Crack</b>" not in page
    assert "loose bolt" not in banner and "paint" not in banner
    # Out since the first fault that took it out, in school time (Shanghai, UTC+8).
    assert "Out of service since 20 Nov 2026, 09:00" in banner
    if role == "repairer":
        assert start_button(page) is None
    else:
        # Still inspected while out of service: its one check due opens under the banner.
        assert opened_form(page) == inspect_url(app, playground["slide"], playground["weekly"])


def test_do_not_use_without_an_unsafe_fault_says_out_of_service(
    app, client, auth, playground
):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        slide.status = AssetStatus.OUT_OF_SERVICE
        make_staff_report(slide, "Needs paint", Urgency.NEEDS_REPAIR)
        db.session.commit()
    auth.login("inspector")
    banner = main_part(client.get(f"/q/{SLIDE}")).split("</p>")[0]
    assert "Do not use" in banner
    assert "This asset is out of service." in banner
    assert "Needs paint" not in banner


def test_an_unsafe_fault_on_an_asset_in_service_shows_no_banner(app, client, auth, playground):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        make_staff_report(slide, "Wobbly step", Urgency.UNSAFE)
        db.session.commit()
    auth.login("inspector")
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert "banner-danger" not in page
    assert "Wobbly step" in page


# Open faults and the latest inspections


def test_open_faults_unsafe_first_then_newest_with_links(app, client, auth, playground):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        other = db.session.get(Asset, playground["other_slide"])
        start = datetime(2026, 11, 1, 2, 0)
        ids = {}
        for n in range(6):
            ids[n] = make_staff_report(slide, f"Repair {n}", at=start + timedelta(days=n))
        ids["unsafe"] = make_staff_report(
            slide, "Old unsafe <script>x</script>", Urgency.UNSAFE, at=start
        )
        make_staff_report(other, "On the other slide")
        db.session.commit()
        ids = {key: found.id for key, found in ids.items()}
    auth.login("repairer")
    response = client.get(f"/q/{SLIDE}")
    page = main_part(response)
    section = page.split('id="faults-title"')[1].split("</section>")[0]

    assert "(7)" in section.split("</h2>")[0]
    shown = re.findall(r'href="/faults/(\d+)"', section)
    expected = [ids["unsafe"], ids[5], ids[4], ids[3], ids[2]]
    assert shown == [str(fault_id) for fault_id in expected]
    assert f'href="{url(app, "faults.show", fault_id=ids[5])}"' in section
    assert "Unsafe now" in section and "Needs repair" in section
    assert "&lt;script&gt;x&lt;/script&gt;" in section and "<script>x" not in section
    assert "On the other slide" not in page
    assert "Repair 1" not in section
    assert f'href="{url(app, "faults.index")}"' in section
    assert "2 more open faults" in section
    assert " ago" in section


def test_no_open_faults_says_so(client, auth, playground):
    auth.login("inspector")
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert "No open faults." in page
    assert "more open fault" not in page


def test_latest_inspections_newest_first_with_links_and_full_history(
    app, client, auth, playground
):
    with app.app_context():
        slide = db.session.get(Asset, playground["other_slide"])
        other = db.session.get(Asset, playground["slide"])
        weekly = db.session.get(Checklist, playground["weekly"])
        admin = user("admin")
        admin.display_name = "<i>Wang</i> 王"
        start = datetime(2026, 10, 5, 0, 30)  # 08:30 in the school's time zone
        made = [
            make_inspection(slide, weekly, start.date() + timedelta(weeks=n), passed=n != 6,
                            inspector=admin)
            for n in range(7)
        ]
        make_inspection(other, weekly, start.date() + timedelta(weeks=9), inspector=admin)
        db.session.commit()
        ids = [inspection.id for inspection in made]
    auth.login("inspector")
    page = main_part(client.get(f"/q/{OTHER_SLIDE}"))
    section = page.split('id="history-title"')[1].split("</section>")[0]

    shown = re.findall(r'href="/inspections/(\d+)"', section)
    assert shown == [str(i) for i in reversed(ids[2:])]
    assert f'href="{url(app, "inspections.show", inspection_id=ids[6])}"' in section
    newest = section.split("</li>")[0]
    assert "Weekly slide check" in newest
    assert "Failed" in newest
    assert "16 Nov 2026, 08:30" in newest  # school time, not UTC
    assert "&lt;i&gt;Wang&lt;/i&gt; 王" in newest and "<i>Wang" not in page
    assert section.count("Passed") == 4
    history = url(app, "rounds.history", asset_id=playground["other_slide"])
    assert f'href="{history}"' in section
    assert "Full history" in section


def test_no_inspections_yet(app, client, auth, playground):
    auth.login("inspector")
    page = main_part(client.get(f"/q/{OTHER_SLIDE}"))
    assert "No inspections yet." in page
    assert f'href="{url(app, "rounds.history", asset_id=playground["other_slide"])}"' in page


# From the scan to a signed all-OK inspection: the form already open, All OK, a name, Send


def sign_in_with_csrf(client, username, next_page=None):
    login_page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    if next_page:
        data["next"] = next_page
    return client.post("/login", data=data)


def hidden_fields(form_page):
    return dict(re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)">', form_page))


def checked_outcomes(form_page):
    return re.findall(r'value="(pass|fail|na)" checked', form_page)


@pytest.fixture
def due_today(csrf_app):
    """A slide whose weekly check falls on today's real date, with CSRF on."""
    with csrf_app.app_context():
        today = routines.today()
        place = make_place("操场", "Playground", code=PLAYGROUND)
        slide = make_asset(kind=make_kind(), place=place, code=SLIDE)
        checklist = routine(
            "滑梯每周检查", "Weekly slide check", Frequency.WEEKLY, kind=slide.kind,
            weekday=today.weekday(),
        )
        db.session.commit()
        return dict(slide=slide.id, checklist=checklist.id, today=today)


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_scan_all_ok_sign_send_without_javascript(csrf_app, client, due_today, role):
    """The Monday story without JavaScript: the scan opens the form; All OK marks the checks
    and records nothing; the name is typed and Send records it."""
    app = csrf_app
    sign_in_with_csrf(client, role)

    scan = text(client.get(f"/q/{SLIDE}"))
    action = opened_form(scan)
    assert action == inspect_url(app, due_today["slide"], due_today["checklist"])
    assert checked_outcomes(scan) == []
    all_ok = client.post(action, data={**hidden_fields(scan), "all_ok": "1"})  # tap 1
    # The form again, every check marked OK, without a single error: nothing recorded yet.
    assert all_ok.status_code == 200
    form_page = text(all_ok)
    assert checked_outcomes(form_page) == ["pass", "pass"]
    assert 'class="error"' not in form_page and "flash-error" not in form_page
    assert "Every check not yet answered is marked OK" in form_page
    assert re.search(r'name="signer_name" value="" [^>]*autofocus', form_page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0

    answers = dict(re.findall(r'name="(item-\d+-outcome)" value="(pass)" checked', form_page))
    name = "Admin" if role == "admin" else "Inspector"
    sent = client.post(  # the name typed, then tap 2: Send
        action, data={**hidden_fields(form_page), **answers, "signer_name": name}
    )
    assert sent.status_code == 303
    assert "Inspection signed and sent" in text(client.get(sent.headers["Location"]))

    with app.app_context():
        inspection = db.session.scalar(sa.select(Inspection))
        assert (inspection.asset_id, inspection.checklist_id) == (
            due_today["slide"], due_today["checklist"]
        )
        assert inspection.passed and inspection.local_date == due_today["today"]
        assert inspection.signature.signer_name == name
    after = main_part(client.get(f"/q/{SLIDE}"))
    assert opened_form(after) is None and start_button(after) is None
    today = due_today["today"]
    assert f"Done on {today.strftime('%a')} {today.day} {today.strftime('%b')}" in after
    history = after.split('id="history-title"')[1]
    assert f'href="/inspections/{inspection.id}"' in history and "Passed" in history


def test_signed_out_scan_signs_in_straight_to_the_form(csrf_app, client, due_today):
    public = text(client.get(f"/q/{SLIDE}"))
    assert opened_form(public) is None
    assert f"/login?next=%2Fq%2F{SLIDE}" in public or f"/login?next=/q/{SLIDE}" in public

    signed_in = sign_in_with_csrf(client, "inspector", next_page=f"/q/{SLIDE}")
    assert signed_in.headers["Location"] == f"/q/{SLIDE}"
    form_page = text(client.get(signed_in.headers["Location"]))
    assert opened_form(form_page) == inspect_url(
        csrf_app, due_today["slide"], due_today["checklist"]
    )


# A place's assets: which have a check due today, which must not be used


def test_place_page_marks_assets_with_a_check_due(app, client, auth, playground, monkeypatch):
    with app.app_context():
        place = db.session.get(Asset, playground["slide"]).place
        kind = make_kind()
        done = make_asset("滑梯 3", "Slide 3", kind=kind, place=place, code="SKF234")
        for checklist_id, day in ((playground["weekly"], 23), (playground["monthly"], 2)):
            checklist = db.session.get(Checklist, checklist_id)
            make_inspection(done, checklist, date(2026, 11, day))
        make_asset("滑梯 4", "Slide 4", kind=kind, place=place, code="SKG234",
                   status=AssetStatus.RETIRED)
        make_asset("滑梯 5", "Slide 5", kind=kind, place=place, code="SKH234",
                   status=AssetStatus.OUT_OF_SERVICE)
        db.session.commit()
    on_day(monkeypatch, MONDAY)
    auth.login("repairer")
    page = main_part(client.get(f"/q/{PLAYGROUND}"))
    rows = {
        code: row
        for row in page.split("<li>")[1:]
        for code in re.findall(r'href="/q/(\w+)"', row)
    }
    due = '<span class="badge warn">Due</span>'
    overdue = '<span class="badge overdue">Overdue</span>'
    # Slide 1: its Monday check is due today. Slide 2: its own monthly check is overdue too.
    assert due in rows[SLIDE] and overdue not in rows[SLIDE]
    assert overdue in rows[OTHER_SLIDE] and due not in rows[OTHER_SLIDE]
    for quiet in ("SKF234", "SKG234"):
        assert due not in rows[quiet] and overdue not in rows[quiet]
    assert '<span class="badge retired">Retired</span>' in rows["SKG234"]
    assert '<span class="badge out_of_service">Out of service</span>' in rows["SKH234"]
    assert overdue in rows["SKH234"]


# Query budget: the same count with a long history, many faults and a bigger school


def add_history(asset_id, checklist_id, how_many=500):
    """A check a day from 1 January 2024, one in seven failed."""
    days = [date(2024, 1, 1) + timedelta(days=n) for n in range(how_many)]
    make_history(db.session.get(Asset, asset_id), db.session.get(Checklist, checklist_id), days,
                 failing_every=7)


def add_faults(asset_id, how_many=50):
    """Open faults reported a day apart from 1 January 2025, one in five unsafe."""
    asset = db.session.get(Asset, asset_id)
    for n in range(how_many):
        make_staff_report(asset, f"故障 {n}",
                          Urgency.UNSAFE if n % 5 == 0 else Urgency.NEEDS_REPAIR,
                          at=datetime(2025, 1, 1) + timedelta(days=n))


@pytest.mark.parametrize("role", ["inspector", "repairer", "admin"])
def test_asset_page_queries_do_not_grow_with_history(
    app, client, auth, playground, monkeypatch, role
):
    on_day(monkeypatch, MONDAY)
    auth.login(role)
    before = queries_for(app, client, f"/q/{SLIDE}")

    with app.app_context():
        weekly = db.session.get(Checklist, playground["weekly"])
        add_history(playground["slide"], weekly.id)
        add_faults(playground["slide"])
        place = db.session.get(Asset, playground["slide"]).place
        for n in range(20):
            kind = make_kind(f"toy{n}", f"大型玩具 {n}", f"Large toy {n}")
            routine(f"玩具检查 {n}", f"Toy check {n}", kind=kind, day_of_month=1)
            make_asset(f"玩具 {n}", f"Toy {n}", kind=kind, place=place)
        db.session.commit()
    after = queries_for(app, client, f"/q/{SLIDE}")

    # The Monday check, the one due, opens at once for those who inspect.
    expected = ASSET_PAGE_QUERIES if role == "repairer" else ASSET_FORM_PAGE_QUERIES
    assert before == after == expected
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert "45 more open faults" in page
    if role == "repairer":
        assert len(re.findall(r'href="/inspections/\d+"', page)) == 5
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 501


def test_place_page_queries_do_not_grow_with_assets_or_history(
    app, client, auth, playground, monkeypatch
):
    on_day(monkeypatch, MONDAY)
    auth.login("inspector")
    before = queries_for(app, client, f"/q/{PLAYGROUND}")
    with app.app_context():
        weekly = db.session.get(Checklist, playground["weekly"])
        add_history(playground["slide"], weekly.id)
        kind = db.session.get(Checklist, playground["weekly"]).kind
        place = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == PLAYGROUND)).place
        for n in range(40):
            make_asset(f"滑梯 {n + 10}", None, kind=kind, place=place)
        db.session.commit()
    after = queries_for(app, client, f"/q/{PLAYGROUND}")
    assert before == after == PLACE_PAGE_QUERIES
    # Slide 2 and the new slides have their monthly check overdue; slide 1 did it.
    page = main_part(client.get(f"/q/{PLAYGROUND}"))
    assert page.count('<span class="badge overdue">Overdue</span>') == 41
    assert page.count('<span class="badge warn">Due</span>') == 1


# Codes typed on a Chinese keyboard in full-width mode


@pytest.mark.parametrize("typed", ["ＡＢＣ２３４", "ａｂｃ－２３４", "ＡＢＣ　２３４"])
def test_full_width_code_finds_its_page(client, auth, register, typed):
    auth.login("inspector")
    response = client.get("/q", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/q/{ASSET}"
    response = client.get(f"/q/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/q/{ASSET}"


def test_normalize_code_folds_full_width_characters():
    assert normalize_code("ＡＢＣ２３４") == "ABC234"
    assert normalize_code("ｓｋｄ－２３４") == "SKD234"


# The public page: when it was last checked, and how


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "Checked Mon 2 Nov: all OK"), ("zh", "11月2日 周一 已检查：全部正常")],
)
def test_public_page_says_when_it_was_last_checked(client, playground, language, line):
    page = main_part(client.get(f"/q/{SLIDE}", headers={"Accept-Language": language}))
    assert f'<p class="last-check">{line}</p>' in page


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "Checked Tue 3 Nov: 2 items failed"), ("zh", "11月3日 周二 已检查：2 项不合格")],
)
def test_public_page_says_how_many_items_failed(app, client, playground, language, line):
    with app.app_context():
        slide = db.session.get(Asset, playground["slide"])
        # A failed check and a reading out of range: both count as failed items.
        gauge = make_checklist(
            slide.kind, ("滑梯月度测量", "Monthly slide gauge"), Frequency.MONTHLY,
            items=[SLIDE_ITEMS[0], {"type": ItemType.READING, "text": "间隙", "max_value": 8}],
        )
        make_inspection(slide, gauge, date(2026, 11, 3), at=datetime(2026, 11, 3, 1, 30),
                        passed=False, readings={2: 99})
        db.session.commit()
    page = main_part(client.get(f"/q/{SLIDE}", headers={"Accept-Language": language}))
    assert line in page


def test_public_page_of_an_asset_out_of_service_says_why_not_when_checked(
    app, client, playground
):
    set_slide_status(app, playground, AssetStatus.OUT_OF_SERVICE)
    page = main_part(client.get(f"/q/{SLIDE}"))
    assert "Do not use" in page and "Checked" not in page


def test_public_page_queries_do_not_grow_with_history(app, client, playground):
    # Whether the school allows public reports, the code with its owner, the place's
    # ancestors, and the last check with its failed items (4); nothing else.
    before = queries_for(app, client, f"/q/{SLIDE}")
    with app.app_context():
        monthly = db.session.get(Checklist, playground["monthly"])
        add_history(playground["slide"], monthly.id)
        db.session.commit()
    assert queries_for(app, client, f"/q/{SLIDE}") == before == 4
