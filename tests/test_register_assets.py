import io
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from app.core.photos import photo_folder
from app.extensions import db
from app.models import Asset, AssetStatus, PlaceKind, ScanCode
from app.models.code import replace_code
from tests.factories import make_asset, make_blank_code, make_kind, make_place


@pytest.fixture
def register(app, client):
    """A small school: two rooms in a building, a playground; fans and slides."""
    client.set_cookie("lang", "en")
    with app.app_context():
        site = make_place("幼儿园", "Kindergarten", PlaceKind.SITE)
        building = make_place("教学楼", "Teaching building", PlaceKind.BUILDING, parent=site)
        room = make_place("大一班", "Class 1", PlaceKind.ROOM, parent=building)
        playground = make_place("操场", "Playground", PlaceKind.AREA, parent=site)
        fan = make_kind("electric-fan", "电风扇", "Electric fan")
        slide = make_kind("slide", "滑梯", "Slide")
        fan_asset = make_asset("吊扇", "Ceiling fan", kind=fan, place=room, asset_number="GD-001")
        make_asset("大滑梯", "Big slide", kind=slide, place=playground)
        make_asset("旧滑梯", "Old slide", kind=slide, place=playground,
                   status=AssetStatus.RETIRED)
        make_asset("小滑梯", "Small slide", kind=slide, place=playground,
                   status=AssetStatus.OUT_OF_SERVICE)
        db.session.commit()
        return SimpleNamespace(
            site=site.id, building=building.id, room=room.id, playground=playground.id,
            fan=fan.id, slide=slide.id, fan_asset=fan_asset.id, fan_code=fan_asset.code,
        )


def form_data(register, **changes):
    data = {
        "name": "落地扇", "name_en": "Floor fan", "kind_id": register.fan,
        "place_id": register.room, "asset_number": "", "status": "in_service", "notes": "",
    }
    data.update(changes)
    return data


def jpeg(size=(300, 200), exif=None):
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "JPEG", **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def asset_named(app, name):
    with app.app_context():
        asset = db.session.scalar(sa.select(Asset).where(Asset.name == name))
        if asset is not None:
            db.session.expunge(asset)
        return asset


def asset_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Asset))


@pytest.fixture
def count_queries(app):
    @contextmanager
    def counting():
        with app.app_context():
            engine = db.engine
        counter = SimpleNamespace(count=0)

        def count(*args):
            counter.count += 1

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)

    return counting


# The list


def listed(client, **args):
    page = client.get("/register/assets", query_string=args).get_data(as_text=True)
    page = page.partition('<ul class="list asset-list">')[2]
    return {name for name in ("Ceiling fan", "Big slide", "Old slide", "Small slide")
            if name in page}


def test_list_hides_retired_and_links_to_scan_and_edit(client, auth, register):
    auth.login()
    page = client.get("/register/assets").get_data(as_text=True)
    assert listed(client) == {"Ceiling fan", "Big slide", "Small slide"}
    assert f'href="/q/{register.fan_code}"' in page
    assert f'href="/register/assets/{register.fan_asset}/edit"' in page
    assert register.fan_code in page
    assert "Kindergarten › Teaching building › Class 1" in page
    assert 'class="badge out_of_service">Out of service<' in page
    assert "3 assets found" in page


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"q": "fan"}, {"Ceiling fan"}),
        ({"q": "吊扇"}, {"Ceiling fan"}),
        ({"q": "gd-0"}, {"Ceiling fan"}),
        ({"q": "%"}, set()),
        ({"status": "retired"}, {"Old slide"}),
        ({"status": "out_of_service"}, {"Small slide"}),
        ({"status": "all"}, {"Ceiling fan", "Big slide", "Old slide", "Small slide"}),
        ({"status": "bogus"}, {"Ceiling fan", "Big slide", "Small slide"}),
        ({"q": "slide", "status": "all"}, {"Big slide", "Old slide", "Small slide"}),
        ({"place": "not-a-number"}, {"Ceiling fan", "Big slide", "Small slide"}),
        ({"page": "-3"}, {"Ceiling fan", "Big slide", "Small slide"}),
    ],
)
def test_list_filters(client, auth, register, args, expected):
    auth.login()
    assert listed(client, **args) == expected


