"""The seeded routines and the demo's history: what a new user finds on a Monday morning."""

import re
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import tenancy
from app.checklists.schedules import schedule_problems
from app.checklists.versions import update_item
from app.compliance import completion
from app.demo import kindergarten
from app.demo.history import (
    FAILURES,
    HISTORY_DAYS,
    PLAYGROUND_ROUTINES,
    overdue_check,
    plan_history,
)
from app.demo.register import demo_assets
from app.demo.routines import (
    BUILDING_CRACK,
    BY_KEY,
    CRACK_WIDTH,
    DUTIES,
    PLAY_EQUIPMENT,
    ROUTINES,
    SWING_ITEMS,
)
from app.demo.seed import demo_assets_by_code, first_school, seed_demo
from app.extensions import db
from app.models import (
    Answer,
    Asset,
    AssetKind,
    AssetStatus,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ClosedPeriod,
    Fault,
    FaultEvent,
    Frequency,
    Inspection,
    ItemType,
    Outcome,
    Place,
    Signature,
    Urgency,
    User,
)
from app.routines import routine_states
from app.schedule import Calendar, State, local_date
from tests.factories import user

MONDAY = date(2026, 3, 9)  # the safety net's February check is long overdue
MID_MONTH_MONDAY = date(2026, 3, 16)  # its March check is within its days of grace
SAFETY_NET = ("C3Y3BV", "safety_net_monthly")
CRACK_POINT = ("CHACG7", "building_crack_monthly")
KIND_KEYS = {key for key, _name, _name_en in kindergarten.KINDS}
DEMO_ASSETS = {asset.code: asset for asset in demo_assets(kindergarten.SITE)}
COUNTED = (
    Checklist, ChecklistVersion, ChecklistItem, Inspection, Answer, Signature, Fault, FaultEvent,
    ClosedPeriod, Asset, AssetKind, Place, User,
)


def counts():
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in COUNTED
    }


def states_on(day):
    assets = db.session.scalars(sa.select(Asset).options(selectinload(Asset.kind))).all()
    return routine_states(assets, on=day)


def overdue_on(day):
    return sorted(
        (entry.asset.code, entry.checklist.key)
        for entry in states_on(day)
        if entry.state == State.OVERDUE
    )


def inspections(*options):
    return db.session.scalars(
        sa.select(Inspection).options(
            selectinload(Inspection.asset),
            selectinload(Inspection.checklist),
            selectinload(Inspection.answers).selectinload(Answer.item),
            selectinload(Inspection.version).selectinload(ChecklistVersion.items),
            *options,
        )
    ).all()


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed_demo(MONDAY)
        yield


def test_test_dates_are_what_they_say():
    assert MONDAY.weekday() == 0 and MID_MONTH_MONDAY.weekday() == 0


def test_every_routine_is_complete_in_both_languages():
    keys = [routine.key for routine in ROUTINES]
    assert len(keys) == len(set(keys))
    for routine in ROUTINES:
        assert routine.name and routine.name_en, routine.key
        # The longest client id the history makes must fit Inspection.client_id.
        assert len(f"demo-XXXXXX-{routine.key}-2026-01-01") <= 64
        assert schedule_problems(routine.schedule) == {}, routine.key
        assert (routine.kind is None) != (routine.asset is None), routine.key
        covered = [
            asset for asset in DEMO_ASSETS.values()
            if asset.code == routine.asset or asset.kind == routine.kind
        ]
        assert covered, f"{routine.key} covers no demo asset"
        assert routine.kind is None or routine.kind in KIND_KEYS
        assert routine.items, routine.key
        texts = [item.text for item in routine.items]
        assert len(texts) == len(set(texts)), routine.key
        for item in routine.items:
            assert item.text and item.text_en, item
            assert len(item.text) <= 300 and len(item.text_en) <= 300
            assert not item.critical or item.type in (ItemType.CHECK, ItemType.READING), item
            if item.type == ItemType.READING:
                assert item.unit, item
                if item.min_value is not None and item.max_value is not None:
                    assert item.min_value <= item.max_value
            else:
                assert item.unit is item.min_value is item.max_value is None, item


