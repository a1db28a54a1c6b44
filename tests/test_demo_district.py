"""The demo district: the kindergarten of today, two smaller ones, the district's people and
a contractor working in two of them."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import tenancy
from app.demo import cli, district, kindergarten
from app.demo.district import RAINBOW, RAINBOW_SLIDE, SCHOOLS, STAR, SUNSHINE
from app.demo.register import demo_assets, demo_codes, demo_places
from app.demo.seed import seed_district
from app.extensions import db
from app.memberships import schools_of
from app.models import (
    Asset,
    AssetStatus,
    Checklist,
    District,
    DistrictMember,
    DistrictRole,
    Fault,
    FaultStatus,
    Inspection,
    Place,
    Role,
    School,
    Urgency,
    User,
)
from app.routines import routine_states
from app.schedule import State

MONDAY = date(2026, 3, 9)
STAR_SLIDE = "7Y923X"
COUNTED = (Place, Asset, Checklist, Inspection, Fault)
# The suite's own users, there before the demo: they keep their names and passwords.
SUITE_USERS = ("admin", "inspector", "repairer")


@pytest.fixture
def loaded(app):
    """The demo district, loaded; requests then run in app contexts of their own."""
    with app.app_context():
        seed_district(MONDAY)


@pytest.fixture
def seeded(app, loaded):
    """The demo district, read in the test's own app context."""
    with app.app_context():
        yield


def school(code):
    return db.session.scalar(sa.select(School).where(School.code == code))


def kindergartens():
    """The demo's schools, by their demo name; the first is the deployment's first school."""
    first = db.session.scalar(sa.select(School).order_by(School.id).limit(1))
    return {demo.name: school(demo.code) if demo.code else first for demo in SCHOOLS}