def test_search_by_code_and_place_and_kind(client, auth, register):
    auth.login()
    assert listed(client, q=register.fan_code.lower()) == {"Ceiling fan"}
    # A building's filter includes the rooms inside it.
    assert listed(client, place=register.building) == {"Ceiling fan"}
    assert listed(client, place=register.site) == {"Ceiling fan", "Big slide", "Small slide"}
    assert listed(client, kind=register.slide) == {"Big slide", "Small slide"}
    assert listed(client, kind=register.slide, status="retired") == {"Old slide"}


def test_list_is_paginated_with_a_constant_number_of_queries(
    app, client, auth, register, count_queries
):
    auth.login()
    with count_queries() as few:
        client.get("/register/assets")
    with app.app_context():
        for number in range(60):
            place = make_place(f"房间{number}", None, PlaceKind.ROOM, parent=None)
            make_asset(f"灯{number:02}", f"Lamp {number:02}", place=place,
                       kind=make_kind("lamp", "灯", "Lamp"))
        db.session.commit()
    with count_queries() as many:
        first = client.get("/register/assets?q=lamp").get_data(as_text=True)
    assert many.count == few.count
    assert "60 assets found" in first and "Page 1 of 2" in first
    assert 'href="/register/assets?page=2&amp;q=lamp"' in first
    second = client.get("/register/assets?q=lamp&page=2").get_data(as_text=True)
    assert second.count('class="badge in_service"') == 10
    assert "Lamp 59" in second and "Lamp 00" not in second


def test_hostile_asset_names_are_escaped(app, client, auth, register):
    auth.login()
    client.post(
        "/register/assets/new",
        data=form_data(register, name="<script>alert(1)</script>", name_en=""),
    )
    for url in ("/register/assets", "/register/assets?q=<script>"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


# Registering


def test_register_an_asset_then_see_its_scan_page(app, client, auth, register):
    auth.login()
    page = client.get(f"/register/assets/new?place={register.room}").get_data(as_text=True)
    assert f'<option selected value="{register.room}">' in page
    response = client.post(
        "/register/assets/new",
        data=form_data(register, asset_number=" GD-002 ", notes="  靠窗  "),
    )
    asset = asset_named(app, "落地扇")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/q/{asset.code}"
    assert (asset.name_en, asset.asset_number, asset.notes) == ("Floor fan", "GD-002", "靠窗")
    assert asset.kind_id == register.fan and asset.place_id == register.room
    assert asset.status == AssetStatus.IN_SERVICE
    with app.app_context():
        scan_code = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == asset.code))
        assert scan_code.asset_id == asset.id


def test_empty_optional_fields_are_stored_empty(app, client, auth, register):
    auth.login()
    client.post("/register/assets/new", data=form_data(register, name_en="  "))
    asset = asset_named(app, "落地扇")
    assert asset.name_en is None and asset.asset_number is None and asset.photo is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 121}, "120 characters"),
        ({"kind_id": "999"}, "Not a valid choice"),
        ({"place_id": "abc"}, "Invalid Choice"),
        ({"status": "broken"}, "Not a valid choice"),
        ({"asset_number": "GD-001"}, "Asset number GD-001 already belongs to “Ceiling fan”"),
        ({"asset_number": "9" * 41}, "40 characters"),
    ],
)
def test_bad_asset_input_keeps_the_form(app, client, auth, register, changes, message):
    auth.login()
    response = client.post("/register/assets/new", data=form_data(register, **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="Floor fan"' in page
    assert asset_count(app) == 4


def test_no_places_or_kinds_yet(client, auth):
    client.set_cookie("lang", "en")
    auth.login()
    page = client.get("/register/assets/new").get_data(as_text=True)
    assert "add at least one place and one kind" in page


# Blank labels: the first labelling walk


@pytest.fixture
def blank_code(app, register):
    with app.app_context():
        code = make_blank_code()
        db.session.commit()
        return code.value


def test_a_blank_code_is_claimed_by_the_new_asset(app, client, auth, register, blank_code):
    auth.login()
    page = client.get(f"/register/assets/new?code={blank_code.lower()}").get_data(as_text=True)
    assert f'name="code" type="hidden" value="{blank_code}"' in page.replace('id="code" ', "")
    assert f"code of the label you scanned: {blank_code}" in page
    response = client.post(
        "/register/assets/new", data=form_data(register, code=blank_code)
    )
    assert response.headers["Location"] == f"/q/{blank_code}"
    asset = asset_named(app, "落地扇")
    assert asset.code == blank_code
    with app.app_context():
        scan_code = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == blank_code))
        assert scan_code.asset_id == asset.id


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ZZZZZZ", "was never issued"),
        ("NOT-A-CODE!", "is not a Patrol code"),
        ("owned", "already belongs to something else"),
        ("replaced", "was replaced"),
    ],
)
def test_a_code_that_is_not_blank_is_refused(app, client, auth, register, code, message):
    auth.login()
    if code == "owned":
        code = register.fan_code
    if code == "replaced":
        with app.app_context():
            code = register.fan_code
            replace_code(db.session.get(Asset, register.fan_asset))
            db.session.commit()
    response = client.get("/register/assets/new", query_string={"code": code})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    response = client.post("/register/assets/new", data=form_data(register, code=code))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and "gets a new code" in page
    assert 'name="code" type="hidden" value=""' in page.replace('id="code" ', "")
    assert 'value="Floor fan"' in page
    assert asset_count(app) == 4


