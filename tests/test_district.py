"""The district's pages: each school's figures side by side, the lists behind them read-only,
the district report, and the district admin's schools."""

import csv
import io
import logging
from dataclasses import fields
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app import tenancy
from app.district import figures, stored, tasks
from app.extensions import db
from app.models import (
    Asset,
    AssetStatus,
    Checklist,
    DistrictRole,
    Fault,
    FaultStatus,
    Frequency,
    School,
    SchoolFigures,
    SignIn,
    Urgency,
    User,
)
from app.models.common import utcnow
from app.schedule import school_today
from tests.conftest import PASSWORD
from tests.factories import (
    make_asset,
    make_checklist,
    make_district,
    make_district_member,
    make_fault_at,
    make_inspection,
    make_kind,
    make_school,
    make_staff_report,
)
from tests.queries import count_queries

SHANGHAI = "Asia/Shanghai"


def _school(code):
    return db.session.scalar(sa.select(School).where(School.code == code))


@pytest.fixture
def district(app):
    """District "north" holds the first school "main" and "east"; "west" is of district
    "south". The office and the district admin belong to no school.

    main: a daily routine over two slides (one checked today, one due) and a fan routine
    overdue since yesterday; one repair accepted a day after its report.
    east: one slide, its routine due since yesterday (missed then, due today); an unsafe
    fault open for three days that took it out of service.
    """
    with app.app_context():
        north, south = make_district(), make_district("south", "南区", "South district")
        main = _school("main")
        main.district = north
        east = make_school("east", "东园幼儿园", "East kindergarten", district=north)
        west = make_school("west", "西园", "West kindergarten", district=south)
        make_district_member(north, "office")
        make_district_member(north, "boss", DistrictRole.ADMIN)
        make_district_member(south, "southern")
        today = school_today(SHANGHAI)
        now = utcnow()
        with tenancy.in_school(main):
            slide = make_kind()
            every_day = {"interval_days": 1, "anchor_date": date(2000, 1, 1)}
            daily = make_checklist(slide, frequency=Frequency.EVERY_N_DAYS, **every_day)
            first, second = make_asset(kind=slide), make_asset("滑梯 2", "Slide 2", kind=slide)
            make_inspection(first, daily, today)
            fan = make_kind("fan", "风扇", "Fan")
            make_checklist(
                fan, ("风扇检查", "Fan check"), Frequency.EVERY_N_DAYS,
                interval_days=3, anchor_date=today - timedelta(days=1),
            )
            make_asset("风扇", "Fan", kind=fan)
            make_fault_at(
                FaultStatus.ACCEPTED, second, at=now - timedelta(days=2),
                done_at=now - timedelta(days=1),
            )
        with tenancy.in_school(east):
            slide = make_kind()
            yesterday = now - timedelta(days=1)
            routine = make_checklist(
                slide, frequency=Frequency.EVERY_N_DAYS, interval_days=1,
                anchor_date=date(2000, 1, 1), created_at=yesterday,
            )
            swing = make_asset("秋千", "Swing", kind=slide, registered=yesterday)
            make_staff_report(
                swing, "座椅裂了", Urgency.UNSAFE, take_out_of_service=True,
                at=now - timedelta(days=3),
            )
            assert routine.id
        with tenancy.in_school(west):
            make_asset("西园滑梯", "West slide", kind=make_kind())
        db.session.commit()
        return {"main": main.id, "east": east.id, "west": west.id, "today": today}


