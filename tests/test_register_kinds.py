import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AssetKind, AssetStatus
from tests.factories import make_asset, make_kind


@pytest.fixture
def kinds(app, client):
    client.set_cookie("lang", "en")
    with app.app_context():
        slide = make_kind("slide", "滑梯", "Slide")
        fan = make_kind("electric-fan", "电风扇", "Electric fan")
        make_asset("滑梯 1", kind=slide)
        make_asset("滑梯 2", kind=slide, status=AssetStatus.RETIRED)
        db.session.commit()
        return {"slide": slide.id, "fan": fan.id}


def kind_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AssetKind))


def test_list_shows_kinds_with_counts_and_links(client, auth, kinds):
    auth.login()
    page = client.get("/register/kinds").get_data(as_text=True)
    assert "滑梯" in page and "Electric fan" in page and "electric-fan" in page
    assert f'href="/register/assets?kind={kinds["slide"]}">Assets: 1<' in page
    assert f'href="/register/kinds/{kinds["fan"]}/edit"' in page


def test_add_a_kind(app, client, auth, kinds):
    auth.login()
    response = client.post(
        "/register/kinds", data={"key": " Gas-Stove ", "name": "燃气灶", "name_en": "Gas stove"}
    )
    assert response.status_code == 302
    with app.app_context():
        kind = db.session.scalar(sa.select(AssetKind).where(AssetKind.key == "gas-stove"))
        assert (kind.name, kind.name_en) == ("燃气灶", "Gas stove")


def test_english_name_is_optional(app, client, auth):
    auth.login()
    response = client.post("/register/kinds", data={"key": "sandpit", "name": "沙池"})
    assert response.status_code == 302
    with app.app_context():
        kind = db.session.scalar(sa.select(AssetKind).where(AssetKind.key == "sandpit"))
        assert kind.name_en is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "slide", "name": "新滑梯", "name_en": ""}, "already has the key “slide”"),
        ({"key": "slide2", "name": "滑梯", "name_en": ""}, "already called “滑梯”"),
        ({"key": "slide2", "name": "新滑梯", "name_en": "SLIDE"}, "already called “SLIDE”"),
        ({"key": "Slide Two!", "name": "新滑梯", "name_en": ""}, "lower-case letters"),
        ({"key": "", "name": "", "name_en": ""}, "This field is required"),
        ({"key": "k" * 41, "name": "新滑梯", "name_en": ""}, "40 characters"),
    ],
)
def test_bad_or_duplicate_kinds_are_refused(app, client, auth, kinds, data, message):
    auth.login()
    response = client.post("/register/kinds", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert f'value="{data["name"]}"' in response.get_data(as_text=True)
    assert kind_count(app) == 2


def test_edit_names_keeps_the_key(app, client, auth, kinds):
    auth.login()
    page = client.get(f"/register/kinds/{kinds['fan']}/edit").get_data(as_text=True)
    assert "electric-fan" in page and 'value="电风扇"' in page
    response = client.post(
        f"/register/kinds/{kinds['fan']}/edit",
        data={"name": "电扇", "name_en": "Fan", "key": "hacked"},
    )
    assert response.status_code == 302
    with app.app_context():
        kind = db.session.get(AssetKind, kinds["fan"])
        assert (kind.key, kind.name, kind.name_en) == ("electric-fan", "电扇", "Fan")


def test_edit_to_a_taken_name_is_refused(app, client, auth, kinds):
    auth.login()
    response = client.post(
        f"/register/kinds/{kinds['fan']}/edit", data={"name": "滑梯", "name_en": "Fan"}
    )
    assert response.status_code == 400
    assert "already called “滑梯”" in response.get_data(as_text=True)
    # Keeping its own names is not a clash.
    response = client.post(
        f"/register/kinds/{kinds['fan']}/edit",
        data={"name": "电风扇", "name_en": "Electric fan"},
    )
    assert response.status_code == 302


def test_edit_unknown_kind_is_404(client, auth):
    auth.login()
    assert client.get("/register/kinds/999/edit").status_code == 404


def test_hostile_kind_name_is_escaped(client, auth, kinds):
    auth.login()
    client.post("/register/kinds", data={"key": "x", "name": '<img src=x onerror="alert(1)">'})
    page = client.get("/register/kinds").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page
