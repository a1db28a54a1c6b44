"""What waits on the signed-in user: the counts, the header badge, one query per page."""

import sqlalchemy as sa

from app.extensions import db
from app.faults.lifecycle import may_accept
from app.faults.raising import raise_fault
from app.models import Fault, FaultStatus, Role, Urgency, User
from app.waiting import Waiting, waiting_on
from tests.factories import make_asset


def user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def fault(asset, status=FaultStatus.REPORTED, reporter=None, **fields):
    made = raise_fault(asset, "Broken seat", Urgency.NEEDS_REPAIR, reporter=reporter)
    made.status = status
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def test_a_repairer_counts_the_jobs_assigned_to_them(app):
    with app.app_context():
        asset, repairer, admin = make_asset(), user("repairer"), user("admin")
        fault(asset, FaultStatus.ASSIGNED, assigned_to=repairer)
        fault(asset, FaultStatus.IN_PROGRESS, assigned_to=repairer)
        # Not theirs: unassigned, repaired, accepted, someone else's.
        other = User(username="second", display_name="Second", role=Role.REPAIRER,
                     password_hash="x")
        fault(asset, FaultStatus.ASSIGNED, assigned_to=other)
        fault(asset)
        fault(asset, FaultStatus.REPAIRED, assigned_to=repairer, repaired_by=repairer,
              reporter=admin)
        fault(asset, FaultStatus.ACCEPTED, assigned_to=repairer)
        db.session.commit()

        assert waiting_on(repairer) == Waiting(jobs=2, to_accept=0)


def test_an_admin_counts_the_faults_nobody_has_been_given(app):
    with app.app_context():
        asset, admin, repairer = make_asset(), user("admin"), user("repairer")
        fault(asset)
        fault(asset, reporter=user("inspector"))
        fault(asset, FaultStatus.ASSIGNED, assigned_to=repairer)
        db.session.commit()

        assert waiting_on(admin) == Waiting(jobs=0, to_accept=0, to_assign=2)
        assert waiting_on(user("inspector")) == Waiting(jobs=0, to_accept=0)


def test_a_reporter_counts_the_repairs_they_may_accept(app):
    with app.app_context():
        asset, inspector, repairer = make_asset(), user("inspector"), user("repairer")
        fault(asset, FaultStatus.REPAIRED, reporter=inspector, repaired_by=repairer)
        fault(asset, FaultStatus.REPAIRED, reporter=user("admin"), repaired_by=repairer)
        fault(asset, FaultStatus.ACCEPTED, reporter=inspector, repaired_by=repairer)
        db.session.commit()

        assert waiting_on(inspector) == Waiting(jobs=0, to_accept=1)
        assert waiting_on(repairer) == Waiting(jobs=0, to_accept=0)


def test_public_reports_wait_on_admins_and_inspectors_never_on_who_repaired(app):
    with app.app_context():
        asset, admin, repairer = make_asset(), user("admin"), user("repairer")
        fault(asset, FaultStatus.REPAIRED, is_public=True, reporter_name="Parent",
              repaired_by=repairer)
        fault(asset, FaultStatus.REPAIRED, is_public=True, reporter_name="Parent",
              repaired_by=admin)
        db.session.commit()

        assert waiting_on(admin).to_accept == 1
        assert waiting_on(user("inspector")).to_accept == 2
        assert waiting_on(repairer).to_accept == 0


def test_the_count_follows_the_lifecycle_rule_for_who_accepts(app):
    """Every kind of repaired fault, every user: the SQL count agrees with may_accept."""
    with app.app_context():
        asset, admin, inspector, repairer = (
            make_asset(), user("admin"), user("inspector"), user("repairer")
        )
        gone = User(username="gone", display_name="Gone", role=Role.INSPECTOR,
                    password_hash="x", active=False)
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
        fault(asset, FaultStatus.ASSIGNED, assigned_to=repairer)
        fault(asset, FaultStatus.IN_PROGRESS, assigned_to=repairer)
        fault(asset, FaultStatus.REPAIRED, reporter=repairer, repaired_by=user("admin"))
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
        fault(make_asset(), FaultStatus.ASSIGNED, assigned_to=user("repairer"))
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
            fault(asset)
        fault(asset, FaultStatus.ASSIGNED, assigned_to=admin)
        fault(asset, FaultStatus.REPAIRED, reporter=admin, repaired_by=user("repairer"))
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

    app.config["SCHOOL_NAME"] = "Sunshine Kindergarten"
    page = client.get("/today").get_data(as_text=True)

    assert '<a class="brand" href="/">Sunshine Kindergarten</a>' in page


def test_nothing_waiting_shows_nothing(app, client, auth):
    auth.login("inspector")

    assert 'class="waiting"' not in client.get("/today").get_data(as_text=True)


def test_signed_out_pages_count_nothing(app, client):
    with app.app_context():
        fault(make_asset())
        db.session.commit()

    page = client.get("/login").get_data(as_text=True)

    assert 'class="waiting"' not in page


def test_the_count_is_one_query(app, client, auth):
    with app.app_context():
        asset = make_asset()
        for _ in range(5):
            fault(asset)
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