def sign_in(client, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


def phone_school(app, username):
    with app.app_context():
        return db.session.scalar(
            sa.select(SignIn.school_id)
            .join(User, User.id == SignIn.user_id)
            .where(User.username == username, SignIn.ended_at.is_(None))
            .order_by(SignIn.id.desc())
        )


# The figures


def test_each_schools_figures_are_its_own(app, district):
    with app.test_request_context():
        schools = [db.session.get(School, district[code]) for code in ("east", "main")]
        now = utcnow()
        east, main = figures.school_rows(schools, now)
    assert (main.done, main.due, main.overdue) == (1, 1, 1)
    assert (main.unsafe_open, main.oldest_unsafe_at, main.out_of_service) == (0, None, 0)
    assert main.repairs_accepted == 1
    assert main.repair_mean == timedelta(days=1)
    # Two slides due today since the routine was made: one done, one still open.
    assert (main.term_counts.due, main.term_counts.done, main.term_counts.open) == (2, 1, 1)
    assert main.term_rate == 1.0

    assert (east.done, east.due, east.overdue) == (0, 1, 0)
    assert east.unsafe_open == 1
    assert timedelta(days=3) <= east.oldest_unsafe_age < timedelta(days=3, minutes=5)
    assert east.out_of_service == 1
    assert (east.repairs_accepted, east.repair_mean) == (0, None)
    yesterday = district["today"] - timedelta(days=1)
    if yesterday >= east.term_start:
        # Due yesterday and not done: missed; due today: still open.
        assert (east.term_counts.missed, east.term_counts.open) == (1, 1)
        assert east.term_rate == 0.0


def test_the_dashboard_shows_every_school_of_the_district_and_no_other(app, client, district):
    sign_in(client, "office")
    page = client.get("/district/")
    assert page.status_code == 200
    text = page.text
    assert "East kindergarten" in text and "west" not in text.lower().split("<main>")[1]
    assert 'action="/district/schools/east/open"' in text
    assert 'action="/district/schools/west/open"' not in text
    assert "24 h" in text  # main's one repair


def _order(text):
    """The schools' codes in the order the page lists them."""
    return sorted(("east", "main"), key=lambda code: text.index(f"/district/schools/{code}/open"))


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("school", ["east", "main"]),
        ("-school", ["main", "east"]),
        ("overdue", ["east", "main"]),
        ("-overdue", ["main", "east"]),
        ("-unsafe", ["east", "main"]),
        ("unsafe", ["main", "east"]),
        ("-out", ["east", "main"]),
        # A school without the figure goes last, whichever the direction.
        ("repair", ["main", "east"]),
        ("-repair", ["main", "east"]),
        ("unsafe_age", ["east", "main"]),
        # Bad values: the default order, never an error.
        ("nonsense", ["east", "main"]),
        ("-", ["east", "main"]),
        ("--done", ["east", "main"]),
        ("x" * 10_000, ["east", "main"]),
    ],
)
def test_the_dashboard_sorts_by_each_column(app, client, district, sort, order):
    sign_in(client, "office")
    page = client.get("/district/", query_string={"sort": sort})
    assert page.status_code == 200
    assert _order(page.text) == order


def test_the_dashboards_query_count_does_not_grow_with_the_assets(app, client, district):
    sign_in(client, "office")
    before = count_queries(app, lambda: client.get("/district/"))
    with app.app_context():
        for code in ("main", "east"):
            with tenancy.in_school(district[code]):
                kind = make_kind()
                for n in range(15):
                    make_asset(f"滑梯 {n + 10}", f"Slide {n + 10}", kind=kind)
        db.session.commit()
    assert count_queries(app, lambda: client.get("/district/")) == before


# The figures as stored


def _figures(row):
    """A row's figures, without when they were counted."""
    return {f.name: getattr(row, f.name) for f in fields(row) if f.name != "counted_at"}


def _district_schools(district):
    return [db.session.get(School, district[code]) for code in ("main", "east")]


def test_the_stored_figures_equal_the_live_ones(app, district):
    with app.test_request_context():
        assert stored.refresh_district_schools() == 3  # every district's schools
        schools = _district_schools(district)
        now = utcnow()
        kept = stored.dashboard_rows(schools, now)
        live = figures.school_rows(schools, now)
        assert [_figures(row) for row in kept] == [_figures(row) for row in live]
        with tenancy.in_schools([school.id for school in schools]):
            counted = db.session.scalars(
                sa.select(SchoolFigures.counted_at).order_by(SchoolFigures.school_id)
            ).all()
        assert [row.counted_at for row in kept] == counted
        assert all(at < now for at in counted)


def test_the_dashboard_reads_the_stored_rows_in_one_query(app, client, district):
    with app.app_context():
        stored.refresh_district_schools()
        with tenancy.in_school(district["main"]):
            db.session.get(SchoolFigures, district["main"]).done = 42
            db.session.commit()
    sign_in(client, "office")
    page = client.get("/district/")
    assert 'aria-label="Done this week, Patrol: 42"' in page.text
    before = count_queries(app, lambda: client.get("/district/"))
    with app.app_context():
        north = db.session.get(School, district["main"]).district
        for n in range(3):
            make_school(f"north{n}", f"北{n}园", f"North {n}", district=north)
        db.session.commit()
        stored.refresh_district_schools()
    assert count_queries(app, lambda: client.get("/district/")) == before