def test_the_plans_schedules():
    def schedule(key):
        s = BY_KEY[key].schedule
        return (s.frequency, s.weekday, s.day_of_month, s.month, s.grace_days)

    for key in PLAYGROUND_ROUTINES:
        assert schedule(key) == (Frequency.WEEKLY, 0, None, None, 0)
    assert {BY_KEY[key].kind for key in PLAYGROUND_ROUTINES} == set(
        kindergarten.PLAYGROUND_KINDS
    )
    assert schedule("sports_equipment_daily")[0] == Frequency.DAILY
    assert schedule("fan_monthly") == (Frequency.MONTHLY, None, 1, None, 6)
    assert schedule("door_window_monthly") == (Frequency.MONTHLY, None, 1, None, 6)
    assert schedule("building_crack_monthly")[0] == Frequency.MONTHLY
    assert schedule("safety_net_monthly")[0] == Frequency.MONTHLY
    assert schedule("air_conditioner_yearly") == (Frequency.YEARLY, None, 1, 5, 30)
    for key in ("canteen_gas_appliance_weekly", "canteen_gas_pipe_weekly",
                "canteen_electrical_weekly", "canteen_door_window_weekly", "lighting_weekly",
                "school_bus_weekly"):
        assert schedule(key)[0] == Frequency.WEEKLY, key
    for key in ("gate_closing_daily", "canteen_closing_daily", "canteen_daily_log"):
        assert schedule(key)[0] == Frequency.DAILY, key
        assert BY_KEY[key].asset is not None, key


def test_playground_items_follow_en_1176_7():
    assert BY_KEY["play_slide_weekly"].items == BY_KEY["play_large_toy_weekly"].items
    assert BY_KEY["play_swing_weekly"].items == SWING_ITEMS
    by_words = {item.text_en.split(":")[0].split(";")[0]: item for item in PLAY_EQUIPMENT}
    critical = {words for words, item in by_words.items() if item.critical}
    assert critical == {
        "Ladder and steps secure",
        "Platform, guard rails and barriers intact",
        "Sliding surface smooth",
        "No loose or missing bolts, nuts or caps",
    }
    everything = " ".join(item.text_en for item in PLAY_EQUIPMENT)
    for words in ("finger", "corrosion", "rot", "Foundations not exposed", "run-out",
                  "standing water", "glass, stones or litter"):
        assert words in everything
    assert all(item.type == ItemType.CHECK and item.required for item in PLAY_EQUIPMENT)
    swing = {item.text_en: item for item in SWING_ITEMS}
    assert swing["Chains and hangers not worn or bent; S-hooks fully closed"].critical
    assert swing["Seats intact: no cracks, splits or sharp edges"].critical


def test_gas_leaks_are_critical():
    for key in ("canteen_gas_appliance_weekly", "canteen_gas_pipe_weekly"):
        leak = BY_KEY[key].items[0]
        assert "leak" in leak.text_en and leak.critical


def test_building_cracks_are_read_in_mm_up_to_0_3():
    assert BY_KEY["building_crack_monthly"].items == BUILDING_CRACK
    assert CRACK_WIDTH in BUILDING_CRACK
    assert (CRACK_WIDTH.type, CRACK_WIDTH.unit, CRACK_WIDTH.max_value) == (
        ItemType.READING, "mm", 0.3
    )
    assert [item.type for item in BUILDING_CRACK].count(ItemType.PHOTO) == 1


def test_daily_canteen_log_has_readings_with_limits_and_a_text():
    items = BY_KEY["canteen_daily_log"].items
    readings = {item.text_en: item for item in items if item.type == ItemType.READING}
    assert readings["Disinfection temperature"].min_value == 120
    assert readings["Disinfection temperature"].unit == "°C"
    fridge = readings["Sample refrigerator temperature"]
    assert (fridge.min_value, fridge.max_value) == (0, 8)
    assert any(item.type == ItemType.TEXT and item.required for item in items)


