from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AssetStatus, Place, PlaceKind, ScanCode
from app.models.code import is_well_formed
from tests.factories import make_asset, make_kind, make_place

ADMIN_PAGES = [
    "/register/places",
    "/register/places/new",
    "/register/places/1/edit",
    "/register/kinds",
    "/register/kinds/1/edit",
    "/register/assets",
    "/register/assets/new",
    "/register/assets/1/edit",
    "/register/import",
    "/register/export.csv",
]
ADMIN_POSTS = [
    "/register/places/new",
    "/register/places/1/edit",
    "/register/kinds",
    "/register/kinds/1/edit",
    "/register/assets/new",
    "/register/assets/1/edit",
    "/register/assets/1/retire",
    "/register/import",
]


@pytest.fixture
def school(app):
    """幼儿园 › 教学楼 › 大一班 / 大二班, and 操场; walking order differs from the alphabet."""
    with app.app_context():
        site = make_place("幼儿园", "Kindergarten", PlaceKind.SITE)
        building = make_place(
            "教学楼", "Teaching building", PlaceKind.BUILDING, parent=site, position=1
        )
        second = make_place("大二班", "Class 2", PlaceKind.ROOM, parent=building, position=2)
        first = make_place("大一班", "Class 1", PlaceKind.ROOM, parent=building, position=1)
        playground = make_place("操场", "Playground", PlaceKind.AREA, parent=site, position=5)
        kind = make_kind()
        make_asset("风扇", "Fan", kind=kind, place=first)
        make_asset("空调", "Air conditioner", kind=kind, place=first)
        make_asset("旧风扇", "Old fan", kind=kind, place=second, status=AssetStatus.RETIRED)
        make_asset("滑梯", "Slide", kind=kind, place=playground)
        db.session.commit()
        return {
            name: place.id
            for name, place in (
                ("site", site),
                ("building", building),
                ("first", first),
                ("second", second),
                ("playground", playground),
            )
        }


@pytest.fixture
def count_queries(app):
    """A context manager counting the SQL statements run inside it."""

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


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_signed_out_is_sent_to_sign_in(client, school, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("url", ADMIN_POSTS)
def test_signed_out_cannot_post(client, school, url):
    response = client.post(url, data={"name": "x"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["inspector", "repairer"])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_other_roles_get_403(client, auth, school, role, url):
    auth.login(role)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["inspector", "repairer"])
@pytest.mark.parametrize("url", ADMIN_POSTS)
def test_other_roles_cannot_post(app, client, auth, school, role, url):
    auth.login(role)
    assert client.post(url, data={"name": "x", "confirm": "y"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Place)) == 5


def test_tree_in_walking_order_with_codes_and_counts(app, client, auth, english, school):
    auth.login()
    page = client.get("/register/places").get_data(as_text=True)
    order = [page.index(name) for name in ("Kindergarten", "Teaching building", "Class 1",
                                           "Class 2", "Playground")]
    assert order == sorted(order)
    assert 'class="depth-2"' in page
    with app.app_context():
        site = db.session.get(Place, school["site"])
        assert site.code in page
    # Retired assets are not counted; a place counts what is inside its sub-places.
    assert f'href="/register/assets?place={school["site"]}"' in page
    site_row = page[page.index(f'id="place-{school["site"]}"'):]
    assert "Assets: 3" in site_row[: site_row.index("</li>")]
    second_row = page[page.index(f'id="place-{school["second"]}"'):]
    assert "Assets: 0" in second_row[: second_row.index("</li>")]


def test_tree_page_queries_do_not_grow_with_places(app, client, auth, school, count_queries):
    auth.login()
    with count_queries() as few:
        client.get("/register/places")
    with app.app_context():
        parent = db.session.get(Place, school["building"])
        for number in range(20):
            room = make_place(f"房间{number}", None, PlaceKind.ROOM, parent=parent)
            make_asset(f"灯{number}", None, place=room)
        db.session.commit()
    with count_queries() as many:
        client.get("/register/places")
    assert many.count == few.count


def test_empty_tree_invites_a_site(client, auth, english):
    auth.login()
    assert b"No places yet" in client.get("/register/places").data


def test_new_place_gets_a_code_and_goes_last(app, client, auth, school):
    auth.login()
    form = client.get(f"/register/places/new?parent={school['building']}").get_data(as_text=True)
    assert f'<option selected value="{school["building"]}">' in form
    assert '<option selected value="room">' in form
    response = client.post(
        "/register/places/new",
        data={"name": "大三班", "name_en": "Class 3", "kind": "room",
              "parent": school["building"], "position": "", "notes": "二楼"},
    )
    assert response.status_code == 302
    with app.app_context():
        place = db.session.scalar(sa.select(Place).where(Place.name == "大三班"))
        assert response.headers["Location"].endswith(f"/register/places#place-{place.id}")
        assert is_well_formed(place.code)
        scan_code = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == place.code))
        assert scan_code.place_id == place.id
        assert place.parent_id == school["building"]
        assert place.position == 3
        assert place.notes == "二楼"


