"""Reported unsafe, judged still usable: one recorded step, for those who may put it back.

The swing was taken out of service by a visitor's unsafe report; the slide has a fault that
left it in service.
"""

import re

import pytest

from app.extensions import db
from app.models import Asset, AssetStatus, Fault, FaultStatus, Urgency
from tests.factories import make_asset, make_public_report

BUTTON = "Still usable: put back in service"


@pytest.fixture
def school(app):
    with app.app_context():
        swing = make_asset("秋千", "Swing")
        slide = make_asset("滑梯", "Slide")
        unsafe = make_public_report(swing, "Chain looks rusty")
        kept_in = make_public_report(slide, "Paint peeling", take_out_of_service=False)
        db.session.commit()
        return {"unsafe": unsafe.id, "kept_in": kept_in.id, "swing": swing.id}


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def judge(client, fault_id, **data):
    return client.post(f"/faults/{fault_id}/still-usable", data=data)


def test_the_head_judges_it_still_usable_in_one_post(app, client, auth, school):
    auth.login("admin")
    assert BUTTON in text(client.get(f"/faults/{school['unsafe']}"))
    response = judge(client, school["unsafe"], note="Surface rust only")
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Judged still usable. Swing is back in service." in page
    assert BUTTON not in page
    with app.app_context():
        fault = db.session.get(Fault, school["unsafe"])
        # Still a fault to repair, no longer keeping the swing out.
        assert fault.status == FaultStatus.REPORTED and not fault.took_out_of_service
        assert [(e.action, e.actor and e.actor.username) for e in fault.events] == [
            ("reported", None),
            ("taken_out_of_service", None),
            ("judged_still_usable", "admin"),
            ("back_in_service", "admin"),
        ]
        assert fault.events[2].note == "Surface rust only"
        swing = db.session.get(Asset, school["swing"])
        assert swing.status == AssetStatus.IN_SERVICE
        code = swing.code
    assert "Do not use" not in text(client.get(f"/q/{code}"))


@pytest.mark.parametrize("username", ["inspector", "repairer"])
def test_only_those_who_may_put_it_back_may_judge(app, client, auth, school, username):
    auth.login(username)
    assert BUTTON not in text(client.get(f"/faults/{school['unsafe']}"))
    assert judge(client, school["unsafe"]).status_code == 403
    with app.app_context():
        assert db.session.get(Fault, school["unsafe"]).took_out_of_service
        assert db.session.get(Asset, school["swing"]).status == AssetStatus.OUT_OF_SERVICE


def test_refused_where_the_fault_keeps_nothing_out(app, client, auth, school):
    auth.login("admin")
    assert BUTTON not in text(client.get(f"/faults/{school['kept_in']}"))
    response = judge(client, school["kept_in"])
    assert response.status_code == 400
    assert "nothing to judge" in text(response)
    judge(client, school["unsafe"])
    assert judge(client, school["unsafe"]).status_code == 400  # a second tap records nothing
    with app.app_context():
        events = db.session.get(Fault, school["unsafe"]).events
        assert [e.action for e in events].count("judged_still_usable") == 1
        assert [e.action for e in db.session.get(Fault, school["kept_in"]).events] == [
            "reported"
        ]


def test_the_asset_stays_out_while_another_fault_keeps_it_out(app, client, auth, school):
    with app.app_context():
        make_public_report(db.session.get(Asset, school["swing"]), "Frame bent")
        db.session.commit()
    auth.login("admin")
    response = judge(client, school["unsafe"])
    assert "Swing stays out of service" in text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Asset, school["swing"]).status == AssetStatus.OUT_OF_SERVICE
        assert db.session.get(Fault, school["unsafe"]).urgency == Urgency.UNSAFE


def test_the_fault_that_keeps_it_out_offers_one_way_back_not_two(app, client, auth, school):
    auth.login("admin")
    page = text(client.get(f"/faults/{school['unsafe']}"))
    assert BUTTON in page
    assert "faults/{}/back-in-service".format(school["unsafe"]) not in page
    with app.app_context():
        # Out for another reason (set in the register), the plain step is still there.
        slide = db.session.get(Fault, school["kept_in"]).asset
        slide.status = AssetStatus.OUT_OF_SERVICE
        db.session.commit()
    page = text(client.get(f"/faults/{school['kept_in']}"))
    assert BUTTON not in page
    assert "faults/{}/back-in-service".format(school["kept_in"]) in page
