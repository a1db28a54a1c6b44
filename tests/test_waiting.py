"""What waits on the signed-in user: the counts, the header badge, one query per page."""

import sqlalchemy as sa

from app.extensions import db
from app.faults.lifecycle import may_accept
from app.faults.raising import raise_fault
from app.models import Fault, FaultStatus, Role, School, Urgency
from app.waiting import Waiting, waiting_on
from tests.factories import (
    make_asset,
    make_fault_at,
    make_public_report,
    make_staff_report,
    make_user,
    user,
)


def fault(asset, status=FaultStatus.REPORTED, reporter=None, **fields):
    """A fault in any state, set by hand: some (an admin with a job, a repair by someone no
    longer a repairer) only a later change of role reaches, which the lifecycle cannot make.
    Tests that need no such state take make_fault_at."""
    made = raise_fault(asset, "Broken seat", Urgency.NEEDS_REPAIR, reporter=reporter)
    made.status = status
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def test_a_repairer_counts_the_jobs_assigned_to_them(app):
    with app.app_context():
        asset, repairer, admin = make_asset(), user("repairer"), user("admin")
        make_fault_at(FaultStatus.ASSIGNED, asset)
        make_fault_at(FaultStatus.IN_PROGRESS, asset)
        # Not theirs: unassigned, repaired, accepted, someone else's.
        other = make_user("second", Role.REPAIRER, password=None)
        make_fault_at(FaultStatus.ASSIGNED, asset, repairer=other)
        make_staff_report(asset)
        make_fault_at(FaultStatus.REPAIRED, asset, reporter=admin)
        make_fault_at(FaultStatus.ACCEPTED, asset)
        db.session.commit()

        assert waiting_on(repairer) == Waiting(jobs=2, to_accept=0)


def test_an_admin_counts_the_faults_nobody_has_been_given(app):
    with app.app_context():
        asset, admin = make_asset(), user("admin")
        make_staff_report(asset, reporter=admin)
        make_staff_report(asset, reporter=user("inspector"))
        make_fault_at(FaultStatus.ASSIGNED, asset)
        db.session.commit()

        assert waiting_on(admin) == Waiting(jobs=0, to_accept=0, to_assign=2)
        assert waiting_on(user("inspector")) == Waiting(jobs=0, to_accept=0)


def test_a_reporter_counts_the_repairs_they_may_accept(app):
    with app.app_context():
        asset, inspector, repairer = make_asset(), user("inspector"), user("repairer")
        make_fault_at(FaultStatus.REPAIRED, asset, reporter=inspector)
        make_fault_at(FaultStatus.REPAIRED, asset, reporter=user("admin"))
        make_fault_at(FaultStatus.ACCEPTED, asset, reporter=inspector)
        db.session.commit()

        assert waiting_on(inspector) == Waiting(jobs=0, to_accept=1)
        assert waiting_on(repairer) == Waiting(jobs=0, to_accept=0)


def test_public_reports_wait_on_admins_and_inspectors_never_on_who_repaired(app):
    with app.app_context():
        asset, admin, repairer = make_asset(), user("admin"), user("repairer")
        # The deputy head repaired one while still a repairer, and is an admin now.
        deputy = make_user("deputy", Role.REPAIRER, password=None)
        for who in (repairer, deputy):
            make_fault_at(FaultStatus.REPAIRED, repairer=who, fault=make_public_report(
                asset, name="Parent", take_out_of_service=False
            ))
        deputy.role = Role.ADMIN
        db.session.commit()

        assert waiting_on(deputy).to_accept == 1
        assert waiting_on(admin).to_accept == 2
        assert waiting_on(user("inspector")).to_accept == 2
        assert waiting_on(repairer).to_accept == 0


def test_the_count_follows_the_lifecycle_rule_for_who_accepts(app):
    """Every kind of repaired fault, every user: the SQL count agrees with may_accept."""
    with app.app_context():
        asset, admin, inspector, repairer = (
            make_asset(), user("admin"), user("inspector"), user("repairer")
        )
        gone = make_user("gone", Role.INSPECTOR, password=None, active=False)
        for reporter in (None, admin, inspector, repairer, gone):
            for repaired_by in (None, admin, inspector, repairer):
                for is_public in (False, True):
                    fault(asset, FaultStatus.REPAIRED, reporter=reporter,
                          repaired_by=repaired_by, is_public=is_public)
        db.session.commit()
        faults = db.session.scalars(sa.select(Fault)).all()

        for someone in (admin, inspector, repairer):
            expected = sum(may_accept(each, someone) for each in faults)
            assert waiting_on(someone).to_accept == expected, someone