def test_a_school_not_counted_today_is_counted_on_the_spot(app, district):
    with app.test_request_context():
        stored.refresh_district_schools()
        with tenancy.in_school(district["east"]):
            row = db.session.get(SchoolFigures, district["east"])
            row.on -= timedelta(days=1)
            row.done = 42
            db.session.commit()
        now = utcnow()
        main, east = stored.dashboard_rows(_district_schools(district), now)
    assert main.counted_at < now  # stored
    assert (east.counted_at, east.done) == (now, 0)  # counted again, as of now


def test_the_dashboard_says_when_each_school_was_counted(app, client, district):
    with app.app_context():
        stored.refresh_district_schools()
        with tenancy.in_school(district["main"]):
            counted_at = db.session.get(SchoolFigures, district["main"]).counted_at
    local = counted_at.replace(tzinfo=UTC).astimezone(ZoneInfo(SHANGHAI)).strftime("%H:%M")
    sign_in(client, "office")
    assert f"as of {local}" in client.get("/district/", headers={"Accept-Language": "en"}).text
    assert f"截至 {local}" in client.get("/district/", headers={"Accept-Language": "zh"}).text


def test_a_signed_inspection_counts_its_school_again_after_the_commit(app, district,
                                                                      worker_queue):
    worker_queue.run()  # the district's own making
    with app.app_context():
        stored.refresh_district_schools()
        with tenancy.in_school(district["main"]):
            second = db.session.scalar(sa.select(Asset).where(Asset.name == "滑梯 2"))
            daily = db.session.scalar(
                sa.select(Checklist).where(Checklist.kind_id == second.kind_id)
            )
            make_inspection(second, daily, district["today"])
            db.session.flush()
            assert worker_queue.waiting() == []  # not before the commit
        db.session.commit()
    assert worker_queue.waiting() == ["refresh_school_figures"]
    with app.app_context(), tenancy.in_school(district["main"]):
        row = db.session.get(SchoolFigures, district["main"])
        assert (row.done, row.due) == (1, 1)  # as counted before
    worker_queue.run()
    with app.app_context(), tenancy.in_school(district["main"]):
        row = db.session.get(SchoolFigures, district["main"])
        assert (row.done, row.due, row.term_done, row.term_open) == (2, 0, 2, 0)


def test_a_fault_reported_counts_its_school_again(app, district, worker_queue):
    worker_queue.run()
    with app.app_context():
        stored.refresh_district_schools()
        with tenancy.in_school(district["main"]):
            fan = db.session.scalar(sa.select(Asset).where(Asset.name == "风扇"))
            make_staff_report(fan, "扇叶松了", Urgency.UNSAFE, take_out_of_service=True)
        db.session.commit()
    assert sorted(worker_queue.run()) == ["refresh_school_figures", "send_soon"]
    with app.app_context(), tenancy.in_school(district["main"]):
        row = db.session.get(SchoolFigures, district["main"])
        assert (row.unsafe_open, row.out_of_service) == (1, 1)


def test_a_rolled_back_change_counts_nothing_again(app, district, worker_queue):
    worker_queue.run()
    with app.app_context():
        with tenancy.in_school(district["main"]):
            fan = db.session.scalar(sa.select(Asset).where(Asset.name == "风扇"))
            make_staff_report(fan, "扇叶松了", Urgency.UNSAFE)
            db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert worker_queue.waiting() == []


def test_a_count_begun_earlier_never_replaces_a_later_one(app, district):
    with app.app_context():
        stored.refresh_district_schools()
        with tenancy.in_school(district["east"]):
            row = db.session.get(SchoolFigures, district["east"])
            later = row.counted_at = utcnow() + timedelta(minutes=1)
            row.done = 42
            db.session.commit()
        east = db.session.get(School, district["east"])
        assert stored.refresh_school(east) is False
        with tenancy.in_school(district["east"]):
            row = db.session.get(SchoolFigures, district["east"])
            assert (row.counted_at, row.done) == (later, 42)
        assert stored.refresh_school(db.session.get(School, district["main"])) is True