def by_username(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def counts(of_school):
    with tenancy.in_school(of_school):
        return {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in COUNTED
        }


def test_the_smaller_kindergartens_are_drawn_from_the_plans():
    codes = [code for demo in SCHOOLS for code in demo_codes(demo.story.site)]
    assert len(codes) == len(set(codes))
    kinds = {key for key, _name, _name_en in kindergarten.KINDS}
    for demo in (STAR, RAINBOW):
        assets = list(demo_assets(demo.story.site))
        assert 10 < len(assets) < 30
        assert {asset.kind for asset in assets} <= kinds
        assert all(asset.name and asset.name_en for asset in assets)
        for routine in demo.story.routines:
            covered = [a for a in assets if routine.asset == a.code or routine.kind == a.kind]
            assert covered, (demo.code, routine.key)


def test_the_district_holds_three_kindergartens_each_with_its_data(seeded):
    demo_district = db.session.scalar(sa.select(District))
    assert (demo_district.code, demo_district.name) == ("qingxi", "青溪区教育局")
    schools = kindergartens()
    assert [s.district_id for s in schools.values()] == [demo_district.id] * 3
    # The first school takes the kindergarten's name, as the demo named it before.
    assert (schools[SUNSHINE.name].name, schools[SUNSHINE.name].name_en) == (
        "阳光幼儿园", "Sunshine Kindergarten"
    )
    assert (schools[STAR.name].code, schools[STAR.name].name, schools[STAR.name].name_en) == (
        "xingxing", "星星幼儿园", "Little Star Kindergarten"
    )
    assert (schools[RAINBOW.name].code, schools[RAINBOW.name].name) == ("caihong", "彩虹幼儿园")
    for demo in SCHOOLS:
        row, site = schools[demo.name], demo.story.site
        figures = counts(row)
        assert figures["Place"] == len(list(demo_places(site))), demo.code
        assert figures["Asset"] == len(list(demo_assets(site))), demo.code
        assert figures["Checklist"] == len(demo.story.routines), demo.code
        assert figures["Inspection"] > 100, demo.code
        assert figures["Fault"] == len(demo.story.failures), demo.code
        with tenancy.in_school(row):
            codes = db.session.scalars(sa.select(Asset.code)).all()
        assert sorted(codes) == sorted(a.code for a in demo_assets(site))
    assert counts(schools[SUNSHINE.name])["Asset"] == 107


def test_each_school_has_its_own_people(seeded):
    schools = kindergartens()
    for demo in SCHOOLS:
        row = schools[demo.name]
        for username, display_name, role, _mobile in demo.users:
            person = by_username(username)
            assert {m.school_id: m.role for m in schools_of(person)}[row.id] == role
            if username not in SUITE_USERS:
                assert person.display_name == display_name
                assert person.check_password("demo")
    assert [m.school.code for m in schools_of(by_username("admin2"))] == ["xingxing"]
    assert [m.school.code for m in schools_of(by_username("inspector3"))] == ["caihong"]


def test_the_district_office_and_admin_belong_to_the_district_not_to_a_school(seeded):
    members = {
        member.user.username: member.role
        for member in db.session.scalars(
            sa.select(DistrictMember).options(selectinload(DistrictMember.user))
        )
    }
    assert members == {"district": DistrictRole.OFFICE, "district-admin": DistrictRole.ADMIN}
    for username in members:
        person = by_username(username)
        assert person.check_password("demo")
        assert schools_of(person) == []


def test_each_reminder_a_demo_school_gives_reaches_someone_at_its_time(seeded):
    """A reminder goes only to a routine's named people: each reminded routine names one."""
    schools = kindergartens()
    for demo in SCHOOLS:
        with tenancy.in_school(schools[demo.name]):
            for key, when in demo.reminders.items():
                routine = db.session.scalar(sa.select(Checklist).where(Checklist.key == key))
                assert routine.duties, (demo.name, key)
                assert routine.reminder_time == when, (demo.name, key)


def test_the_contractor_repairs_in_the_two_smaller_schools_with_a_job_in_each(seeded):
    contractor = by_username("contractor")
    assert {m.school.code: m.role for m in schools_of(contractor)} == {
        "xingxing": Role.REPAIRER, "caihong": Role.REPAIRER
    }
    jobs = {}
    with tenancy.everywhere():
        for fault in db.session.scalars(
            sa.select(Fault).where(Fault.assigned_to_id == contractor.id)
            .options(selectinload(Fault.asset), selectinload(Fault.events))
        ):
            jobs[fault.school_id] = fault
    schools = kindergartens()
    assert set(jobs) == {schools[STAR.name].id, schools[RAINBOW.name].id}
    for fault in jobs.values():
        assert fault.status == FaultStatus.ASSIGNED
        assigned = [event for event in fault.events if event.action == "assigned"]
        assert [event.note for event in assigned] == ["赵师傅（维修公司）"]
    assert jobs[schools[RAINBOW.name].id].asset.code == RAINBOW_SLIDE


def test_the_contractor_finds_his_job_in_the_school_he_is_in(client, auth, loaded):
    assert auth.login("contractor", "demo").status_code == 302
    jobs = client.get("/faults/mine")
    assert jobs.status_code == 200
    # His first school is the oldest of his two: 星星幼儿园, its lighting job.
    assert "Middle Class lighting" in jobs.text


def test_one_smaller_school_has_an_overdue_check_and_an_open_unsafe_fault(seeded):
    schools = kindergartens()
    for demo, expected in ((STAR, []), (RAINBOW, [("GERPJT", "safety_net_monthly")])):
        with tenancy.in_school(schools[demo.name]):
            assets = db.session.scalars(
                sa.select(Asset).options(selectinload(Asset.kind), selectinload(Asset.place))
            ).all()
            overdue = sorted(
                (entry.asset.code, entry.checklist.key)
                for entry in routine_states(assets, on=MONDAY)
                if entry.state == State.OVERDUE
            )
            unsafe = db.session.scalars(
                sa.select(Fault).where(Fault.urgency == Urgency.UNSAFE)
            ).all()
            assert overdue == expected, demo.code
            if demo is RAINBOW:
                assert [fault.asset.code for fault in unsafe] == [RAINBOW_SLIDE]
                assert unsafe[0].asset.status == AssetStatus.OUT_OF_SERVICE
            else:
                assert unsafe == []


def test_loading_the_district_twice_changes_nothing(app, seeded):
    schools = kindergartens()
    before = {name: counts(row) for name, row in schools.items()}
    people = db.session.scalar(sa.select(sa.func.count(User.id)))

    again = seed_district(MONDAY)

    assert not again.changed
    assert db.session.scalar(sa.select(sa.func.count(School.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(District.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == people
    assert {name: counts(row) for name, row in kindergartens().items()} == before


def test_a_school_someone_named_keeps_its_name(app):
    with app.app_context():
        first = db.session.scalar(sa.select(School))
        first.name = "实验幼儿园"
        db.session.commit()
        seed_district(MONDAY)
        assert db.session.scalar(sa.select(School).order_by(School.id)).name == "实验幼儿园"


def test_an_inspector_scanning_another_schools_slide_sees_its_public_page(
    client, auth, loaded
):
    # 阳光幼儿园's own inspector (the suite's, with the suite's password).
    assert auth.login("inspector").status_code == 302
    own = client.get("/q/4ZGV4P")
    assert "Full history" in own.text

    page = client.get(f"/q/{STAR_SLIDE}")
    assert page.status_code == 200
    assert "This belongs to Little Star Kindergarten, not to your school" in page.text
    assert "组合滑梯" in page.text
    assert "Full history" not in page.text
    assert "Start the check" not in page.text


@pytest.fixture
def served(monkeypatch):
    monkeypatch.setattr(cli, "run_simple", lambda *args, **kwargs: None)
    monkeypatch.setattr(cli, "lan_address", lambda: "192.168.1.23")
    monkeypatch.setattr(cli, "start_worker", lambda app: None)
    monkeypatch.setattr(cli, "stop_worker", lambda worker: None)


def test_the_demo_prints_every_sign_in_under_its_school(runner, served):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    sign_ins = result.output.split("password demo:")[1].split("On this computer")[0]
    lines = sign_ins.strip().splitlines()
    headings = [line for line in lines if not line.startswith("  ")]
    assert headings == [
        "Sunshine Kindergarten:", "Little Star Kindergarten:", "Rainbow Kindergarten:",
        "Qingxi District Education Bureau:",
    ]
    assert "  admin2          孙老师（后勤主任）, Logistics head (admin)" in lines
    assert "  inspector3      郑师傅（门卫兼安全员）, Inspector" in lines
    assert lines.count("  contractor      赵师傅（维修公司）, Repairer") == 2
    assert (
        "  district        钱科长（区教育局后勤科）, District logistics office (read-only)"
        in lines
    )
    assert "  district-admin  冯主任（区教育局）, District admin" in lines
    usernames = {line.split()[0] for line in lines if line.startswith("  ")}
    assert usernames == {
        person.username for demo in SCHOOLS for person in demo.users
    } | {person.username for person in district.DISTRICT_PEOPLE}
