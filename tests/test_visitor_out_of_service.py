"""A visitor who takes an asset out of service: seen at once, and undone by the head in one step.

The swing was taken out of service by a visitor's report (perhaps a prank); the slide has an
unsafe fault from the inspector nobody has taken, reported later; the bench has a visitor's
report that left it in service.
"""

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Asset, AssetStatus, Fault, FaultStatus, Urgency
from app.models.common import utcnow
from tests.factories import make_asset, make_fault_at, make_public_report, make_staff_report

MARK = "Taken out of service by a visitor"
UNDO = "Prank: dismiss and put back in service"


@pytest.fixture
def school(app):
    with app.app_context():
        now = utcnow()
        swing = make_asset("秋千", "Swing")
        slide = make_asset("滑梯", "Slide")
        bench = make_asset("长椅", "Bench")
        prank = make_public_report(swing, "Chain broken", at=now - timedelta(hours=3))
        staff = make_staff_report(slide, "Step loose", Urgency.UNSAFE)
        kept_in = make_public_report(bench, "Paint peeling", take_out_of_service=False)
        db.session.commit()
        return {
            "prank": prank.id,
            "staff": staff.id,
            "kept_in": kept_in.id,
            "swing": swing.id,
            "slide": slide.id,
        }


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def dismiss(client, fault_id, **data):
    return client.post(f"/faults/{fault_id}/dismiss", data=data)


# Seen at once


def test_the_fault_list_marks_it_and_shows_it_first(client, auth, school):
    auth.login("admin")
    page = text(client.get("/faults/"))
    assert page.count(MARK) == 1
    prank, staff = page.find(f'href="/faults/{school["prank"]}"'), page.find(
        f'href="/faults/{school["staff"]}"'
    )
    assert 0 <= prank < staff  # before the newer unsafe fault nobody has taken
    assert page.find(MARK) < staff


def test_the_fault_list_filters_on_it(client, auth, school):
    auth.login("inspector")
    page = text(client.get("/faults/?status=open&visitor=1"))
    assert f'href="/faults/{school["prank"]}"' in page
    assert f'href="/faults/{school["staff"]}"' not in page
    assert f'href="/faults/{school["kept_in"]}"' not in page
    assert 'name="visitor" value="1" checked' in page