# Editing, moving, retiring


def test_edit_moves_and_changes_status(app, client, auth, register):
    auth.login()
    page = client.get(f"/register/assets/{register.fan_asset}/edit").get_data(as_text=True)
    assert 'value="吊扇"' in page and 'value="GD-001"' in page
    assert '<option selected value="in_service">' in page
    response = client.post(
        f"/register/assets/{register.fan_asset}/edit",
        data=form_data(register, name="吊扇", name_en="Ceiling fan", asset_number="GD-001",
                       place_id=register.playground, status="out_of_service", notes="异响"),
    )
    assert response.headers["Location"] == f"/q/{register.fan_code}"
    asset = asset_named(app, "吊扇")
    assert asset.place_id == register.playground
    assert asset.status == AssetStatus.OUT_OF_SERVICE
    assert asset.notes == "异响"
    assert asset.code == register.fan_code


def test_edit_to_a_taken_asset_number_is_refused(app, client, auth, register):
    auth.login()
    with app.app_context():
        make_asset("柜式空调", asset_number="GD-009")
        db.session.commit()
    response = client.post(
        f"/register/assets/{register.fan_asset}/edit",
        data=form_data(register, name="吊扇", asset_number="GD-009"),
    )
    assert response.status_code == 400
    assert "GD-009 already belongs to" in response.get_data(as_text=True)
    assert asset_named(app, "吊扇").asset_number == "GD-001"


def test_edit_unknown_asset_is_404(client, auth):
    auth.login()
    assert client.get("/register/assets/999/edit").status_code == 404
    assert client.post("/register/assets/999/retire", data={"confirm": "y"}).status_code == 404


def test_retire_needs_confirmation_and_keeps_record_and_code(app, client, auth, register):
    auth.login()
    page = client.get(f"/register/assets/{register.fan_asset}/edit").get_data(as_text=True)
    assert f'action="/register/assets/{register.fan_asset}/retire"' in page
    response = client.post(f"/register/assets/{register.fan_asset}/retire", data={})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.get_data(as_text=True)
    assert asset_named(app, "吊扇").status == AssetStatus.IN_SERVICE

    response = client.post(
        f"/register/assets/{register.fan_asset}/retire", data={"confirm": "y"}
    )
    assert response.headers["Location"] == f"/q/{register.fan_code}"
    asset = asset_named(app, "吊扇")
    assert asset.status == AssetStatus.RETIRED and asset.code == register.fan_code
    with app.app_context():
        scan_code = db.session.scalar(
            sa.select(ScanCode).where(ScanCode.value == register.fan_code)
        )
        assert scan_code.asset_id == asset.id
    assert "Ceiling fan" not in listed(client)
    page = client.get(f"/register/assets/{register.fan_asset}/edit").get_data(as_text=True)
    assert "/retire" not in page


def test_the_day_of_retirement_is_kept_and_later_edits_leave_it(app, client, auth, register):
    auth.login()
    url = f"/register/assets/{register.fan_asset}"
    assert asset_named(app, "吊扇").retired_at is None
    client.post(f"{url}/retire", data={"confirm": "y"})
    retired_at = asset_named(app, "吊扇").retired_at
    assert retired_at is not None
    client.post(f"{url}/edit", data=form_data(register, name="吊扇", status="retired",
                                              notes="已拆除"))
    asset = asset_named(app, "吊扇")
    assert asset.notes == "已拆除" and asset.retired_at == retired_at
    # Back in use after all: no longer retired, so no day of retirement.
    client.post(f"{url}/edit", data=form_data(register, name="吊扇", status="in_service"))
    assert asset_named(app, "吊扇").retired_at is None


def test_the_database_refuses_a_retirement_without_its_day(app, register):
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(Asset).where(Asset.id == register.fan_asset).values(status="retired")
        )
        db.session.flush()


