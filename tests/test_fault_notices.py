"""The notices a fault's steps write: to whom, with what facts, once, and only if it stands."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.faults import lifecycle
from app.faults.raising import raise_fault
from app.models import Fault, FaultStatus, Notice, Reason, Role, Urgency
from app.notices import fault_notices
from tests.factories import (
    make_asset,
    make_channel,
    make_fault_at,
    make_place,
    make_public_report,
    make_slide,
    make_staff_report,
    make_user,
    user,
)
from tests.test_inspections import all_ok, post


def notices(reason=None):
    query = sa.select(Notice).order_by(Notice.id)
    if reason is not None:
        query = query.where(Notice.reason == reason)
    return db.session.scalars(query).all()


def names(people):
    return sorted(person.username for person in people)


def swing_fault(urgency=Urgency.NEEDS_REPAIR, reporter=None, code=None):
    # Not flushed, unlike make_staff_report: the notices must leave flushing to the commit.
    school = make_place("东校区", "East campus")
    playground = make_place("操场", "Playground", parent=school)
    swing = make_asset("秋千", "Swing", place=playground, code=code)
    return raise_fault(swing, "座板开裂", urgency, reporter=reporter)


def test_an_unsafe_report_tells_the_active_repairers_and_admins(app):
    app.config["MAIL_SERVER"] = "smtp.school.test"
    with app.app_context():
        make_user("former", Role.ADMIN, password=None, email="former@school.test", active=False)
        deputy = make_user("deputy", Role.ADMIN, password=None, email="deputy@school.test")
        make_user("fixer", Role.REPAIRER, password=None)
        chat = make_channel(reasons={Reason.UNSAFE})
        fault = swing_fault(Urgency.UNSAFE, reporter=user("inspector"), code="SW-1")
        swing_fault(Urgency.NEEDS_REPAIR)
        db.session.commit()

        [notice] = notices()
        assert notice.reason == Reason.UNSAFE
        assert notice.fault == fault and notice.fault_event.action == "reported"
        assert names(notice.recipients) == ["admin", "deputy", "fixer", "repairer"]
        assert [d.recipient for d in notice.deliveries] == [
            f"email:{deputy.id}",
            f"channel:{chat.id}",
        ]
        assert notice.facts == {
            "asset": {"zh": "秋千", "en": "Swing"},
            "code": "SW-1",
            "place": {"zh": "东校区 › 操场", "en": "East campus › Playground"},
            "description": "座板开裂",
            "urgency": "unsafe",
        }


def test_a_visitors_unsafe_report_is_told_too(app):
    with app.app_context():
        make_public_report(make_asset())
        db.session.commit()
        [notice] = notices()
        assert notice.reason == Reason.UNSAFE
        assert names(notice.recipients) == ["admin", "repairer"]


def test_a_failed_critical_item_of_an_inspection_is_told_as_unsafe(app, client, auth):
    slide = make_slide(app)
    check_1, check_2, *_ = slide["items"]
    auth.login("inspector")
    response = post(client, slide, all_ok(slide, **{
        f"item-{check_1}-outcome": "fail",
        f"item-{check_1}-note": "Step loose",
        f"item-{check_2}-outcome": "fail",
        f"item-{check_2}-note": "Crack in the sliding surface",
    }))
    assert response.status_code == 303
    with app.app_context():
        [notice] = notices()
        assert notice.reason == Reason.UNSAFE
        assert notice.fault.item_id == check_2
        assert "Crack in the sliding surface" in notice.facts["description"]


def test_an_assigned_job_tells_the_repairer(app):
    with app.app_context():
        fault = make_fault_at(FaultStatus.ASSIGNED)
        db.session.commit()
        [notice] = notices(Reason.ASSIGNED)
        assert notice.recipients == [user("repairer")]
        assert notice.fault_event.action == "assigned"
        assert notice.fault_id == fault.id


def test_a_repair_tells_the_reporter_to_accept_it(app):
    with app.app_context():
        make_fault_at(FaultStatus.REPAIRED, reporter=user("inspector"))
        db.session.commit()
        [notice] = notices(Reason.TO_ACCEPT)
        assert notice.recipients == [user("inspector")]


@pytest.mark.parametrize("reporter", ["public", "disabled"])
def test_a_repair_nobody_can_accept_for_themself_tells_the_admins(app, reporter):
    with app.app_context():
        deputy = make_user("deputy", Role.ADMIN, password=None)
        if reporter == "public":
            fault = make_public_report(make_asset())
        else:
            fault = make_staff_report(make_asset(), reporter=make_user("left"))
            fault.reported_by.active = False
        make_fault_at(FaultStatus.REPAIRED, fault=fault)
        db.session.commit()
        [notice] = notices(Reason.TO_ACCEPT)
        assert notice.recipients == [user("admin"), deputy]


def test_a_repair_sent_back_tells_the_repairer_why(app):
    with app.app_context():
        fault = make_fault_at(FaultStatus.REPAIRED, reporter=user("inspector"))
        lifecycle.reopen(fault, user("inspector"), "还在晃")
        db.session.commit()
        [notice] = notices(Reason.REOPENED)
        assert notice.recipients == [user("repairer")]
        assert notice.facts["why"] == "还在晃"


def test_the_same_step_is_told_once(app):
    with app.app_context():
        fault = make_fault_at(FaultStatus.ASSIGNED)
        [event] = [e for e in fault.events if e.action == "assigned"]
        fault_notices.fault_assigned(fault, event)
        db.session.commit()
        fault_notices.fault_assigned(fault, event)
        db.session.commit()
        assert len(notices(Reason.ASSIGNED)) == 1


def test_notices_wait_for_the_commit_and_flush_nothing(app):
    with app.app_context():
        repairer, admin = user("repairer"), user("admin")
        fault = swing_fault(Urgency.UNSAFE)
        lifecycle.assign(fault, repairer, admin)
        assert fault in db.session.new
        assert all(notice.id is None for notice in db.session.new if isinstance(notice, Notice))
        db.session.commit()
        assert sorted(n.reason for n in notices()) == [Reason.ASSIGNED, Reason.UNSAFE]
        assert {n.fault_id for n in notices()} == {fault.id}


def test_a_duplicate_report_fails_at_its_own_commit_and_tells_nobody(app):
    """A report sent twice fails at the reporter's commit, not inside the notices."""
    with app.app_context():
        first = swing_fault(Urgency.UNSAFE)
        first.client_id = "phone-1"
        db.session.commit()
        raise_fault(first.asset, "again", Urgency.UNSAFE, client_id="phone-1")
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert [n.fault_id for n in notices()] == [first.id]


def test_a_step_rolled_back_leaves_no_notice_and_a_committed_one_keeps_it(app):
    with app.app_context():
        asset = make_asset()
        db.session.commit()
        raise_fault(asset, "undone", Urgency.UNSAFE)
        db.session.rollback()
        db.session.commit()
        assert notices() == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Fault)) == 0

        kept = raise_fault(asset, "kept", Urgency.UNSAFE)
        db.session.commit()
        assert [n.fault_id for n in notices()] == [kept.id]