def test_the_mark_in_chinese(client, auth, school):
    auth.login("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    assert "访客已停用" in text(client.get("/faults/"))
    page = text(client.get(f"/faults/{school['prank']}"))
    assert "访客已停用" in page and "误报/恶作剧：撤销并恢复使用" in page


def test_the_dashboard_shows_it_first(client, auth, school):
    auth.login("admin")
    page = text(client.get("/"))
    start = page.find('id="dash-visitor"')
    end = page.find("</section>", start)
    assert 0 <= start < end
    section = page[start:end]
    assert "1 asset taken out of service by a visitor" in section
    assert f'href="/faults/{school["prank"]}"' in section
    assert "Chain broken" in section and "Step loose" not in section
    assert "/faults/?status=open&amp;visitor=1" in section


def test_the_dashboard_says_nothing_of_it_when_there_is_none(app, client, auth, school):
    with app.app_context():
        make_fault_at(FaultStatus.DISMISSED, fault=db.session.get(Fault, school["prank"]))
        db.session.commit()
    auth.login("admin")
    assert "taken out of service by a visitor" not in text(client.get("/"))


# The head's one step


def test_the_head_undoes_a_prank_in_one_post(app, client, auth, school):
    auth.login("admin")
    assert UNDO in text(client.get(f"/faults/{school['prank']}"))
    response = dismiss(client, school["prank"], note="Nothing wrong with the chain")
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Dismissed as not a real fault. Swing is back in service." in page
    assert UNDO not in page and MARK not in page
    with app.app_context():
        fault = db.session.get(Fault, school["prank"])
        assert fault.status == FaultStatus.DISMISSED and not fault.status.is_open
        assert [(e.action, e.status, e.actor and e.actor.username) for e in fault.events] == [
            ("reported", FaultStatus.REPORTED, None),
            ("taken_out_of_service", FaultStatus.REPORTED, None),
            ("dismissed", FaultStatus.DISMISSED, "admin"),
            ("back_in_service", FaultStatus.DISMISSED, "admin"),
        ]
        assert fault.events[2].note == "Nothing wrong with the chain"
        assert db.session.get(Asset, school["swing"]).status == AssetStatus.IN_SERVICE
    assert MARK not in text(client.get("/faults/?status=all"))


def test_a_second_tap_changes_nothing(app, client, auth, school):
    auth.login("admin")
    dismiss(client, school["prank"])
    again = dismiss(client, school["prank"])
    assert again.status_code == 303
    assert "already dismissed" in text(client.get(again.headers["Location"]))
    with app.app_context():
        events = db.session.get(Fault, school["prank"]).events
        assert [e.action for e in events].count("dismissed") == 1


@pytest.mark.parametrize("username", ["inspector", "repairer"])
def test_only_the_head_may_undo_it(app, client, auth, school, username):
    auth.login(username)
    assert UNDO not in text(client.get(f"/faults/{school['prank']}"))
    assert dismiss(client, school["prank"]).status_code == 403
    with app.app_context():
        assert db.session.get(Fault, school["prank"]).status == FaultStatus.REPORTED
        assert db.session.get(Asset, school["swing"]).status == AssetStatus.OUT_OF_SERVICE


def test_a_staff_report_cannot_be_dismissed(app, client, auth, school):
    auth.login("admin")
    assert "Prank" not in text(client.get(f"/faults/{school['staff']}"))
    response = dismiss(client, school["staff"])
    assert response.status_code == 400
    assert "Only a report made without an account" in text(response)
    with app.app_context():
        assert db.session.get(Fault, school["staff"]).status == FaultStatus.REPORTED


def test_a_repaired_report_was_real(app, client, auth, school):
    with app.app_context():
        make_fault_at(FaultStatus.REPAIRED, fault=db.session.get(Fault, school["prank"]))
        db.session.commit()
    auth.login("admin")
    assert "Prank" not in text(client.get(f"/faults/{school['prank']}"))
    assert dismiss(client, school["prank"]).status_code == 400
    with app.app_context():
        assert db.session.get(Fault, school["prank"]).status == FaultStatus.REPAIRED


def test_a_report_that_left_the_asset_in_service_is_dismissed_without_changing_it(
    app, client, auth, school
):
    auth.login("admin")
    assert "Prank: dismiss the report" in text(client.get(f"/faults/{school['kept_in']}"))
    response = dismiss(client, school["kept_in"])
    assert "Dismissed as not a real fault." in text(client.get(response.headers["Location"]))
    with app.app_context():
        fault = db.session.get(Fault, school["kept_in"])
        assert fault.status == FaultStatus.DISMISSED
        assert [e.action for e in fault.events] == ["reported", "dismissed"]


def test_the_asset_stays_out_while_another_open_fault_keeps_it_out(app, client, auth, school):
    with app.app_context():
        swing = db.session.get(Asset, school["swing"])
        make_staff_report(swing, "Frame bent", Urgency.UNSAFE, take_out_of_service=True)
        db.session.commit()
    auth.login("admin")
    response = dismiss(client, school["prank"])
    assert "Swing stays out of service" in text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Asset, school["swing"]).status == AssetStatus.OUT_OF_SERVICE
        actions = [e.action for e in db.session.get(Fault, school["prank"]).events]
        assert "back_in_service" not in actions


def test_a_visitor_may_still_take_an_asset_out_of_service(app, school):
    with app.app_context():
        slide = db.session.get(Asset, school["slide"])
        make_public_report(slide, "Sharp edge")
        db.session.commit()
        assert db.session.get(Asset, school["slide"]).status == AssetStatus.OUT_OF_SERVICE