def test_retire_needs_get_to_be_refused(client, auth, register):
    auth.login()
    assert client.get(f"/register/assets/{register.fan_asset}/retire").status_code == 405


# Photos


def test_photo_on_register_and_replace_on_edit(photo_store, app, client, auth, register):
    auth.login()
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N",
                                   ExifTags.GPS.GPSLatitude: (31.0, 14.0, 5.5)}
    data = form_data(register, photo_file=(io.BytesIO(jpeg(exif=exif)), "IMG_0001.JPG"))
    response = client.post("/register/assets/new", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302
    asset = asset_named(app, "落地扇")
    first_photo = asset.photo
    stored = Image.open(io.BytesIO(stored_photo(app, photo_store, first_photo).jpeg))
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    page = client.get(f"/register/assets/{asset.id}/edit").get_data(as_text=True)
    assert f'src="/register/assets/{asset.id}/photo?size=thumb"' in page
    # Its address stays when the photo is replaced: asked again each time, never shared.
    shown = client.get(f"/register/assets/{asset.id}/photo")
    assert shown.status_code == 200
    assert shown.data == stored_photo(app, photo_store, first_photo).jpeg
    assert shown.cache_control.no_cache and shown.cache_control.private
    assert not shown.cache_control.public and shown.cache_control.max_age is None
    # Saving without a new file keeps the photo.
    client.post(f"/register/assets/{asset.id}/edit", data=form_data(register),
                content_type="multipart/form-data")
    assert asset_named(app, "落地扇").photo == first_photo

    data = form_data(register, photo_file=(io.BytesIO(jpeg((640, 480))), "new.png"))
    response = client.post(f"/register/assets/{asset.id}/edit", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302
    second_photo = asset_named(app, "落地扇").photo
    assert second_photo != first_photo
    assert stored_photo(app, photo_store, first_photo) is None
    with app.app_context():
        assert not list(photo_folder().glob(first_photo.removesuffix(".jpg") + "*"))
    assert Image.open(io.BytesIO(stored_photo(app, photo_store, second_photo).jpeg)).size == (
        640, 480
    )


def stored_photo(app, store, name):
    with app.app_context():
        return store.read(name)


def test_a_fake_photo_is_refused_and_nothing_is_saved(app, client, auth, register):
    auth.login()
    data = form_data(register, photo_file=(io.BytesIO(b"I am text, not a JPEG"), "fan.jpg"))
    response = client.post("/register/assets/new", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not a photo Patrol can read" in response.get_data(as_text=True)
    assert asset_count(app) == 4


def test_an_oversized_photo_is_refused(app, client, auth, register):
    app.config["PHOTO_MAX_BYTES"] = 500
    auth.login()
    data = form_data(register, photo_file=(io.BytesIO(jpeg((600, 600))), "fan.jpg"))
    response = client.post(f"/register/assets/{register.fan_asset}/edit", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)
    assert asset_named(app, "吊扇").name_en == "Ceiling fan"


@pytest.fixture
def photographed(app, client, auth, register):
    auth.login()
    data = form_data(register, photo_file=(io.BytesIO(jpeg((800, 600))), "fan.jpg"))
    client.post(f"/register/assets/{register.fan_asset}/edit", data=data,
                content_type="multipart/form-data")
    auth.logout()
    return register.fan_asset


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_staff_see_the_photo_and_its_thumbnail(client, auth, photographed, role):
    auth.login(role)
    response = client.get(f"/register/assets/{photographed}/photo")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (800, 600)
    assert "private" in response.headers["Cache-Control"]
    thumb = client.get(f"/register/assets/{photographed}/photo?size=thumb")
    assert Image.open(io.BytesIO(thumb.data)).size == (320, 240)


def test_photo_needs_sign_in_and_exists(client, auth, photographed, register):
    response = client.get(f"/register/assets/{photographed}/photo")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("inspector")
    assert client.get("/register/assets/999/photo").status_code == 404
    with_no_photo = client.get(f"/register/assets/{photographed + 1}/photo")
    assert with_no_photo.status_code == 404


def test_data_changing_posts_need_csrf(app, client, auth, register):
    auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/register/assets/new", data=form_data(register)).status_code == 400
    retire = client.post(f"/register/assets/{register.fan_asset}/retire", data={"confirm": "y"})
    assert retire.status_code == 400
    assert asset_count(app) == 4
    assert asset_named(app, "吊扇").status == AssetStatus.IN_SERVICE