def test_the_workers_round_stores_every_district_school_past_one_that_fails(
    app, district, monkeypatch, caplog
):
    counted = stored.school_rows

    def failing_in_east(schools, now):
        if schools[0].code == "east":
            raise RuntimeError("broken")
        return counted(schools, now)

    monkeypatch.setattr(stored, "school_rows", failing_in_east)
    with caplog.at_level(logging.ERROR):
        tasks.refresh_figures.call_local()
    with app.app_context(), tenancy.everywhere():
        kept = set(db.session.scalars(sa.select(SchoolFigures.school_id)))
    assert kept == {district["main"], district["west"]}
    assert "Could not count the figures of school east" in caplog.text


def test_a_school_outside_a_district_is_not_counted(app, district):
    with app.app_context():
        assert stored.refresh_school_by_id(district["main"]) is True
        lone = make_school("lone", "独园", "Lone kindergarten")
        db.session.commit()
        assert stored.refresh_school_by_id(lone.id) is False
        with tenancy.everywhere():
            assert db.session.scalar(
                sa.select(sa.func.count()).select_from(SchoolFigures)
                .where(SchoolFigures.school_id == lone.id)
            ) == 0


# Who may


DISTRICT_PAGES = ("/district/", "/district/report", "/district/report.csv")
ADMIN_PAGES = ("/district/schools", "/district/schools/new", "/district/schools/main/edit")


def test_signed_out_people_are_sent_to_sign_in(client, district):
    for url in DISTRICT_PAGES + ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login?next=" in response.location, url
    response = client.post("/district/schools/main/open", data={"next": "checks"})
    assert response.status_code == 302 and "/login?next=" in response.location


@pytest.mark.parametrize("username", ["admin", "inspector", "repairer"])
def test_school_staff_are_refused_every_district_page(app, client, district, username):
    sign_in(client, username)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/district"):
            continue
        url = rule.rule.replace("<code>", "main")
        for method in rule.methods & {"GET", "POST"}:
            assert client.open(url, method=method, data={}).status_code == 403, (method, url)
    assert phone_school(app, username) == district["main"]


def test_the_office_reads_and_the_admin_manages_schools(client, district):
    sign_in(client, "office")
    for url in DISTRICT_PAGES:
        assert client.get(url).status_code == 200, url
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    assert "/district/schools\"" not in client.get("/district/").text

    client.post("/logout")
    sign_in(client, "boss")
    for url in DISTRICT_PAGES + ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_the_office_changes_no_school(app, client, district):
    sign_in(client, "office")
    added = client.post("/district/schools/new", data=_new_school(code="north2"))
    edited = client.post(
        "/district/schools/main/edit",
        data={"name": "改了", "timezone": "UTC", "language": "en"},
    )
    assert (added.status_code, edited.status_code) == (403, 403)
    with app.app_context():
        assert _school("north2") is None
        main = _school("main")
        assert (main.name, main.timezone, main.language) == ("Patrol", SHANGHAI, "zh")


def test_another_districts_school_is_not_found(app, client, district):
    sign_in(client, "office")
    assert client.post("/district/schools/west/open", data={"next": "checks"}).status_code == 404
    assert client.post("/district/schools/nowhere/open", data={"next": "checks"}).status_code == 404
    assert phone_school(app, "office") is None
    client.post("/logout")
    sign_in(client, "boss")
    assert client.get("/district/schools/west/edit").status_code == 404
    assert client.post(
        "/district/schools/west/edit", data={"name": "x", "timezone": "UTC", "language": "en"}
    ).status_code == 404
    with app.app_context():
        assert _school("west").name == "西园"


def test_a_district_member_without_a_school_lands_on_the_district(client, district):
    response = client.post("/login", data={"username": "office", "password": PASSWORD})
    home = client.get(response.location)
    assert home.status_code == 302 and home.location == "/district/"
    page = client.get("/district/")
    assert 'href="/district/"' in page.text  # the menu's link
    # School staff see no district link.
    client.post("/logout")
    sign_in(client, "admin")
    assert 'href="/district/"' not in client.get("/faults/").text


# The lists behind the numbers, read-only


def _open(client, code, target):
    return client.post(f"/district/schools/{code}/open", data={"next": target})


