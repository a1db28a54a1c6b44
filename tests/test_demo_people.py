"""The demo's people: who signs in, their mobiles, and which routines each does."""

from datetime import date, time

import pytest
import sqlalchemy as sa

from app.demo import kindergarten
from app.demo.routines import BY_KEY, DUTIES, PLAYGROUND_ROUTINES
from app.demo.seed import seed_demo
from app.duties import name_people, on_duty
from app.extensions import db
from app.models import Checklist, Duty, Inspection, User
from app.users.rules import mobile_problem

MONDAY = date(2026, 2, 23)


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed_demo(MONDAY)
        yield


def people_of(key):
    checklist = db.session.scalar(sa.select(Checklist).where(Checklist.key == key))
    return sorted(user.username for user in on_duty(checklist))


def by_username(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_the_gatekeeper_and_the_canteen_worker_sign_in_with_the_demo_password(
    app, client, auth, seeded
):
    for username, name in (("gatekeeper", "李师傅（门卫）"), ("canteen", "陈阿姨（食堂）")):
        person = by_username(username)
        assert person.display_name == name
        assert person.check_password(kindergarten.DEMO_PASSWORD)
        assert person.active
    assert auth.login("gatekeeper", "demo").status_code == 302


def test_every_demo_person_has_a_made_up_mobile(seeded):
    mobiles = [by_username(person.username).mobile for person in kindergarten.USERS]
    assert all(mobile and mobile.startswith("138") for mobile in mobiles)
    assert all(mobile_problem(mobile) is None for mobile in mobiles)
    assert len(set(mobiles)) == len(mobiles)


def test_each_does_the_routines_the_plans_give_their_post(seeded):
    for key in PLAYGROUND_ROUTINES + ("fan_monthly", "building_crack_monthly"):
        assert people_of(key) == ["inspector"], key
    for key in ("gate_daily", "gate_closing_daily"):
        assert people_of(key) == ["gatekeeper"], key
    for key in (
        "canteen_daily_log",
        "canteen_closing_daily",
        "canteen_gas_appliance_weekly",
        "canteen_gas_pipe_weekly",
    ):
        assert people_of(key) == ["canteen"], key
    # The rest are everyone's.
    assert people_of("lighting_weekly") == people_of("sports_equipment_daily") == []
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Duty).where(
        Duty.stand_in.is_(True)
    ))


def test_reminder_times(seeded):
    reminders = {
        checklist.key: checklist.reminder_time
        for checklist in db.session.scalars(
            sa.select(Checklist).where(Checklist.reminder_time.is_not(None))
        )
    }
    assert reminders == {
        "gate_daily": time(17, 30),
        **{key: time(10, 0) for key in PLAYGROUND_ROUTINES},
    }


def test_the_daily_gate_check_comes_from_the_plans(seeded):
    gate = db.session.scalar(sa.select(Checklist).where(Checklist.key == "gate_daily"))
    assert gate.asset.name == "大门电动伸缩门"
    assert gate.frequency.value == "daily"
    assert [item.text for item in gate.current_version.items] == [
        item.text for item in BY_KEY["gate_daily"].items
    ]
    assert any(item.critical for item in gate.current_version.items)


def test_the_gatekeepers_history_is_signed_by_the_gatekeeper(seeded):
    signers = db.session.scalars(
        sa.select(User.username)
        .join(Inspection, Inspection.inspector_id == User.id)
        .join(Checklist, Inspection.checklist_id == Checklist.id)
        .where(Checklist.key.in_(["gate_daily", "gate_closing_daily"]))
        .distinct()
    ).all()
    assert signers == ["gatekeeper"]


def test_loading_twice_adds_no_duty_and_keeps_what_the_admin_changed(app, seeded):
    gate = db.session.scalar(sa.select(Checklist).where(Checklist.key == "gate_closing_daily"))
    name_people(gate, [by_username("inspector")], [by_username("gatekeeper")])
    gate.reminder_time = time(18, 0)
    canteen = by_username("canteen")
    canteen.mobile = "13999999999"
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Duty))

    result = seed_demo(MONDAY)
    assert not result.changed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Duty)) == count
    db.session.expire_all()
    assert people_of("gate_closing_daily") == ["inspector"]
    assert gate.reminder_time == time(18, 0)
    assert canteen.mobile == "13999999999"
    assert by_username("gatekeeper").mobile == "13800000004"


def test_a_routine_left_naming_nobody_gets_its_demo_people_again(app, seeded):
    fans = db.session.scalar(sa.select(Checklist).where(Checklist.key == "fan_monthly"))
    name_people(fans, [], [])
    db.session.commit()
    result = seed_demo(MONDAY)
    assert result.added["duties"] == 1
    assert people_of("fan_monthly") == ["inspector"]


def test_every_duty_names_a_demo_routine_and_a_demo_person():
    usernames = {person.username for person in kindergarten.USERS}
    assert set(DUTIES) <= set(BY_KEY)
    assert all(set(people) <= usernames for people in DUTIES.values())
