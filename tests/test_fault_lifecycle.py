"""A fault's life after the report: who may take each step, when, and what is recorded."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.faults import lifecycle
from app.faults.lifecycle import AlreadyDone, LifecycleError
from app.models import (
    AssetStatus,
    Cause,
    Fault,
    FaultEvent,
    FaultStatus,
    Role,
    Signature,
    Urgency,
)
from tests.factories import (
    make_asset,
    make_checklist,
    make_fault_at,
    make_inspection,
    make_public_report,
    make_staff_report,
    make_user,
    user,
)
from tests.test_inspections import drawn_signature


def repair(fault, repairer, **changes):
    entered = dict(
        note="New seat fitted",
        parts="1 seat",
        cost="85.50",
        cause="natural_wear",
        drawn_signature=drawn_signature(),
        typed_name="",
    )
    entered.update(changes)
    lifecycle.complete(fault, repairer, **entered)


def actions(fault):
    return [event.action for event in fault.events]


@pytest.fixture
def unsafe(app):
    """An unsafe fault reported by the inspector that took the swing out of service."""
    with app.app_context():
        asset = make_asset(name="秋千", name_en="Swing")
        fault = make_staff_report(asset, "Seat cracked", Urgency.UNSAFE, take_out_of_service=True)
        db.session.commit()
        yield fault


def test_the_whole_life_of_a_fault(unsafe):
    fault, admin, repairer, inspector = unsafe, user("admin"), user("repairer"), user("inspector")
    lifecycle.assign(fault, repairer, admin)
    lifecycle.start(fault, repairer)
    repair(fault, repairer)
    db.session.commit()
    assert fault.status == FaultStatus.REPAIRED
    assert fault.asset.status == AssetStatus.OUT_OF_SERVICE  # until the reporter accepts
    assert fault.cost == Decimal("85.50") and fault.cause == Cause.NATURAL_WEAR
    assert fault.repaired_by == repairer and fault.repair_signature.signer == repairer
    assert fault.repair_signature.image.startswith(b"\x89PNG")

    lifecycle.accept(fault, inspector, typed_name="Inspector Wang")
    db.session.commit()
    assert fault.status == FaultStatus.ACCEPTED
    assert fault.accepted_by == inspector
    assert fault.acceptance_signature.signer_name == "Inspector Wang"
    assert fault.acceptance_signature.image is None
    assert fault.asset.status == AssetStatus.IN_SERVICE
    assert actions(fault) == [
        "reported", "taken_out_of_service", "assigned", "started", "repaired", "accepted",
        "back_in_service",
    ]
    assert [e.status for e in fault.events][-3:] == [
        FaultStatus.REPAIRED, FaultStatus.ACCEPTED, FaultStatus.ACCEPTED,
    ]
    assert [e.actor.username for e in fault.events[2:]] == [
        "admin", "repairer", "repairer", "inspector", "inspector",
    ]
    repaired = fault.events[4]
    assert repaired.note == "New seat fitted" and repaired.signature == fault.repair_signature


def test_a_repairer_takes_an_unassigned_fault_and_completes_from_assigned(unsafe):
    repairer = user("repairer")
    lifecycle.take(unsafe, repairer)
    assert unsafe.status == FaultStatus.ASSIGNED and unsafe.assigned_to == repairer
    repair(unsafe, repairer, cost="", typed_name="Li Shifu", drawn_signature="")
    assert unsafe.status == FaultStatus.REPAIRED and unsafe.cost is None
    assert unsafe.repair_signature.signer_name == "Li Shifu"
    assert actions(unsafe)[-2:] == ["taken", "repaired"]


def test_taking_a_job_someone_has(unsafe):
    other = make_user("other", Role.REPAIRER)
    lifecycle.assign(unsafe, user("repairer"), user("admin"))
    with pytest.raises(LifecycleError, match="Someone already has this job"):
        lifecycle.take(unsafe, other)
    with pytest.raises(AlreadyDone):
        lifecycle.take(unsafe, user("repairer"))
    with pytest.raises(LifecycleError, match="Only a repairer"):
        lifecycle.take(unsafe, user("inspector"))


def test_a_repairer_starts_a_job_nobody_has_in_one_step(unsafe):
    repairer = user("repairer")
    assert lifecycle.may_start(unsafe, repairer)
    lifecycle.start(unsafe, repairer)
    db.session.commit()
    assert unsafe.status == FaultStatus.IN_PROGRESS and unsafe.assigned_to == repairer
    # Both steps stay in the history, each with the status it left and who took it.
    taken, started = unsafe.events[-2:]
    assert (taken.action, taken.status, taken.actor) == ("taken", FaultStatus.ASSIGNED, repairer)
    assert (started.action, started.status, started.actor) == (
        "started", FaultStatus.IN_PROGRESS, repairer,
    )
    with pytest.raises(AlreadyDone, match="already started"):
        lifecycle.start(unsafe, repairer)
    assert actions(unsafe) == ["reported", "taken_out_of_service", "taken", "started"]
    assert not lifecycle.may_start(unsafe, repairer)


def test_only_the_jobs_own_repairer_starts_it(unsafe):
    repairer, other = user("repairer"), make_user("other", Role.REPAIRER)
    for someone in (user("inspector"), user("admin")):
        assert not lifecycle.may_start(unsafe, someone)
        with pytest.raises(LifecycleError, match="Only a repairer"):
            lifecycle.start(unsafe, someone)
    assert unsafe.status == FaultStatus.REPORTED and unsafe.assigned_to is None
    assert actions(unsafe) == ["reported", "taken_out_of_service"]

    lifecycle.assign(unsafe, repairer, user("admin"))
    assert lifecycle.may_start(unsafe, repairer)
    for someone in (other, user("inspector"), user("admin")):
        assert not lifecycle.may_start(unsafe, someone)
        with pytest.raises(LifecycleError, match="not yours"):
            lifecycle.start(unsafe, someone)
    assert unsafe.status == FaultStatus.ASSIGNED and actions(unsafe)[-1] == "assigned"

    lifecycle.start(unsafe, repairer)
    with pytest.raises(LifecycleError, match="not yours"):
        lifecycle.start(unsafe, other)
    assert actions(unsafe).count("started") == 1 and "taken" not in actions(unsafe)


def test_assigning_is_for_admins_and_active_repairers(unsafe):
    repairer = user("repairer")
    with pytest.raises(LifecycleError, match="Only an administrator"):
        lifecycle.assign(unsafe, repairer, user("inspector"))
    with pytest.raises(LifecycleError, match="Only an administrator"):
        lifecycle.assign(unsafe, repairer, repairer)
    with pytest.raises(LifecycleError, match="active repairer"):
        lifecycle.assign(unsafe, user("inspector"), user("admin"))
    with pytest.raises(LifecycleError, match="active repairer"):
        lifecycle.assign(unsafe, make_user("gone", Role.REPAIRER, active=False), user("admin"))
    with pytest.raises(LifecycleError, match="active repairer"):
        lifecycle.assign(unsafe, None, user("admin"))
    assert unsafe.status == FaultStatus.REPORTED and unsafe.assigned_to is None
    assert actions(unsafe) == ["reported", "taken_out_of_service"]


def test_reassigning_before_the_repair_starts_but_not_after(unsafe):
    admin, repairer = user("admin"), user("repairer")
    other = make_user("other", Role.REPAIRER)
    lifecycle.assign(unsafe, repairer, admin)
    with pytest.raises(AlreadyDone):
        lifecycle.assign(unsafe, repairer, admin)
    lifecycle.assign(unsafe, other, admin)
    assert unsafe.assigned_to == other
    lifecycle.start(unsafe, other)
    with pytest.raises(LifecycleError, match="already started"):
        lifecycle.assign(unsafe, repairer, admin)


def test_only_the_assignee_starts_and_completes(unsafe):
    other = make_user("other", Role.REPAIRER)
    make_fault_at(FaultStatus.ASSIGNED, fault=unsafe)
    for step in (
        lambda: lifecycle.start(unsafe, other),
        lambda: repair(unsafe, other),
        lambda: lifecycle.start(unsafe, user("admin")),
        lambda: repair(unsafe, user("inspector")),
    ):
        with pytest.raises(LifecycleError, match="not yours"):
            step()
    assert unsafe.status == FaultStatus.ASSIGNED and unsafe.repaired_at is None


def test_steps_out_of_order(unsafe):
    repairer, inspector = user("repairer"), user("inspector")
    with pytest.raises(LifecycleError, match="not repaired yet"):
        lifecycle.accept(unsafe, inspector, typed_name="Wang")
    with pytest.raises(LifecycleError, match="Only a repaired fault"):
        lifecycle.reopen(unsafe, inspector, "no")
    lifecycle.take(unsafe, repairer)
    lifecycle.start(unsafe, repairer)
    with pytest.raises(AlreadyDone):
        lifecycle.start(unsafe, repairer)
    repair(unsafe, repairer)
    with pytest.raises(AlreadyDone, match="already signed off"):
        repair(unsafe, repairer)
    with pytest.raises(LifecycleError, match="Only an assigned job"):
        lifecycle.start(unsafe, repairer)
    assert actions(unsafe).count("repaired") == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"note": "  "}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({"parts": "x" * 2001}, "parts"),
        ({"cause": ""}, "cause"),
        ({"cause": "sabotage"}, "cause"),
        ({"cost": "-1"}, "cost"),
        ({"cost": "abc"}, "cost"),
        ({"cost": "NaN"}, "cost"),
        ({"cost": "Infinity"}, "cost"),
        ({"cost": "100000000"}, "cost"),
        ({"cost": "1.005"}, "cost"),
        ({"drawn_signature": "", "typed_name": "  "}, "signature"),
        ({"drawn_signature": "data:image/png;base64,aGVsbG8="}, "signature"),
    ],
)
def test_an_incomplete_repair_is_refused_and_changes_nothing(unsafe, changes, field):
    repairer = user("repairer")
    lifecycle.take(unsafe, repairer)
    db.session.commit()
    with pytest.raises(LifecycleError) as refused:
        repair(unsafe, repairer, **changes)
    assert field in refused.value.errors
    assert unsafe.status == FaultStatus.ASSIGNED and unsafe.repaired_at is None
    assert actions(unsafe)[-1] == "taken"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


@pytest.mark.parametrize(
    "typed, expected",
    [("0", "0.00"), ("120.5", "120.50"), ("１２０,５", "120.50"), ("¥ 99999999.99", "99999999.99")],
)
def test_cost_as_typed(typed, expected):
    assert lifecycle.parse_cost(typed) == Decimal(expected)


def test_the_reporter_accepts_and_nobody_else(app):
    with app.app_context():
        fault = make_fault_at(FaultStatus.REPAIRED, reporter=user("inspector"))
        for someone in (user("admin"), user("repairer")):
            with pytest.raises(LifecycleError):
                lifecycle.accept(fault, someone, typed_name="X")
        with pytest.raises(LifecycleError, match="Only the person who reported it, Inspector"):
            lifecycle.accept(fault, user("admin"), typed_name="X")
        lifecycle.accept(fault, user("inspector"), typed_name="Inspector")
        with pytest.raises(AlreadyDone, match="already accepted"):
            lifecycle.accept(fault, user("inspector"), typed_name="Inspector")
        assert actions(fault).count("accepted") == 1


def test_nobody_accepts_their_own_repair(app):
    with app.app_context():
        fault = make_fault_at(FaultStatus.REPAIRED, reporter=user("repairer"))
        with pytest.raises(LifecycleError, match="You did this repair"):
            lifecycle.accept(fault, user("repairer"), typed_name="Repairer")
        with pytest.raises(LifecycleError, match="You did this repair"):
            lifecycle.reopen(fault, user("repairer"), "try again")
        # The reporter cannot accept their own repair, so an admin or inspector does it.
        lifecycle.accept(fault, user("admin"), typed_name="Admin")
        assert fault.status == FaultStatus.ACCEPTED


def test_admin_or_inspector_accepts_for_a_public_reporter(app):
    with app.app_context():
        public = make_public_report(
            make_asset(), "Broken", take_out_of_service=False, name="Parent Zhang",
            phone="13800000000",
        )
        fault = make_fault_at(FaultStatus.REPAIRED, fault=public)
        with pytest.raises(LifecycleError, match="administrator or inspector"):
            lifecycle.accept(fault, make_user("other", Role.REPAIRER), typed_name="X")
        lifecycle.accept(fault, user("admin"), drawn_signature=drawn_signature())
        assert fault.accepted_by == user("admin")
        assert fault.acceptance_signature.signer_name == "Admin"


def test_admin_accepts_when_the_reporter_left(app):
    with app.app_context():
        reporter = make_user("left", Role.INSPECTOR)
        fault = make_fault_at(FaultStatus.REPAIRED, reporter=reporter)
        reporter.active = False
        lifecycle.accept(fault, user("inspector"), typed_name="Inspector")
        assert fault.status == FaultStatus.ACCEPTED


def test_reopen_with_a_reason(app):
    with app.app_context():
        fault = make_fault_at(FaultStatus.REPAIRED, reporter=user("inspector"))
        with pytest.raises(LifecycleError, match="Say why"):
            lifecycle.reopen(fault, user("inspector"), " ")
        with pytest.raises(LifecycleError, match="Only the person who reported it"):
            lifecycle.reopen(fault, user("admin"), "still wobbles")
        lifecycle.reopen(fault, user("inspector"), "Still wobbles")
        assert fault.status == FaultStatus.ASSIGNED and fault.assigned_to == user("repairer")
        assert fault.events[-1].action == "reopened" and fault.events[-1].note == "Still wobbles"
        # The repairer starts again; the first sign-off stays in the history.
        lifecycle.start(fault, user("repairer"))
        repair(fault, user("repairer"), note="Bolts tightened")
        assert actions(fault).count("repaired") == 2
        assert [e.note for e in fault.events if e.action == "repaired"] == [
            "换了螺丝", "Bolts tightened",
        ]


def test_reopen_without_an_assignee_goes_back_to_reported(app):
    with app.app_context():
        fault = make_fault_at(FaultStatus.REPAIRED, reporter=user("inspector"))
        fault.assigned_to = None
        lifecycle.reopen(fault, user("inspector"), "Not fixed")
        assert fault.status == FaultStatus.REPORTED


def test_comments_at_any_step(unsafe):
    for who in ("admin", "inspector", "repairer"):
        lifecycle.comment(unsafe, user(who), f"From {who}")
    with pytest.raises(LifecycleError, match="Write the comment"):
        lifecycle.comment(unsafe, user("admin"), "   ")
    assert [e.note for e in unsafe.events if e.action == "comment"] == [
        "From admin", "From inspector", "From repairer",
    ]
    assert all(e.status == FaultStatus.REPORTED for e in unsafe.events)


def test_the_asset_stays_out_while_another_fault_keeps_it_out(unsafe):
    asset = unsafe.asset
    second = make_public_report(asset, "Chain rusty")
    third = make_staff_report(asset, "Paint")
    for fault in (unsafe, second):
        make_fault_at(FaultStatus.REPAIRED, fault=fault)
    lifecycle.accept(unsafe, user("inspector"), typed_name="Inspector")
    assert asset.status == AssetStatus.OUT_OF_SERVICE
    assert "back_in_service" not in actions(unsafe)
    lifecycle.accept(second, user("admin"), typed_name="Admin")
    # The open paint fault never took it out of service.
    assert third.status == FaultStatus.REPORTED
    assert asset.status == AssetStatus.IN_SERVICE
    assert actions(second)[-1] == "back_in_service"


def test_a_retired_asset_stays_retired(unsafe):
    unsafe.asset.status = AssetStatus.RETIRED
    make_fault_at(FaultStatus.REPAIRED, fault=unsafe)
    lifecycle.accept(unsafe, user("inspector"), typed_name="Inspector")
    assert unsafe.asset.status == AssetStatus.RETIRED
    with pytest.raises(LifecycleError, match="retired"):
        lifecycle.back_in_service(unsafe.asset, user("admin"), "")


def test_admin_puts_the_asset_back_in_service(unsafe):
    asset = unsafe.asset
    second = make_public_report(asset, "Chain rusty")
    with pytest.raises(LifecycleError, match="Only an administrator"):
        lifecycle.back_in_service(asset, user("inspector"), "")
    recorded_on = lifecycle.back_in_service(asset, user("admin"), "Checked: safe")
    assert recorded_on == [unsafe, second]
    assert asset.status == AssetStatus.IN_SERVICE
    for fault in (unsafe, second):
        assert fault.status == FaultStatus.REPORTED  # still to be repaired
        assert fault.took_out_of_service is False
        assert fault.events[-1].action == "back_in_service"
        assert fault.events[-1].note == "Checked: safe"
    with pytest.raises(AlreadyDone):
        lifecycle.back_in_service(asset, user("admin"), "")


def test_back_in_service_without_an_open_fault_is_recorded_on_the_latest(app):
    with app.app_context():
        asset = make_asset()
        old = make_staff_report(asset, "Old")
        latest = make_staff_report(asset, "Latest")
        db.session.flush()
        asset.status = AssetStatus.OUT_OF_SERVICE
        assert lifecycle.back_in_service(asset, user("admin"), "") == [latest]
        assert "back_in_service" not in actions(old)
        bare = make_asset(name="Bare", status=AssetStatus.OUT_OF_SERVICE)
        with pytest.raises(LifecycleError, match="register"):
            lifecycle.back_in_service(bare, user("admin"), "")


def test_events_are_never_deleted(unsafe):
    lifecycle.take(unsafe, user("repairer"))
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count(FaultEvent.id)))
    assert count == len(unsafe.events) == 3
    assert db.session.get(Fault, unsafe.id).assigned_to_id == user("repairer").id


# The fault page and its forms


def fault_id_of(app, public_name=None, public_phone=None):
    with app.app_context():
        swing = make_asset(name="秋千", name_en="Swing")
        if public_name:
            fault = make_public_report(swing, "Seat cracked", name=public_name, phone=public_phone)
        else:
            fault = make_staff_report(
                swing, "Seat cracked", Urgency.UNSAFE, take_out_of_service=True
            )
        db.session.commit()
        return fault.id


def send(client, fault_id, action, **form):
    return client.post(f"/faults/{fault_id}/{action}", data=form)


def status_of(app, fault_id):
    with app.app_context():
        return db.session.get(Fault, fault_id).status


REPAIR_FORM = dict(note="New seat fitted", parts="Seat", cost="85.5", cause="natural_wear")


def test_demo_path_through_the_pages(app, client, auth):
    """Public report → repairer starts (taking it) and signs off on the same page → admin
    accepts → back in service."""
    fault_id = fault_id_of(app, public_name="Parent Zhang", public_phone="13800000000")
    auth.login("repairer")
    page = client.get(f"/faults/{fault_id}").text
    assert "Start the repair" in page and "Take it to start later" in page
    assert "Sign off the repair" not in page and "Accept the repair" not in page
    assert "Public report: Parent Zhang" in page and "13800000000" in page
    response = send(client, fault_id, "start")
    assert response.status_code == 303 and response.location.endswith(f"/faults/{fault_id}")
    page = client.get(f"/faults/{fault_id}").text
    assert "The job is yours. Repair started." in page
    assert "Start the repair" not in page and "Take it to start later" not in page
    assert "Sign off the repair" in page and "Natural wear: the school pays" in page
    assert 'name="signer_name"' in page and "data-pad" in page
    response = send(client, fault_id, "complete", signature_data=drawn_signature(),
                    **REPAIR_FORM)
    assert response.status_code == 303
    assert status_of(app, fault_id) == FaultStatus.REPAIRED
    auth.logout()

    auth.login("admin")
    page = client.get(f"/faults/{fault_id}").text
    assert "You accept it for the person who reported it." in page
    assert "85.50" in page and "Natural wear: the school pays for the repair." in page
    with app.app_context():
        signature_id = db.session.get(Fault, fault_id).repair_signature_id
    assert f"/faults/signatures/{signature_id}.png" in page
    image = client.get(f"/faults/signatures/{signature_id}.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.cache_control.private
    response = send(client, fault_id, "accept", signer_name="Admin for Parent Zhang")
    assert response.status_code == 303
    page = client.get(f"/faults/{fault_id}").text
    assert "Repair accepted. Swing is back in service." in page
    steps = ("Reported", "Taken", "Repair started", "Repaired and signed off",
             "Repair accepted", "Asset back in service")
    shown = [page.index(f"<strong>{step}</strong>") for step in steps]
    assert shown == sorted(shown)
    with app.app_context():
        fault = db.session.get(Fault, fault_id)
        assert fault.asset.status == AssetStatus.IN_SERVICE
        assert fault.acceptance_signature.signer_name == "Admin for Parent Zhang"


def test_accepting_twice_is_a_message_not_an_error(app, client, auth):
    fault_id = fault_id_of(app)
    with app.app_context():
        make_fault_at(FaultStatus.REPAIRED, fault=db.session.get(Fault, fault_id))
        db.session.commit()
    auth.login("inspector")
    assert send(client, fault_id, "accept", signer_name="Inspector").status_code == 303
    response = send(client, fault_id, "accept", signer_name="Inspector")
    assert response.status_code == 303
    assert "This repair is already accepted." in client.get(response.location).text
    with app.app_context():
        events = db.session.get(Fault, fault_id).events
        assert [e.action for e in events].count("accepted") == 1


def test_a_refused_repair_keeps_what_was_typed(app, client, auth):
    fault_id = fault_id_of(app)
    auth.login("repairer")
    send(client, fault_id, "start")
    response = send(client, fault_id, "complete", note="Seat <b>replaced</b>", parts="Seat",
                    cost="-3", cause="", signer_name="")
    assert response.status_code == 400
    page = response.text
    assert "The repair was not signed off" in page
    assert "The cost must be between 0 and 99999999.99." in page
    assert "Choose the cause." in page
    assert "Sign with your finger, or type your name to sign." in page
    assert "Seat &lt;b&gt;replaced&lt;/b&gt;" in page and 'value="-3"' in page
    assert status_of(app, fault_id) == FaultStatus.IN_PROGRESS


@pytest.mark.parametrize(
    "username, action, form",
    [
        ("inspector", "assign", {"repairer": "3"}),
        ("repairer", "assign", {"repairer": "3"}),
        ("inspector", "take", {}),
        ("admin", "take", {}),
        ("inspector", "start", {}),
        ("admin", "start", {}),
        ("admin", "complete", dict(REPAIR_FORM, signer_name="Admin")),
        ("repairer", "accept", {"signer_name": "Repairer"}),
        ("inspector", "accept", {"signer_name": "Inspector"}),
        ("inspector", "reopen", {"reason": "no"}),
        ("inspector", "back-in-service", {}),
        ("repairer", "back-in-service", {}),
    ],
)
def test_wrong_person_or_wrong_step_is_refused(app, client, auth, username, action, form):
    fault_id = fault_id_of(app)
    auth.login(username)
    response = send(client, fault_id, action, **form)
    assert response.status_code == 400
    assert 'class="flash flash-error"' in response.text
    with app.app_context():
        fault = db.session.get(Fault, fault_id)
        assert fault.status == FaultStatus.REPORTED and fault.assigned_to is None
        assert fault.asset.status == AssetStatus.OUT_OF_SERVICE
        assert [e.action for e in fault.events] == ["reported", "taken_out_of_service"]


def test_the_assigned_repairer_starts_then_signs_off_on_the_jobs_page(app, client, auth):
    fault_id = fault_id_of(app)
    with app.app_context():
        make_fault_at(FaultStatus.ASSIGNED, fault=db.session.get(Fault, fault_id))
        db.session.commit()
    auth.login("repairer")
    page = client.get(f"/faults/{fault_id}").text
    assert "Start the repair" in page
    assert "Take it to start later" not in page and "Sign off the repair" not in page
    assert send(client, fault_id, "start").status_code == 303
    page = client.get(f"/faults/{fault_id}").text
    assert "Repair started." in page and "The job is yours." not in page
    assert 'id="complete"' in page and "Start the repair" not in page


def test_a_second_tap_on_start_records_nothing_more(app, client, auth):
    fault_id = fault_id_of(app)
    auth.login("repairer")
    assert send(client, fault_id, "start").status_code == 303
    response = send(client, fault_id, "start")
    assert response.status_code == 303
    assert "The repair has already started." in client.get(response.location).text
    with app.app_context():
        fault = db.session.get(Fault, fault_id)
        assert [e.action for e in fault.events] == [
            "reported", "taken_out_of_service", "taken", "started",
        ]


def test_a_repairer_cannot_start_someone_elses_job(app, client, auth):
    fault_id = fault_id_of(app)
    with app.app_context():
        make_fault_at(
            FaultStatus.IN_PROGRESS, fault=db.session.get(Fault, fault_id),
            repairer=make_user("other", Role.REPAIRER),
        )
        db.session.commit()
    auth.login("repairer")
    page = client.get(f"/faults/{fault_id}").text
    assert "Start the repair" not in page and "Sign off the repair" not in page
    response = send(client, fault_id, "start")
    assert response.status_code == 400 and "This job is not yours" in response.text
    with app.app_context():
        fault = db.session.get(Fault, fault_id)
        assert fault.assigned_to.username == "other"
        assert [e.action for e in fault.events].count("started") == 1


def test_a_repairer_cannot_complete_someone_elses_job(app, client, auth):
    fault_id = fault_id_of(app)
    with app.app_context():
        make_fault_at(
            FaultStatus.ASSIGNED, fault=db.session.get(Fault, fault_id),
            repairer=make_user("other", Role.REPAIRER),
        )
        db.session.commit()
    auth.login("repairer")
    page = client.get(f"/faults/{fault_id}").text
    assert "Sign off the repair" not in page and "Start the repair" not in page
    response = send(client, fault_id, "complete", signer_name="Repairer", **REPAIR_FORM)
    assert response.status_code == 400 and "This job is not yours" in response.text
    assert status_of(app, fault_id) == FaultStatus.ASSIGNED


def test_admin_assigns_reopens_by_reporter_and_comments(app, client, auth):
    fault_id = fault_id_of(app)
    auth.login("admin")
    page = client.get(f"/faults/{fault_id}").text
    assert '<select id="repairer" name="repairer"' in page and ">Repairer</option>" in page
    with app.app_context():
        repairer_id = user("repairer").id
    assert send(client, fault_id, "assign", repairer=str(repairer_id)).status_code == 303
    assert "Assigned to Repairer." in client.get(f"/faults/{fault_id}").text
    assert send(client, fault_id, "assign", repairer="").status_code == 400
    assert send(client, fault_id, "comment", comment="<script>x</script>").status_code == 303
    assert send(client, fault_id, "comment", comment="   ").status_code == 400
    auth.logout()
    auth.login("repairer")
    send(client, fault_id, "complete", signer_name="Repairer", **REPAIR_FORM)
    auth.logout()
    auth.login("inspector")
    page = client.get(f"/faults/{fault_id}").text
    assert "Accept the repair" in page and "Send back" in page
    assert send(client, fault_id, "reopen", reason="").status_code == 400
    assert send(client, fault_id, "reopen", reason="Still wobbles").status_code == 303
    page = client.get(f"/faults/{fault_id}").text
    assert "<strong>Sent back</strong>" in page and "Still wobbles" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "The last repair (sent back)" in page
    assert status_of(app, fault_id) == FaultStatus.ASSIGNED


def test_admin_puts_the_asset_back_in_service_from_the_page(app, client, auth):
    fault_id = fault_id_of(app)
    auth.login("admin")
    # The fault keeps the swing out, so its page offers the one way back that says why.
    assert "Still usable: put back in service" in client.get(f"/faults/{fault_id}").text
    response = send(client, fault_id, "back-in-service", note="Checked")
    assert response.status_code == 303
    page = client.get(f"/faults/{fault_id}").text
    assert "Swing is back in service." in page and "put back in service" not in page.lower()
    assert status_of(app, fault_id) == FaultStatus.REPORTED


def test_unknown_action_or_fault(app, client, auth):
    fault_id = fault_id_of(app)
    auth.login("admin")
    assert send(client, fault_id, "delete").status_code == 404
    assert send(client, 999, "comment", comment="x").status_code == 404
    assert client.get("/faults/signatures/999.png").status_code == 404


def test_inspection_signatures_are_not_served_by_the_fault_door(app, client, auth):
    with app.app_context():
        asset = make_asset()
        inspection = make_inspection(asset, make_checklist(asset.kind), date.today())
        db.session.commit()
        signature_id = inspection.signature_id
    auth.login("admin")
    assert client.get(f"/faults/signatures/{signature_id}.png").status_code == 404


def test_signed_out_is_sent_to_sign_in(app, client):
    fault_id = fault_id_of(app)
    for response in (send(client, fault_id, "take"), client.get("/faults/signatures/1.png")):
        assert response.status_code == 302 and "/login" in response.location


def test_the_forms_carry_csrf_tokens(app, client, auth):
    fault_id = fault_id_of(app)
    auth.login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/faults/{fault_id}").text
    assert page.count('name="csrf_token"') >= 4
    assert send(client, fault_id, "comment", comment="no token").status_code == 400