def test_a_number_opens_the_schools_list_read_only(app, client, district):
    sign_in(client, "office")
    opened = _open(client, "east", "unsafe")
    assert opened.status_code == 303
    assert opened.location == "/faults/?status=open&urgency=unsafe"
    assert phone_school(app, "office") == district["east"]
    listed = client.get(opened.location)
    assert listed.status_code == 200
    assert "Swing" in listed.text
    assert "District view of East kindergarten: read-only." in listed.text
    assert 'href="/district/"' in listed.text
    with app.app_context(), tenancy.in_school(district["east"]):
        fault = db.session.scalar(sa.select(Fault))
        fault_id, asset_id = fault.id, fault.asset_id
        events = len(fault.events)
    shown = client.get(f"/faults/{fault_id}")
    assert shown.status_code == 200
    assert f'action="/faults/{fault_id}/' not in shown.text
    assert "/q/" not in shown.text.split("<main>")[1]

    # Nothing is accepted from the district: a fault's step, a report, an inspection.
    for step in ("comment", "assign", "dismiss", "still-usable"):
        refused = client.post(f"/faults/{fault_id}/{step}", data={"comment": "看过了", "note": ""})
        assert refused.status_code == 403, step
    with app.app_context(), tenancy.in_school(district["east"]):
        routine_id = db.session.scalar(sa.select(Checklist.id))
        code = db.session.get(Fault, fault_id).asset.code
    inspect = f"/assets/{asset_id}/checklists/{routine_id}/inspect"
    assert client.get(inspect).status_code == 403
    assert client.post(inspect, data={}).status_code == 403
    assert client.post(f"/q/{code}/report", data={"description": "x"}).status_code == 403
    with app.app_context(), tenancy.in_school(district["east"]):
        fault = db.session.get(Fault, fault_id)
        assert fault.status == FaultStatus.REPORTED and len(fault.events) == events
        assert db.session.scalar(sa.select(sa.func.count(Fault.id))) == 1


def test_the_weeks_checks_and_the_term_open_for_the_district(app, client, district):
    sign_in(client, "office")
    opened = _open(client, "main", "checks-overdue")
    assert opened.location == "/dashboard/checks?state=overdue"
    checks = client.get(opened.location)
    assert checks.status_code == 200
    assert "Fan" in checks.text and "Slide 2" not in checks.text
    assert "/q/" not in checks.text.split("<main>")[1]
    term = _open(client, "main", "term")
    assert term.location.startswith("/dashboard/term?routine=")
    assert client.get(term.location).status_code == 200
    # The rest of the school stays closed to the district.
    for url in ("/today", "/register/assets", "/dashboard/settings", "/reports/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/").location == "/district/"


@pytest.mark.parametrize("target", ["", "home", "faults.index", "../admin", "x" * 5000])
def test_only_the_fixed_lists_open(app, client, district, target):
    sign_in(client, "office")
    response = _open(client, "main", target)
    assert response.status_code == 400
    assert "There is no such list." in response.text
    assert phone_school(app, "office") is None


def test_opening_needs_the_csrf_token(csrf_app, district):
    client = csrf_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = client.get("/login").text
    token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "office", "password": PASSWORD, "csrf_token": token})
    response = client.post("/district/schools/main/open", data={"next": "checks"})
    assert response.status_code == 400
    assert phone_school(csrf_app, "office") is None


# The district report


def test_the_report_puts_each_school_side_by_side(app, client, district):
    sign_in(client, "office")
    month = district["today"].strftime("%Y-%m")
    page = client.get("/district/report", query_string={"period": "month", "month": month})
    assert page.status_code == 200
    assert "East kindergarten" in page.text and "West kindergarten" not in page.text
    exported = client.get("/district/report.csv", query_string={"period": "month", "month": month})
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "School code"
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"east", "main", ""}
    # Faults reported, unsafe among them, repairs accepted, mean hours.
    assert by_code["main"][9:13] == ["1", "0", "1", "24.0"]
    assert by_code["east"][9:12] == ["1", "1", "0"]
    assert by_code[""][9:12] == ["2", "1", "1"]


