"""Closed periods: the admin enters the school's holidays, and every routine pauses over them."""

import html
from datetime import date

import pytest
import sqlalchemy as sa

from app.checklists.versions import add_item, create_checklist
from app.extensions import db
from app.models import ClosedPeriod, Frequency, ItemType, User
from app.routines import routine_states
from app.schedule import Schedule, State
from tests.factories import make_asset, make_closed_period, set_school

MONDAY = date(2026, 11, 23)
HOSTILE = '<script>alert("x")</script>'


def periods():
    db.session.expire_all()
    return [
        (p.name, p.start_date, p.end_date)
        for p in db.session.scalars(sa.select(ClosedPeriod).order_by(ClosedPeriod.id))
    ]


def add_period(app, **period):
    """A closed period (by default the winter holiday), committed; its id."""
    with app.app_context():
        period = make_closed_period(**period)
        db.session.commit()
        return period.id


def test_the_page_shows_the_school_time_zone_and_the_periods(app, client, auth):
    add_period(app)
    auth.login("admin")
    response = client.get("/checklists/closed-periods")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Asia/Shanghai" in page
    assert "寒假" in page
    assert "Days: 32" in page


def test_the_time_zone_shown_is_the_configured_one(app, client, auth):
    set_school(app, timezone="Europe/Berlin")
    auth.login("admin")
    assert "Europe/Berlin" in client.get("/checklists/closed-periods").get_data(as_text=True)


def test_adding_a_closed_period(app, client, auth):
    auth.login("admin")
    response = client.post(
        "/checklists/closed-periods",
        data={"name": " 国庆节 ", "start_date": "2026-10-01", "end_date": "2026-10-07"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/checklists/closed-periods")
    with app.app_context():
        assert periods() == [("国庆节", date(2026, 10, 1), date(2026, 10, 7))]
    page = client.get("/checklists/closed-periods").get_data(as_text=True)
    assert "Closed period added" in page and "国庆节" in page


@pytest.mark.parametrize(
    ("start", "end"), [("2026-10-01", "2026-10-01"), ("2026-09-01", "2027-09-01")]
)
def test_one_day_and_366_days_are_accepted(app, client, auth, start, end):
    auth.login("admin")
    response = client.post(
        "/checklists/closed-periods", data={"name": "假期", "start_date": start, "end_date": end}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"end_date": "2026-09-30"}, "The last day is before the first day."),
        ({"end_date": "2027-10-02"}, "A closed period is at most 366 days long."),
        ({"name": ""}, "Type a name, e.g. Summer holiday."),
        ({"name": "假" * 10_000}, "Field cannot be longer than 120 characters."),
        ({"start_date": ""}, "Choose the first day."),
        ({"end_date": ""}, "Choose the last day."),
        ({"start_date": "2026-13-01"}, "Type a date like 2026-07-01."),
        ({"end_date": "next Friday"}, "Type a date like 2026-07-01."),
        ({"start_date": "<script>"}, "Type a date like 2026-07-01."),
    ],
)
def test_bad_closed_periods_say_what_is_wrong_and_keep_the_input(
    app, client, auth, fields, message
):
    auth.login("admin")
    data = {"name": "国庆节", "start_date": "2026-10-01", "end_date": "2026-10-07"} | fields
    response = client.post("/checklists/closed-periods", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.unescape(page)
    if "name" not in fields:
        assert 'value="国庆节"' in page
    with app.app_context():
        assert periods() == []


def test_a_hostile_name_is_escaped(app, client, auth):
    auth.login("admin")
    client.post(
        "/checklists/closed-periods",
        data={"name": HOSTILE, "start_date": "2026-10-01", "end_date": "2026-10-07"},
    )
    page = client.get("/checklists/closed-periods").get_data(as_text=True)
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page


def test_deleting_a_closed_period(app, client, auth):
    keep = add_period(app, name="寒假")
    gone = add_period(app, name="暑假", start=date(2027, 7, 10), end=date(2027, 8, 31))
    auth.login("admin")
    assert client.get(f"/checklists/closed-periods/{gone}/delete").status_code == 405
    response = client.post(f"/checklists/closed-periods/{gone}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert [name for name, *_ in periods()] == ["寒假"]
        assert db.session.get(ClosedPeriod, keep) is not None
    assert "暑假" in client.get("/checklists/closed-periods").get_data(as_text=True)
    assert client.post(f"/checklists/closed-periods/{gone}/delete").status_code == 404


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_only_the_admin_manages_closed_periods(app, client, auth, role):
    period_id = add_period(app)
    assert "/login" in client.get("/checklists/closed-periods").headers["Location"]
    auth.login(role)
    assert client.get("/checklists/closed-periods").status_code == 403
    response = client.post(
        "/checklists/closed-periods",
        data={"name": "假", "start_date": "2026-10-01", "end_date": "2026-10-07"},
    )
    assert response.status_code == 403
    assert client.post(f"/checklists/closed-periods/{period_id}/delete").status_code == 403
    with app.app_context():
        assert len(periods()) == 1


def test_deleting_needs_the_csrf_token(csrf_app, app, client):
    period_id = add_period(app)
    with client:
        token = client.get("/login").get_data(as_text=True)
        token = token.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login", data={"username": "admin", "password": "correct horse", "csrf_token": token}
        )
        assert client.post(f"/checklists/closed-periods/{period_id}/delete").status_code == 400
        with app.app_context():
            assert len(periods()) == 1
        # Signing in made a new token: the one from the sign-in page is spent.
        token = client.get("/checklists/closed-periods").get_data(as_text=True)
        token = token.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(
            f"/checklists/closed-periods/{period_id}/delete", data={"csrf_token": token}
        )
        assert response.status_code == 302
    with app.app_context():
        assert periods() == []


def test_a_closed_period_pauses_a_routine(app, client, auth):
    """One slide, the Monday check; the admin closes the school over two Mondays."""
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        slide = make_asset(code="SLD234")
        checklist = create_checklist(
            admin,
            name="滑梯周检",
            name_en=None,
            kind=slide.kind,
            schedule=Schedule(Frequency.WEEKLY, weekday=0),
        )
        db.session.flush()
        add_item(checklist, admin, 1, type=ItemType.CHECK, text="梯子牢固")
        db.session.commit()
        slide_id = slide.id

    def state_on(day):
        with app.app_context():
            [routine] = routine_states([db.session.get(type(slide), slide_id)], on=day)
            return routine.state, routine.occurrence.due_date, routine.occurrence.next_due

    assert state_on(MONDAY) == (State.DUE, MONDAY, date(2026, 11, 30))

    auth.login("admin")
    response = client.post(
        "/checklists/closed-periods",
        data={"name": "冬季停课", "start_date": "2026-11-21", "end_date": "2026-12-06"},
    )
    assert response.status_code == 302

    # Closed: nothing is due on the holiday Monday, and the next due date skips the holiday.
    assert state_on(MONDAY) == (State.PAUSED, date(2026, 11, 16), date(2026, 12, 7))
    assert state_on(date(2026, 12, 6))[0] == State.PAUSED
    # Back at school: the first Monday after the holiday is the one that counts.
    assert state_on(date(2026, 12, 7)) == (State.DUE, date(2026, 12, 7), date(2026, 12, 14))

    with app.app_context():
        period_id = db.session.scalar(sa.select(ClosedPeriod.id))
    client.post(f"/checklists/closed-periods/{period_id}/delete")
    assert state_on(MONDAY) == (State.DUE, MONDAY, date(2026, 11, 30))