def test_seeding_makes_every_routine_as_written(app, seeded):
    assets = demo_assets_by_code()
    checklists = {
        checklist.key: checklist
        for checklist in db.session.scalars(
            sa.select(Checklist).options(
                selectinload(Checklist.kind),
                selectinload(Checklist.versions).selectinload(ChecklistVersion.items),
            )
        )
    }
    assert set(checklists) == set(BY_KEY)
    for key, routine in BY_KEY.items():
        checklist = checklists[key]
        assert (checklist.name, checklist.name_en, checklist.active) == (
            routine.name, routine.name_en, True
        )
        schedule = routine.schedule
        assert (
            checklist.frequency, checklist.weekday, checklist.day_of_month, checklist.month,
            checklist.grace_days,
        ) == (
            schedule.frequency, schedule.weekday, schedule.day_of_month, schedule.month,
            schedule.grace_days,
        )
        if routine.kind:
            assert checklist.kind.key == routine.kind and checklist.asset_id is None
        else:
            assert checklist.asset_id == assets[routine.asset].id and checklist.kind_id is None
        assert [version.number for version in checklist.versions] == [1]
        items = checklist.current_version.items
        assert [
            (i.position, i.type, i.text, i.text_en, i.required, i.critical, i.unit,
             i.min_value, i.max_value)
            for i in items
        ] == [
            (n, i.type, i.text, i.text_en, i.required, i.critical, i.unit, i.min_value,
             i.max_value)
            for n, i in enumerate(routine.items, start=1)
        ]
    # Doors and windows: monthly, weekly in the canteen, and shut at closing time.
    by_asset = {}
    assets = db.session.scalars(sa.select(Asset)).all()
    for entry in routine_states(assets, on=MONDAY):
        by_asset.setdefault(entry.asset.code, set()).add(entry.checklist.key)
    assert by_asset["9HC3NX"] == {"door_window_monthly"}  # a classroom
    assert by_asset["BZGMKR"] == {"door_window_monthly"}  # stair windows
    assert by_asset["YWS3HZ"] == {"canteen_door_window_weekly"}  # the dining room
    assert by_asset["WBK32U"] == {"canteen_door_window_weekly", "canteen_closing_daily"}
    assert by_asset["3RHJHX"] == {"door_window_monthly", "gate_closing_daily"}
    assert by_asset["VVKHV5"] == {"canteen_electrical_weekly"}
    assert by_asset["VTWSB8"] == {"canteen_daily_log"}
    assert "37Y6D4" not in by_asset  # the gatehouse box is switched off in the closing round
    assert "A3RPWP" not in by_asset  # beds are repaired when reported, not on a schedule


def test_seeding_twice_changes_nothing(app, seeded):
    before = counts()
    assert before["Checklist"] == len(ROUTINES)
    assert before["ChecklistVersion"] == len(ROUTINES)
    assert before["ChecklistItem"] == sum(len(routine.items) for routine in ROUTINES)
    assert before["Inspection"] > 300
    assert before["Signature"] == before["Inspection"]
    assert before["Fault"] == len(FAILURES)

    again = seed_demo(MONDAY)

    assert not again.changed
    assert counts() == before