def test_the_report_for_a_term_and_its_pdf(app, client, district):
    sign_in(client, "office")
    page = client.get("/district/report")
    assert page.status_code == 200
    term = page.text.split('<option value="')[1].split('"')[0]
    chosen = {"period": "term", "term": term}
    assert client.get("/district/report", query_string=chosen).status_code == 200
    made = client.get("/district/report.pdf", query_string=chosen)
    assert made.status_code == 200
    assert made.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    "query",
    [
        {"period": "month", "month": "2026-13"},
        {"period": "month", "month": "9999-01"},
        {"period": "month", "month": ""},
        {"period": "term", "term": "not a day"},
        {"period": "week"},
        {"period": "month", "month": "２０２６－１１"},
    ],
)
def test_a_bad_period_is_refused_with_a_message(client, district, query):
    sign_in(client, "office")
    for url in ("/district/report", "/district/report.csv", "/district/report.pdf"):
        response = client.get(url, query_string=query)
        assert response.status_code == 400, url
        assert "Please correct the marked fields." in response.text


# The district admin's schools


def _new_school(**changes):
    return {
        "district": "north", "code": "south-lake", "name": "南湖幼儿园",
        "name_en": "South Lake kindergarten", "timezone": "Asia/Shanghai", "language": "zh",
    } | changes


def test_the_district_admin_adds_and_edits_a_school(app, client, district):
    sign_in(client, "boss")
    added = client.post("/district/schools/new", data=_new_school(code="South-Lake"))
    assert added.status_code == 303
    edited = client.post(
        "/district/schools/south-lake/edit",
        data={"name": "南湖园", "name_en": "", "timezone": "Asia/Urumqi", "language": "en"},
    )
    assert edited.status_code == 303
    with app.app_context():
        school = _school("south-lake")
        assert (school.name, school.name_en, school.timezone, school.language) == (
            "南湖园", None, "Asia/Urumqi", "en"
        )
        assert school.district.code == "north"
    client.get("/district/schools")  # the flash messages
    dashboard = client.get("/district/").text
    assert 'action="/district/schools/south-lake/open"' in dashboard
    assert "South Lake" not in dashboard


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "east"}, "code", "A school with the code east exists already"),
        ({"code": "WEST"}, "code", "A school with the code west exists already"),
        ({"code": ""}, "code", "Write the code with 1 to 20 letters"),
        ({"code": "a b"}, "code", "Write the code with 1 to 20 letters"),
        ({"code": "x" * 21}, "code", "Write the code with 1 to 20 letters"),
        ({"name": "  "}, "name", "Write the school&#39;s name."),
        ({"name": "名" * 121}, "name", "At most 120 characters."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Choose a time zone from the list"),
        ({"timezone": ""}, "timezone", "Choose a time zone from the list"),
        ({"language": "fr"}, "language", "Choose Chinese or English."),
        ({"district": "south"}, "district", "Choose one of your districts."),
    ],
)
def test_a_refused_school_keeps_the_form_and_changes_nothing(
    app, client, district, changes, field, message
):
    sign_in(client, "boss")
    sent = _new_school(**changes)
    response = client.post("/district/schools/new", data=sent)
    assert response.status_code == 400
    assert message in response.text
    assert 'value="南湖幼儿园"' in response.text or field == "name"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(School.id))) == 3


def test_a_refused_edit_changes_nothing(app, client, district):
    sign_in(client, "boss")
    response = client.post(
        "/district/schools/east/edit",
        data={"name": "新名字", "timezone": "Nowhere/Town", "language": "zh"},
    )
    assert response.status_code == 400
    assert "Choose a time zone from the list" in response.text
    assert 'value="新名字"' in response.text
    with app.app_context():
        assert _school("east").name == "东园幼儿园"


def test_the_chinese_pages_speak_chinese(client, district):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    sign_in(client, "boss")
    assert "区级" in client.get("/district/").text
    assert "添加学校" in client.get("/district/schools/new").text


def test_out_of_service_opens_the_faults_keeping_assets_out(app, client, district):
    sign_in(client, "office")
    opened = _open(client, "east", "out")
    assert opened.location == "/faults/?status=open&out=1"
    assert "Swing" in client.get(opened.location).text
    with app.app_context(), tenancy.in_school(district["east"]):
        swing = db.session.scalar(sa.select(Fault)).asset
        assert swing.status == AssetStatus.OUT_OF_SERVICE