def test_new_site_without_parent(app, client, auth):
    auth.login()
    response = client.post(
        "/register/places/new",
        data={"name": "分园", "name_en": "", "kind": "site", "parent": "0", "position": "4"},
    )
    assert response.status_code == 302
    with app.app_context():
        place = db.session.scalar(sa.select(Place).where(Place.name == "分园"))
        assert place.parent_id is None
        assert place.name_en is None
        assert place.position == 4


def test_new_place_bad_input_keeps_the_form(app, client, auth, english, school):
    auth.login()
    response = client.post(
        "/register/places/new",
        data={"name": "", "name_en": "Typed", "kind": "room", "parent": school["site"],
              "position": "abc"},
    )
    assert response.status_code == 400
    assert b'value="Typed"' in response.data
    assert b"Please correct the marked fields" in response.data
    response = client.post(
        "/register/places/new",
        data={"name": "x", "kind": "castle", "parent": "999999"},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Place)) == 5


def test_sibling_names_must_differ(app, client, auth, english, school):
    auth.login()
    response = client.post(
        "/register/places/new",
        data={"name": "大一班", "kind": "room", "parent": school["building"]},
    )
    assert response.status_code == 400
    assert "already a place called “大一班”" in response.get_data(as_text=True)
    # The same name elsewhere in the tree is fine.
    response = client.post(
        "/register/places/new",
        data={"name": "大一班", "kind": "room", "parent": school["playground"]},
    )
    assert response.status_code == 302


def test_edit_renames_moves_and_reorders(app, client, auth, school):
    auth.login()
    page = client.get(f"/register/places/{school['second']}/edit").get_data(as_text=True)
    assert "大二班" in page
    response = client.post(
        f"/register/places/{school['second']}/edit",
        data={"name": "沙池", "name_en": "Sand pit", "kind": "area",
              "parent": school["playground"], "position": "", "notes": ""},
    )
    assert response.status_code == 302
    with app.app_context():
        place = db.session.get(Place, school["second"])
        assert (place.name, place.name_en, place.kind) == ("沙池", "Sand pit", PlaceKind.AREA)
        assert place.parent_id == school["playground"]
        assert place.position == 1
    response = client.post(
        f"/register/places/{school['second']}/edit",
        data={"name": "沙池", "kind": "area", "parent": school["playground"], "position": "7"},
    )
    with app.app_context():
        assert db.session.get(Place, school["second"]).position == 7


def test_edit_offers_own_subtree_only_disabled(client, auth, school):
    auth.login()
    page = client.get(f"/register/places/{school['building']}/edit").get_data(as_text=True)
    for inside in ("building", "first", "second"):
        assert f'<option disabled value="{school[inside]}">' in page
    assert f'<option value="{school["playground"]}">' in page


@pytest.mark.parametrize("target", ["building", "first"])
def test_a_place_cannot_become_its_own_ancestor(app, client, auth, english, school, target):
    auth.login()
    response = client.post(
        f"/register/places/{school['building']}/edit",
        data={"name": "教学楼", "kind": "building", "parent": school[target]},
    )
    assert response.status_code == 400
    assert b"cannot be moved into itself" in response.data
    with app.app_context():
        assert db.session.get(Place, school["building"]).parent_id == school["site"]


def test_edit_unknown_place_is_404(client, auth):
    auth.login()
    assert client.get("/register/places/999/edit").status_code == 404


def test_hostile_place_name_is_escaped(app, client, auth, school):
    auth.login()
    client.post(
        "/register/places/new",
        data={"name": "<script>alert(1)</script>", "kind": "room", "parent": school["site"]},
    )
    page = client.get("/register/places").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_post_without_csrf_token_is_refused(app, client, auth, school):
    auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/register/places/new", data={"name": "x", "kind": "room", "parent": "0"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(Place).where(Place.name == "x")) is None