def test_seed_demo_command_reports_the_routines(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    found = re.search(
        r"Routines and their history added: checklists (\d+), past inspections (\d+), "
        r"faults (\d+), closed periods (\d+)\.",
        first.output,
    )
    assert found, first.output
    checklists, past, faults, closed = map(int, found.groups())
    assert (checklists, faults, closed) == (len(ROUTINES), len(FAILURES), 1)
    # The command loads the district: the kindergarten's figures come first, its school's.
    with app.app_context(), tenancy.in_school(first_school()):
        assert past == db.session.scalar(sa.select(sa.func.count(Inspection.id)))
    second = runner.invoke(args=["seed-demo"])
    assert "already loaded; nothing changed" in second.output
    assert "Routines and their history" not in second.output


def test_on_monday_the_playground_is_due_and_only_the_safety_net_is_overdue(app, seeded):
    states = states_on(MONDAY)
    playground = [
        entry for entry in states if entry.checklist.key in PLAYGROUND_ROUTINES
    ]
    assert sorted(entry.asset.code for entry in playground) == sorted(
        asset.code for asset in DEMO_ASSETS.values()
        if asset.kind in kindergarten.PLAYGROUND_KINDS
    )
    assert len(playground) == 7
    assert all(entry.state == State.DUE for entry in playground)
    assert all(entry.last_done == MONDAY - timedelta(days=7) for entry in playground)
    assert {entry.asset.place.name for entry in playground} == {"操场"}

    assert overdue_on(MONDAY) == [SAFETY_NET]
    net = next(e for e in states if (e.asset.code, e.checklist.key) == SAFETY_NET)
    assert net.occurrence.due_date == date(2026, 2, 15)
    assert net.last_done == date(2026, 1, 15)  # January's was done; February's was missed
    # Nothing else is left over from an earlier day: what is due is today's.
    due = [entry for entry in states if entry.state == State.DUE]
    assert due and all(entry.occurrence.due_date == MONDAY for entry in due)
    assert Counter(entry.checklist.key for entry in due) == {
        "play_slide_weekly": 3, "play_large_toy_weekly": 3, "play_swing_weekly": 1,
        "school_bus_weekly": 1, "sports_equipment_daily": 5, "gate_daily": 1,
        "gate_closing_daily": 1, "canteen_closing_daily": 1, "canteen_daily_log": 1,
    }


def test_the_history_counts_towards_completion_and_only_the_overdue_check_is_missed(
    app, seeded
):
    # Seeded today, the register and the routines are dated back to their first due date,
    # so the weeks of history count and nothing before them is owed.
    result = completion(MONDAY - timedelta(days=HISTORY_DAYS), MONDAY, today=MONDAY)
    missed = {r.checklist.key: r.missed for r in result.routines if r.missed}
    assert missed == {SAFETY_NET[1]: 1}
    assert result.total.done > 300
    assert result.total.open == Counter(
        entry.checklist.key for entry in states_on(MONDAY) if entry.state == State.DUE
    ).total()


def test_when_the_safety_net_is_within_its_grace_the_crack_reading_is_overdue(app):
    assert overdue_check(MID_MONTH_MONDAY, Calendar()) == CRACK_POINT
    with app.app_context():
        seed_demo(MID_MONTH_MONDAY)
        assert overdue_on(MID_MONTH_MONDAY) == [CRACK_POINT]


def test_history_covers_the_past_weeks_signed_by_each_routines_person(app, seeded):
    people = {user.username: user for user in db.session.scalars(sa.select(User))}
    recorded = inspections(selectinload(Inspection.signature))
    assert all(inspection.local_date < MONDAY for inspection in recorded)
    for week in range(1, 5):
        monday = MONDAY - timedelta(weeks=week)
        slides = [i for i in recorded if i.checklist.key == "play_slide_weekly"
                  and i.local_date == monday]
        assert len(slides) == 3, monday
    school_days = {
        MONDAY - timedelta(days=back) for back in range(1, HISTORY_DAYS + 1)
        if (MONDAY - timedelta(days=back)).weekday() < 5
    }
    for code in ("U8MHSN", "UKMK3S"):
        days = {i.local_date for i in recorded
                if i.asset.code == code and i.checklist.key == "sports_equipment_daily"}
        assert days == school_days
    for inspection in recorded:
        assert inspection.client_id == (
            f"demo-{inspection.asset.code}-{inspection.checklist.key}-{inspection.local_date}"
        )
        assert local_date(inspection.submitted_at, "Asia/Shanghai") == inspection.local_date
        assert 6 <= (inspection.submitted_at.hour + 8) % 24 <= 18  # school hours in Shanghai
        # Signed by the routine's person: the gatekeeper the gate, the inspector the rest.
        signer = people[DUTIES.get(inspection.checklist.key, ("inspector",))[0]]
        assert inspection.signature.signer == signer == inspection.inspector
        assert inspection.signature.signer_name == signer.display_name
        assert inspection.signature.signed_at == inspection.submitted_at
        assert inspection.version.number == 1
        assert [a.item_id for a in inspection.answers] == [
            item.id for item in inspection.version.items
        ]
        assert inspection.passed == (not any(answer.failed for answer in inspection.answers))
        assert not inspection.off_schedule and inspection.corrects_id is None
    assert len({(i.asset_id, i.checklist_id, i.local_date) for i in recorded}) == len(recorded)
    for inspection in recorded:
        for answer in inspection.answers:
            item = answer.item
            if item.type == ItemType.CHECK:
                assert answer.outcome in (Outcome.PASS, Outcome.FAIL, Outcome.NOT_APPLICABLE)
            elif item.type == ItemType.READING:
                assert answer.reading is not None
            elif item.type == ItemType.TEXT and item.required:
                assert answer.text
    assert Counter(
        answer.outcome for inspection in recorded for answer in inspection.answers
    )[Outcome.FAIL] == len(FAILURES)


def test_readings_are_in_range_and_cracks_widen_slowly(app, seeded):
    recorded = inspections()
    readings = [a for i in recorded for a in i.answers if a.reading is not None]
    assert readings
    assert not any(answer.out_of_range for answer in readings)
    assert all(answer.item.in_range(answer.reading) for answer in readings)

    def series(code):
        return [
            answer.reading
            for inspection in sorted(recorded, key=lambda i: i.local_date)
            if inspection.asset.code == code
            for answer in inspection.answers
            if answer.item.text == CRACK_WIDTH.text
        ]

    west_wall = series("7HWBME")
    assert len(west_wall) == 12  # a year of monthly readings to chart
    assert west_wall == sorted(west_wall) and west_wall[0] < west_wall[-1]
    for code in ("7HWBME", "CHACG7", "NN3YUB"):
        assert all(0.10 <= width <= 0.25 for width in series(code))
    odometer = [
        answer.reading
        for inspection in sorted(recorded, key=lambda i: i.local_date)
        for answer in inspection.answers
        if answer.item.unit == "km"
    ]
    assert len(odometer) >= 4
    assert odometer == sorted(odometer) and len(set(odometer)) == len(odometer)


def test_failed_items_raised_faults_and_the_broken_fan_is_out_of_service(app, seeded):
    faults = db.session.scalars(
        sa.select(Fault).options(
            selectinload(Fault.asset), selectinload(Fault.events),
            selectinload(Fault.inspection).selectinload(Inspection.answers),
        )
    ).all()
    assert len(faults) == len(FAILURES)
    for fault in faults:
        assert fault.inspection is not None and not fault.inspection.passed
        failed = [answer for answer in fault.inspection.answers if answer.failed]
        assert [answer.item_id for answer in failed] == [fault.item_id]
        assert fault.description.startswith(failed[0].item.text)
        assert failed[0].note in fault.description
        assert fault.events[0].action == "reported"
        assert fault.reported_at == fault.inspection.submitted_at
        assert fault.inspection.local_date < MONDAY

    fan = next(fault for fault in faults if fault.asset.code == "EDRPGU")
    assert fan.urgency == Urgency.UNSAFE and fan.took_out_of_service
    assert "调速器" in fan.description
    assert [event.action for event in fan.events] == ["reported", "taken_out_of_service"]
    assert fan.inspection.checklist.key == "fan_monthly"
    assert fan.inspection.local_date == date(2026, 3, 2)  # March's check, on the first school day
    others = [fault for fault in faults if fault is not fan]
    assert all(f.urgency == Urgency.NEEDS_REPAIR and not f.took_out_of_service for f in others)

    out_of_service = db.session.scalars(
        sa.select(Asset.code).where(Asset.status != AssetStatus.IN_SERVICE)
    ).all()
    assert out_of_service == ["EDRPGU"]


def test_reseeding_a_week_later_adds_only_what_is_missing(app, seeded):
    first = {i.client_id for i in inspections()}
    next_monday = MONDAY + timedelta(weeks=1)

    result = seed_demo(next_monday)

    recorded = inspections()
    added = [i for i in recorded if i.client_id not in first]
    assert result.added["inspections"] == len(added) > 0
    assert result.added["checklists"] == result.added["faults"] == 0
    assert len({(i.asset_id, i.checklist_id, i.local_date) for i in recorded}) == len(recorded)
    # Last Monday's playground check, left to do then, is in the past now.
    assert {i.local_date for i in added if i.checklist.key in PLAYGROUND_ROUTINES} == {MONDAY}
    assert db.session.scalar(sa.select(sa.func.count(Fault.id))) == len(FAILURES)
    playground = [e for e in states_on(next_monday) if e.checklist.key in PLAYGROUND_ROUTINES]
    assert len(playground) == 7 and {e.state for e in playground} == {State.DUE}


def test_no_history_is_added_to_a_checklist_an_admin_edited(app, seeded):
    slides = db.session.scalar(sa.select(Checklist).where(Checklist.key == "play_slide_weekly"))
    first = slides.current_version.items[0]
    update_item(first, user("admin"), text=f"{first.text}（已改）")
    db.session.commit()

    seed_demo(MONDAY + timedelta(weeks=1))

    latest = db.session.scalar(
        sa.select(sa.func.max(Inspection.local_date)).where(Inspection.checklist_id == slides.id)
    )
    assert latest == MONDAY - timedelta(weeks=1)
    swings = db.session.scalar(sa.select(Checklist).where(Checklist.key == "play_swing_weekly"))
    assert db.session.scalar(
        sa.select(sa.func.max(Inspection.local_date)).where(Inspection.checklist_id == swings.id)
    ) == MONDAY


def test_the_next_winter_holiday_is_added_once(app, seeded):
    periods = db.session.scalars(sa.select(ClosedPeriod)).all()
    assert [(p.name, p.start_date, p.end_date) for p in periods] == [
        ("2027 年寒假", date(2027, 1, 19), date(2027, 2, 21))
    ]
    seed_demo(date(2027, 1, 5))
    assert db.session.scalar(sa.select(sa.func.count(ClosedPeriod.id))) == 1
    seed_demo(date(2027, 2, 25))
    assert db.session.scalars(sa.select(ClosedPeriod.name).order_by(ClosedPeriod.id)).all() == [
        "2027 年寒假", "2028 年寒假"
    ]


def test_plan_is_deterministic_and_only_in_the_past():
    wednesday = MONDAY + timedelta(days=2)
    plan = plan_history(wednesday)
    assert plan == plan_history(wednesday)
    ids = [planned.client_id for planned in plan]
    assert len(ids) == len(set(ids))
    assert all(planned.day < wednesday and planned.day.weekday() < 5 for planned in plan)
    # This week's Monday check is still to do (overdue by Wednesday); last week's was done.
    playground_days = {p.day for p in plan if p.routine in PLAYGROUND_ROUTINES}
    assert MONDAY not in playground_days and MONDAY - timedelta(weeks=1) in playground_days
    assert {p.day for p in plan if p.routine == "school_bus_weekly"} >= {MONDAY}
    assert all(planned.passed for planned in plan if not any(
        (planned.asset, planned.routine) == (f.asset, f.routine) for f in FAILURES
    ))


def test_plan_skips_the_school_s_closed_days():
    closed = ClosedPeriod(name="春假", start_date=MONDAY - timedelta(days=14),
                          end_date=MONDAY - timedelta(days=8))
    plan = plan_history(MONDAY, Calendar([closed]))
    assert plan
    assert not any(closed.covers(planned.day) for planned in plan)
    sports = {p.day for p in plan if p.routine == "sports_equipment_daily"}
    assert MONDAY - timedelta(days=17) in sports and MONDAY - timedelta(days=7) in sports


def test_a_monthly_check_due_on_a_sunday_is_done_on_monday():
    assert date(2026, 3, 1).weekday() == 6
    fans = {p.day for p in plan_history(MONDAY) if p.routine == "fan_monthly"}
    assert date(2026, 3, 2) in fans and date(2026, 3, 1) not in fans
