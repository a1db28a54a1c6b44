"""The fault page offers exactly the steps lifecycle.allowed_steps names, and each of them is
one its POST accepts; a step not offered is refused, but for the two the lifecycle accepts
without offering them (see allowed_steps)."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.faults import lifecycle
from app.faults.views import ACTIONS
from app.models import AssetStatus, Fault, FaultEvent, FaultStatus, Role, Urgency, User
from tests.factories import (
    make_asset,
    make_fault_at,
    make_public_report,
    make_staff_report,
    make_user,
    user,
)
from tests.test_fault_lifecycle import REPAIR_FORM
from tests.test_hostile_input import client_as

ROLES = ("admin", "inspector", "repairer")
STEP_ADDRESS = re.compile(r'action="/faults/\d+/([a-z-]+)"')


STATES = {
    "reported": lambda fault: None,
    "assigned": lambda fault: make_fault_at(FaultStatus.ASSIGNED, fault=fault),
    "assigned to another": lambda fault: make_fault_at(
        FaultStatus.ASSIGNED, fault=fault, repairer=user("other")
    ),
    "in progress": lambda fault: make_fault_at(FaultStatus.IN_PROGRESS, fault=fault),
    "repaired": lambda fault: make_fault_at(FaultStatus.REPAIRED, fault=fault),
    "accepted": lambda fault: make_fault_at(
        FaultStatus.ACCEPTED, fault=fault, acceptor=user("inspector")
    ),
    "on a retired asset": lambda fault: setattr(fault.asset, "status", AssetStatus.RETIRED),
}
REPORTS = ("by staff, unsafe", "by staff, needs repair", "by a visitor")


def make_fault_in(report, state) -> int:
    asset = make_asset(name="秋千", name_en="Swing")
    if report == "by a visitor":
        fault = make_public_report(asset)
    else:
        unsafe = report == "by staff, unsafe"
        fault = make_staff_report(
            asset, "Seat cracked", Urgency.UNSAFE if unsafe else Urgency.NEEDS_REPAIR,
            take_out_of_service=unsafe,
        )
    STATES[state](fault)
    db.session.commit()
    return fault.id


def valid_form(step, fault, username) -> dict:
    """What a person who may take the step would send."""
    signer = {"signer_name": username.title()}
    if step == "assign":
        has_it = fault.assigned_to.username if fault.assigned_to else None
        return {"repairer": str(user("other" if has_it == "repairer" else "repairer").id)}
    return {
        "complete": {**REPAIR_FORM, **signer},
        "accept": signer,
        "reopen": {"reason": "Still wobbles"},
        "comment": {"comment": "Looked at it"},
        "back-in-service": {"note": "Checked"},
        "still-usable": {"note": "Checked"},
        "dismiss": {"note": "A prank"},
    }.get(step, {})


def events(fault_id) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(FaultEvent.id)).where(FaultEvent.fault_id == fault_id)
    )


def accepted_without_offer(fault, person, offered) -> set[str]:
    """The two steps the lifecycle accepts without the page offering them."""
    steps = set()
    if fault.status == FaultStatus.ASSIGNED and fault.assigned_to_id == person.id:
        steps.add("complete")  # the page offers "start" first
    if "still-usable" in offered:
        steps.add("back-in-service")  # the one way back offered is "still usable"
    return steps


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("report", REPORTS)
def test_the_page_offers_exactly_the_allowed_steps_and_each_is_accepted(app, report, state):
    with app.app_context():
        make_user("other", Role.REPAIRER)
        db.session.commit()
        user_ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    for username in ROLES:
        client = client_as(app, username, user_ids)
        with app.app_context():
            shown_on = make_fault_in(report, state)
            fault, person = db.session.get(Fault, shown_on), user(username)
            offered = lifecycle.allowed_steps(fault, person)
            also_accepted = accepted_without_offer(fault, person, offered)
        shown = set(STEP_ADDRESS.findall(client.get(f"/faults/{shown_on}").text))
        assert shown == offered, (username, sorted(shown), sorted(offered))

        accepted = set()
        for step in ACTIONS:
            with app.app_context():
                fault_id = make_fault_in(report, state)
                data = valid_form(step, db.session.get(Fault, fault_id), username)
                before = events(fault_id)
            response = client.post(f"/faults/{fault_id}/{step}", data=data)
            assert response.status_code in (303, 400, 403), (username, step)
            with app.app_context():
                if response.status_code == 303 and events(fault_id) > before:
                    accepted.add(step)
        assert accepted == offered | also_accepted, (username, sorted(accepted), sorted(offered))


def test_a_retired_assets_fault_offers_no_way_back_into_service(app):
    with app.app_context():
        fault = db.session.get(Fault, make_fault_in("by a visitor", "on a retired asset"))
        assert lifecycle.allowed_steps(fault, user("admin")) == {"comment", "assign", "dismiss"}
