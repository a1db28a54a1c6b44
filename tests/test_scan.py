"""The scan door: what /q/<code> shows for every kind of code, and who may see it."""

from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from markupsafe import escape

from app.extensions import db
from app.models import AssetStatus, PlaceKind, ScanCode
from tests.conftest import PASSWORD
from tests.factories import make_asset, make_kind, make_place

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
        db.session.add(ScanCode(value=BLANK))
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


# Signing in


def test_signed_out_scan_goes_to_sign_in_and_back(client, register):
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
    assert "Retired: this asset is no longer in use." in page
    assert "banner-danger" not in page


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


# A signed-in user (1), the code with its owner (1), the place's ancestors (1);
# a place also loads its sub-places (1) and its assets with their kinds (1).
ASSET_PAGE_QUERIES = 3
PLACE_PAGE_QUERIES = 5


def test_scan_pages_run_a_fixed_number_of_queries(app, client, auth, register):
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
    assert small == large == deep_pages == (ASSET_PAGE_QUERIES, PLACE_PAGE_QUERIES)
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
    response = client.post(f"/q/{ASSET}/replace", data={"csrf_token": token})
    assert response.status_code == 303