def test_the_badge_shows_on_every_page_and_links_to_the_work(app, client, auth):
    with app.app_context():
        asset, repairer = make_asset(), user("repairer")
        make_fault_at(FaultStatus.ASSIGNED, asset)
        make_fault_at(FaultStatus.IN_PROGRESS, asset)
        second = make_user("second", Role.REPAIRER, password=None)
        make_fault_at(FaultStatus.REPAIRED, asset, reporter=repairer, repairer=second)
        db.session.commit()
    auth.login("repairer")

    page = client.get("/today").get_data(as_text=True)

    assert 'class="waiting"' in page
    assert "2 jobs" in page and "1 to accept" in page
    assert 'href="/faults/?status=repaired"' in page
    jobs_path = "/faults/mine" if "faults.my_jobs" in app.view_functions else "/faults/"
    assert f'href="{jobs_path}">2 jobs' in page


def test_one_job_is_said_in_the_singular_and_in_chinese(app, client, auth):
    with app.app_context():
        make_fault_at(FaultStatus.ASSIGNED, make_asset())
        db.session.commit()
    auth.login("repairer")

    assert "1 job<" in client.get("/today").get_data(as_text=True)
    assert 'class="waiting"' in client.get(
        "/today", headers={"Accept-Language": "zh"}
    ).get_data(as_text=True)


def test_the_admin_header_says_what_waits_and_scan_keeps_its_label(app, client, auth):
    with app.app_context():
        asset, admin = make_asset(), user("admin")
        for _ in range(4):
            make_staff_report(asset)
        fault(asset, FaultStatus.ASSIGNED, assigned_to=admin)  # an admin once a repairer
        make_fault_at(FaultStatus.REPAIRED, asset, reporter=admin)
        db.session.commit()
    auth.login("admin")

    page = client.get("/today").get_data(as_text=True)

    assert 'href="/faults/?status=reported">4 to assign</a> · ' in page
    assert ">1 job</a> · " in page and ">1 to accept</a>" in page
    assert '<span class="scan-label">Scan</span>' in page
    assert ".waiting + .scan-link .scan-label" not in client.get(
        "/static/css/patrol.css"
    ).get_data(as_text=True)


def test_the_header_names_the_school_and_patrol_only_without_one(app, client, auth):
    auth.login("inspector")
    assert '<a class="brand" href="/">Patrol</a>' in client.get("/today").get_data(as_text=True)

    # The school's own name, now that it is the school's record.
    with app.app_context():
        db.session.execute(sa.update(School).values(name="Sunshine Kindergarten"))
        db.session.commit()
    page = client.get("/today").get_data(as_text=True)

    assert '<a class="brand" href="/">Sunshine Kindergarten</a>' in page


def test_nothing_waiting_shows_nothing(app, client, auth):
    auth.login("inspector")

    assert 'class="waiting"' not in client.get("/today").get_data(as_text=True)


def test_signed_out_pages_count_nothing(app, client):
    with app.app_context():
        make_staff_report(make_asset())
        db.session.commit()

    page = client.get("/login").get_data(as_text=True)

    assert 'class="waiting"' not in page


def test_the_count_is_one_query(app, client, auth):
    with app.app_context():
        asset = make_asset()
        for _ in range(5):
            make_staff_report(asset)
        db.session.commit()
        engine = db.engine
    auth.login("admin")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        page = client.get("/today").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

    assert "5 to assign" in page
    assert sum("CASE WHEN" in statement for statement in statements) == 1


def test_a_page_still_renders_when_the_count_fails(app, client, auth, monkeypatch, caplog):
    def broken(user):
        raise sa.exc.OperationalError("SELECT", {}, Exception("the database went away"))

    monkeypatch.setattr("app.waiting.waiting_on", broken)
    auth.login("admin")

    response = client.get("/today")

    assert response.status_code == 200
    assert 'class="waiting"' not in response.get_data(as_text=True)
    assert "Could not count what waits" in caplog.text
