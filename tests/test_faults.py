"""Faults: raised by failed items, listed newest first, each with its history."""

from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.faults.raising import raise_fault
from app.models import (
    Asset,
    AssetStatus,
    Fault,
    FaultEvent,
    FaultStatus,
    Urgency,
)
from app.models.common import utcnow
from app.models.records import ImmutableRecordError
from tests.factories import make_asset, make_place, make_slide, make_staff_report, user
from tests.test_inspections import all_ok, image_file, inspections, post
from tests.test_inspections_records import QueryCounter


@pytest.fixture
def slide(app):
    return make_slide(app)


@pytest.fixture
def failed(app, client, auth, slide):
    """An inspection where the critical item failed, with a photo."""
    check_2 = slide["items"][1]
    auth.login("inspector")
    data = all_ok(slide, **{
        f"item-{check_2}-outcome": "fail",
        f"item-{check_2}-note": "Crack in the sliding surface",
        f"item-{check_2}-photo": image_file(),
    })
    assert post(client, slide, data).status_code == 303
    [inspection] = inspections(app)
    with app.app_context():
        fault_id = db.session.scalar(sa.select(Fault.id))
    return dict(slide, inspection_id=inspection.id, fault_id=fault_id)


def test_raise_fault_records_the_fault_and_its_event(app):
    with app.app_context():
        asset = make_asset()
        reporter = user("inspector")
        fault = raise_fault(asset, "Seat cracked", Urgency.NEEDS_REPAIR, reporter=reporter)
        db.session.commit()
        assert fault.status == FaultStatus.REPORTED
        assert fault.took_out_of_service is False
        assert [(e.action, e.actor_id) for e in fault.events] == [("reported", reporter.id)]
        assert asset.status == AssetStatus.IN_SERVICE


def test_raise_fault_taking_the_asset_out_of_service(app):
    with app.app_context():
        asset = make_asset()
        fault = raise_fault(asset, "Chain broken", Urgency.UNSAFE, take_out_of_service=True)
        db.session.commit()
        assert asset.status == AssetStatus.OUT_OF_SERVICE
        assert fault.took_out_of_service is True
        assert [e.action for e in fault.events] == ["reported", "taken_out_of_service"]


def test_fault_events_are_immutable(app, failed):
    with app.app_context():
        event = db.session.scalar(sa.select(FaultEvent))
        event.note = "rewritten"
        with pytest.raises(ImmutableRecordError):
            db.session.flush()
        db.session.rollback()


# The list


def test_list_shows_open_faults_newest_first_unsafe_marked(app, client, auth, failed):
    with app.app_context():
        asset = db.session.get(Asset, failed["asset_id"])
        older = make_staff_report(asset, "Paint peeling", at=utcnow() - timedelta(days=3))
        db.session.commit()
        older_id = older.id
    page = client.get("/faults/").get_data(as_text=True)
    assert page.index(f'href="/faults/{failed["fault_id"]}"') < page.index(
        f'href="/faults/{older_id}"'
    )
    assert "Unsafe now" in page and "Needs repair" in page
    assert "Slide 1" in page and "Playground" in page
    assert "Crack in the sliding surface" in page
    assert f"From inspection #{failed['inspection_id']}" in page
    assert "Inspector" in page
    assert "3 days ago" in page


def test_list_when_nothing_is_open(client, auth):
    auth.login("repairer")
    response = client.get("/faults/")
    assert response.status_code == 200
    assert "No open faults." in response.text


def test_list_in_chinese(client, auth, failed):
    client.set_cookie("lang", "zh")
    page = client.get("/faults/").text
    assert "滑梯 1" in page and "操场" in page


def test_list_runs_the_same_queries_however_many_faults(app, client, auth):
    auth.login("repairer")

    def add_faults(how_many):
        with app.app_context():
            place = make_place(name=f"场地{how_many}")
            for n in range(how_many):
                asset = make_asset(name=f"A{how_many}-{n}", place=place)
                make_staff_report(asset, "x", Urgency.UNSAFE)
            db.session.commit()

    def measure():
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            assert client.get("/faults/").status_code == 200
        return len(counter)

    add_faults(2)
    few = measure()
    add_faults(30)
    assert measure() == few


# One fault


def test_fault_page_links_to_asset_inspection_and_item(app, client, failed):
    response = client.get(f"/faults/{failed['fault_id']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="/q/{failed["code"]}"' in page
    assert f'href="/inspections/{failed["inspection_id"]}"' in page
    assert f'/inspections/{failed["inspection_id"]}#answer-{failed["items"][1]}' in page
    assert "Sliding surface smooth" in page
    assert f"/faults/{failed['fault_id']}/photo?size=thumb" in page
    assert "Unsafe now" in page and "Do not use" in page
    assert "Reported" in page and "Took the asset out of service" in page
    assert page.count("Inspector") >= 3  # reporter, and the actor of both events


def test_fault_photo_and_thumbnail(photo_store, client, failed):
    for suffix in ("", "?size=thumb"):
        response = client.get(f"/faults/{failed['fault_id']}/photo{suffix}")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert Image.open(BytesIO(response.data)).format == "JPEG"
        # Staff only: the phone may keep it, a shared proxy must not.
        assert response.cache_control.private and not response.cache_control.public


def test_fault_without_photo(app, client, auth):
    with app.app_context():
        fault = make_staff_report(make_asset(), "Squeaks")
        db.session.commit()
        fault_id = fault.id
    auth.login("admin")
    page = client.get(f"/faults/{fault_id}").text
    assert "/photo" not in page and "From inspection" not in page
    assert client.get(f"/faults/{fault_id}/photo").status_code == 404


def test_unknown_fault_is_not_found(client, auth):
    auth.login("admin")
    assert client.get("/faults/999").status_code == 404
    assert client.get("/faults/999/photo").status_code == 404


def test_hostile_description_is_escaped(app, client, auth):
    with app.app_context():
        fault = make_staff_report(
            make_asset(name="<b>bold</b>"), "<script>alert(1)</script>", Urgency.UNSAFE
        )
        db.session.commit()
        fault_id = fault.id
    auth.login("admin")
    for url in ("/faults/", f"/faults/{fault_id}"):
        page = client.get(url).text
        assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_every_staff_role_sees_faults_and_the_menu_link(client, auth, failed, role):
    auth.logout()
    auth.login(role)
    listing = client.get("/faults/")
    assert listing.status_code == 200
    assert '<a href="/faults/">Faults</a>' in listing.text  # in the menu of every page
    assert client.get(f"/faults/{failed['fault_id']}").status_code == 200


def test_signed_out_is_sent_to_sign_in(client, auth, failed):
    auth.logout()
    for url in ("/faults/", f"/faults/{failed['fault_id']}", f"/faults/{failed['fault_id']}/photo"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location
