"""Today's round: due and overdue checks by place in walking order, and the next on the round."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import routines
from app.core.place_tree import PlaceTree, natural_key
from app.extensions import db
from app.models import (
    AssetStatus,
    Checklist,
    ClosedPeriod,
    Frequency,
    Inspection,
    PlaceKind,
    Urgency,
)
from app.rounds.today import (
    build_today,
    closed_until,
    filter_choices,
    next_on_round,
)
from app.routines import due_checks_for_asset
from app.schedule import State
from tests.factories import (
    make_asset,
    make_checklist,
    make_closed_period,
    make_inspection,
    make_kind,
    make_place,
    make_staff_report,
)
from tests.queries import count_queries

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
NEXT_MONDAY = MONDAY + timedelta(days=7)

FAN_CHECK = ("风扇每周检查", "Weekly fan check")


def on(monkeypatch, day):
    monkeypatch.setattr(routines, "today", lambda: day)


def page_text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def school(app):
    """A site with a building (rooms 102 walked before 101) and then the playground.

    The playground has seven slides under the Monday check; each room has a fan.
    """
    with app.app_context():
        site = make_place("学校", "School", PlaceKind.SITE, code="SITE01")
        building = make_place(
            "教学楼", "Teaching building", PlaceKind.BUILDING, site, "BLDG01", position=1
        )
        playground = make_place("操场", "Playground", PlaceKind.AREA, site, "PLAY01", position=2)
        room = PlaceKind.ROOM
        room_101 = make_place("101 教室", "Room 101", room, building, "ROOM01", position=2)
        room_102 = make_place("102 教室", "Room 102", room, building, "ROOM02", position=1)
        slide = make_kind()
        fan = make_kind("fan", "电风扇", "Electric fan")
        slides = [
            make_asset(f"滑梯 {n}", f"Slide {n}", slide, playground, f"SLD00{n}")
            for n in range(1, 8)
        ]
        make_asset("旧滑梯", "Old slide", slide, playground, "SLDOLD", AssetStatus.RETIRED)
        fans = [
            make_asset("风扇", "Fan 101", fan, room_101, "FAN101"),
            make_asset("风扇", "Fan 102", fan, room_102, "FAN102"),
        ]
        slide_check = make_checklist(slide)
        fan_check = make_checklist(fan, FAN_CHECK)
        db.session.commit()
        return {
            "site": site.id,
            "building": building.id,
            "playground": playground.id,
            "rooms": (room_101.id, room_102.id),
            "slides": [a.id for a in slides],
            "fans": [a.id for a in fans],
            "slide_check": slide_check.id,
            "fan_check": fan_check.id,
        }


def load(model, ident):
    return db.session.get(model, ident)


def sign_slides(school, numbers, day, **kwargs):
    from app.models import Asset

    checklist = load(Checklist, school["slide_check"])
    found = [
        make_inspection(load(Asset, school["slides"][n - 1]), checklist, day, **kwargs)
        for n in numbers
    ]
    db.session.commit()
    return found


def headings(plan):
    return [(g.place.name_en, g.checklist.name_en) for g in plan.groups]


# --- the plan -------------------------------------------------------------------------------


def test_groups_follow_the_walking_order_of_the_place_tree(app, school):
    with app.test_request_context():
        plan = build_today(MONDAY)
        assert headings(plan) == [
            ("Room 102", "Weekly fan check"),
            ("Room 101", "Weekly fan check"),
            ("Playground", "Weekly slide and large toy check"),
        ]
        assert [p.name_en for p in plan.groups[0].place_path] == ["School", "Teaching building"]


def test_progress_counts_the_assets_done_for_this_occurrence(app, school):
    with app.test_request_context():
        sign_slides(school, [2, 4, 5], MONDAY)
        group = build_today(MONDAY).groups[-1]
        assert (len(group.done), group.total) == (3, 7)
        assert [e.asset.name_en for e in group.todo] == [
            "Slide 1",
            "Slide 3",
            "Slide 6",
            "Slide 7",
        ]
        assert all(e.state == State.DUE for e in group.todo)


def test_retired_assets_are_not_on_the_round(app, school):
    with app.test_request_context():
        group = build_today(MONDAY).groups[-1]
        assert "Old slide" not in [e.asset.name_en for e in group.entries]


def test_a_check_done_last_week_does_not_count_this_week(app, school):
    with app.test_request_context():
        sign_slides(school, [1, 2], MONDAY - timedelta(days=7))
        group = build_today(MONDAY).groups[-1]
        assert len(group.done) == 0


def test_an_asset_numbered_10_comes_after_slide_9():
    names = ["Slide 10", "Slide 9", "Slide 1"]
    assert sorted(names, key=natural_key) == ["Slide 1", "Slide 9", "Slide 10"]


def test_a_finished_group_stays_on_its_day_and_is_gone_the_next(app, school):
    with app.test_request_context():
        sign_slides(school, range(1, 8), MONDAY)
        group = build_today(MONDAY).groups[-1]
        assert group.place.name_en == "Playground"
        assert group.finished and len(group.done) == 7
        assert "Playground" not in [place for place, _ in headings(build_today(TUESDAY))]


def test_missed_checks_are_overdue_the_next_day(app, school):
    with app.test_request_context():
        sign_slides(school, [1], MONDAY)
        plan = build_today(WEDNESDAY)
        group = plan.groups[-1]
        assert group.overdue
        assert group.occurrence.due_date == MONDAY
        assert (len(group.done), len(group.todo)) == (1, 6)
        assert plan.overdue_count == 6 + 2  # six slides and both fans


def test_overdue_routines_come_first_within_a_place(app, school):
    with app.test_request_context():
        from app.models import AssetKind

        # A daily sweep, alphabetically first, is due today; the Monday slide check is overdue.
        make_checklist(
            load(AssetKind, load(Checklist, school["slide_check"]).kind_id),
            ("安全巡查", "A daily look round"),
            Frequency.DAILY,
        )
        db.session.commit()
        playground = [g for g in build_today(WEDNESDAY).groups if g.place.name_en == "Playground"]
        assert [g.checklist.name_en for g in playground] == [
            "Weekly slide and large toy check",
            "A daily look round",
        ]
        assert [g.overdue for g in playground] == [True, False]


def daily_looks(school, fans_done_on):
    """A daily look at the slides and one at the fans, the fans' done on the given day."""
    from app.models import Asset

    for routine, names in (("slide_check", ("滑梯日查", "Daily slide look")),
                           ("fan_check", ("风扇日查", "Daily fan look"))):
        kind = load(Checklist, school[routine]).kind
        daily = make_checklist(kind, names, Frequency.DAILY)
    for fan in school["fans"]:
        make_inspection(load(Asset, fan), daily, fans_done_on)
    db.session.commit()


def test_the_round_lists_overdue_then_due_then_finished_each_in_walking_order(app, school):
    with app.test_request_context():
        daily_looks(school, fans_done_on=WEDNESDAY)
        plan = build_today(WEDNESDAY)

        def names(groups):
            return [(g.place.name_en, g.checklist.name_en) for g in groups]

        assert names(plan.overdue) == [
            ("Room 102", "Weekly fan check"),
            ("Room 101", "Weekly fan check"),
            ("Playground", "Weekly slide and large toy check"),
        ]
        assert names(plan.due) == [("Playground", "Daily slide look")]
        assert names(plan.finished) == [
            ("Room 102", "Daily fan look"),
            ("Room 101", "Daily fan look"),
        ]


def test_a_place_filter_narrows_the_round_to_a_building(app, school):
    with app.test_request_context():
        tree = PlaceTree.load()
        plan = build_today(MONDAY, tree, school["building"])
        assert [p for p, _ in headings(plan)] == ["Room 102", "Room 101"]
        assert [p.name_en for p in filter_choices(tree)] == [
            "School",
            "Teaching building",
            "Playground",
        ]


def test_a_closed_day_pauses_everything(app, school):
    with app.test_request_context():
        make_closed_period("秋假", TUESDAY, TUESDAY)
        make_closed_period("校庆", WEDNESDAY, MONDAY + timedelta(days=4))
        db.session.commit()
        # Within its grace days, a routine due before the break still waits for the school.
        load(Checklist, school["fan_check"]).grace_days = 6
        db.session.commit()
        plan = build_today(WEDNESDAY)
        assert plan.groups == []
        assert plan.paused_until == MONDAY + timedelta(days=4)
        assert plan.next_due == NEXT_MONDAY


def test_closed_periods_that_meet_join_into_one_stretch():
    def period(start, end):
        return ClosedPeriod(name="假", start_date=start, end_date=end)

    periods = [
        period(date(2027, 1, 20), date(2027, 1, 31)),
        period(date(2027, 2, 1), date(2027, 2, 20)),
        period(date(2027, 2, 22), date(2027, 2, 28)),
        period(date(2026, 10, 1), date(2026, 10, 7)),
    ]
    assert closed_until(periods, date(2027, 1, 25)) == date(2027, 2, 20)
    assert closed_until(periods, date(2026, 10, 7)) == date(2026, 10, 7)
    assert closed_until(periods, date(2026, 10, 8)) is None
    assert closed_until([], MONDAY) is None


def test_a_day_with_nothing_due_knows_the_next_due_date(app, school):
    with app.test_request_context():
        from app.models import Asset

        sign_slides(school, range(1, 8), MONDAY)
        fan_check = load(Checklist, school["fan_check"])
        for fan_id in school["fans"]:
            make_inspection(load(Asset, fan_id), fan_check, MONDAY)
        db.session.commit()
        plan = build_today(TUESDAY)
        assert plan.groups == [] and plan.paused_until is None
        assert plan.next_due == NEXT_MONDAY


# --- next on the round ----------------------------------------------------------------------


def next_name(app, school, slide_number, day=MONDAY):
    plan = build_today(day)
    upcoming = next_on_round(
        plan, school["slides"][slide_number - 1], school["playground"], school["slide_check"]
    )
    return upcoming and (upcoming.asset.name_en or upcoming.asset.name)


def test_next_is_the_following_slide_not_yet_done(app, school):
    with app.test_request_context():
        sign_slides(school, [2, 3], MONDAY)
        assert next_name(app, school, 2) == "Slide 4"


def test_next_wraps_round_to_a_slide_skipped_earlier(app, school):
    with app.test_request_context():
        sign_slides(school, [2, 3, 4, 5, 6, 7], MONDAY)
        assert next_name(app, school, 7) == "Slide 1"


def test_after_the_last_slide_the_round_moves_to_the_next_group(app, school):
    with app.test_request_context():
        sign_slides(school, range(1, 8), MONDAY)
        # The playground is walked last: the round goes on from the top, room 102's fan.
        assert next_name(app, school, 7) == "Fan 102"


def test_when_everything_is_done_the_round_is_finished(app, school):
    with app.test_request_context():
        from app.models import Asset

        sign_slides(school, range(1, 8), MONDAY)
        for fan_id in school["fans"]:
            make_inspection(load(Asset, fan_id), load(Checklist, school["fan_check"]), MONDAY)
        db.session.commit()
        assert next_name(app, school, 7) is None


def test_groups_later_in_the_walk_come_before_wrapping_to_earlier_ones(app, school):
    with app.test_request_context():
        from app.models import Asset

        fan_102 = load(Asset, school["fans"][1])
        make_inspection(fan_102, load(Checklist, school["fan_check"]), MONDAY)
        db.session.commit()
        plan = build_today(MONDAY)
        upcoming = next_on_round(plan, fan_102.id, fan_102.place_id, school["fan_check"])
        assert upcoming.asset.name_en == "Fan 101"


# --- the scan page's helper -----------------------------------------------------------------


def test_due_checks_for_an_asset_put_the_overdue_first(app, school):
    with app.test_request_context():
        from app.models import Asset

        slide = load(Asset, school["slides"][0])
        make_checklist(slide.kind, ("安全巡查", "A daily look round"), Frequency.DAILY)
        make_checklist(
            slide.kind, ("年检", "Annual inspection"), Frequency.YEARLY, month=3, day_of_month=1
        )
        db.session.commit()
        make_inspection(slide, load(Checklist, school["slide_check"]), date(2026, 3, 1))
        annual = db.session.scalar(sa.select(Checklist).where(Checklist.name == "年检"))
        make_inspection(slide, annual, date(2026, 3, 2))
        db.session.commit()
        states = due_checks_for_asset(slide, WEDNESDAY)
        assert [(s.checklist.name_en, s.state) for s in states] == [
            ("Weekly slide and large toy check", State.OVERDUE),
            ("A daily look round", State.DUE),
            ("Annual inspection", State.DONE),
        ]


# --- the pages ------------------------------------------------------------------------------


def test_today_page_shows_groups_progress_and_form_links(app, client, auth, school, monkeypatch):
    on(monkeypatch, MONDAY)
    with app.app_context():
        sign_slides(school, [2, 4, 5], MONDAY)
    auth.login("inspector")
    response = client.get("/today")
    assert response.status_code == 200
    text = page_text(response)
    assert "3 of 7 done" in text
    assert "Weekly slide and large toy check" in text
    assert "School › Teaching building ›" in text
    assert text.index("Room 102</h3>") < text.index("Room 101</h3>") < text.index("Playground</h3>")
    slide_1, slide_2 = school["slides"][:2]
    html = response.get_data(as_text=True)
    assert f'href="/assets/{slide_1}/checklists/{school["slide_check"]}/inspect"' in html
    assert f'href="/assets/{slide_2}/checklists/' not in html  # done: listed, not as a form
    assert f'href="/assets/{slide_2}/history"' in html
    assert "SLD001" in text
    assert "3 done" in text
    assert "Old slide" not in text
    assert "Overdue since" not in text


def test_today_page_in_chinese(app, client, auth, school, monkeypatch):
    on(monkeypatch, MONDAY)
    auth.login("inspector")
    client.set_cookie("lang", "zh")
    text = page_text(client.get("/today"))
    assert "操场" in text
    assert "大型玩具每周检查" in text
    assert "学校 › 教学楼" in text


def test_today_page_marks_overdue_checks_in_red_with_their_date(
    app, client, auth, school, monkeypatch
):
    on(monkeypatch, WEDNESDAY)
    auth.login("inspector")
    response = client.get("/today")
    text = page_text(response)
    assert "Overdue since Mon 23 Nov" in text
    assert 'class="round-group overdue' in text
    assert 'class="badge overdue"' in text


def test_today_page_on_a_closed_day(app, client, auth, school, monkeypatch):
    on(monkeypatch, MONDAY)
    with app.app_context():
        make_closed_period("秋假", MONDAY, WEDNESDAY)
        db.session.commit()
    auth.login("inspector")
    text = page_text(client.get("/today"))
    assert "School closed: routines paused until Wed 25 Nov" in text
    assert "Next check due on Mon 30 Nov" in text
    assert "Playground</h3>" not in text


def test_today_page_says_when_nothing_is_due(app, client, auth, monkeypatch):
    on(monkeypatch, MONDAY)
    with app.app_context():
        thursday_check = make_checklist(make_kind(), frequency=Frequency.WEEKLY, weekday=3)
        make_inspection(make_asset(), thursday_check, date(2026, 11, 19))
        db.session.commit()
    auth.login("inspector")
    text = page_text(client.get("/today"))
    assert "Nothing due today" in text
    assert "Next check due on Thu 26 Nov" in text


def test_today_page_filters_by_place(app, client, auth, school, monkeypatch):
    on(monkeypatch, MONDAY)
    auth.login("inspector")
    text = page_text(client.get("/today", query_string={"place": school["playground"]}))
    assert "Playground</h3>" in text and "Room 101</h3>" not in text
    assert f'<option value="{school["playground"]}" selected>' in text
    for hostile in ("abc", "99999", "-1", "1e99", "<script>", "9" * 40):
        response = client.get("/today", query_string={"place": hostile})
        assert response.status_code == 200
        assert "Room 101</h3>" in page_text(response)


def test_today_page_puts_overdue_checks_first_and_folds_finished_routines(
    app, client, auth, school, monkeypatch
):
    on(monkeypatch, WEDNESDAY)
    with app.app_context():
        daily_looks(school, fans_done_on=WEDNESDAY)
    auth.login("inspector")
    html = page_text(client.get("/today"))
    overdue = html.index('<section class="round-part overdue"')
    due = html.index('<section class="round-part due"')
    finished = html.index('<details class="round-part finished">')
    assert overdue < html.index("Weekly slide and large toy check") < due
    assert due < html.index("Daily slide look") < finished
    assert "9 checks overdue" in html and "7 checks due" in html
    # Each finished routine is one line, its checks behind it, all of them behind one more.
    folded = html[finished:]
    assert "2 routines done" in folded
    assert folded.count('<details class="round-group finished">') == 2
    assert folded.index("Room 102 · Daily fan look") < folded.index("Room 101 · Daily fan look")
    assert "1 of 1 done" in folded
    assert "Slide" not in folded


def test_today_page_in_chinese_writes_short_days_its_own_way(
    app, client, auth, school, monkeypatch
):
    on(monkeypatch, WEDNESDAY)
    auth.login("inspector")
    client.set_cookie("lang", "zh")
    text = page_text(client.get("/today"))
    assert "11月25日 周三" in text  # the h1's day
    assert "11月23日 周一" in text  # overdue since


def test_repairers_see_the_round_with_rows_leading_to_the_asset_page(
    app, client, auth, school, monkeypatch
):
    on(monkeypatch, MONDAY)
    auth.login("repairer")
    html = client.get("/today").get_data(as_text=True)
    assert 'href="/q/SLD001"' in html
    assert "/inspect" not in html


def test_nav_leads_to_today_first(client, auth):
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    nav = html[html.index("<nav>") :]
    assert nav.index('href="/today"') < nav.index('href="/"')


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_home_sends_the_round_walkers_to_today(client, auth, role):
    auth.login(role)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/today"


def test_home_stays_for_the_logistics_head(client, auth):
    auth.login("admin")
    assert client.get("/").status_code == 200


def test_next_page_confirms_and_offers_the_next_slide(app, client, auth, school, monkeypatch):
    on(monkeypatch, MONDAY)
    with app.app_context():
        (first,) = sign_slides(school, [1], MONDAY)
        inspection_id = first.id
    auth.login("inspector")
    response = client.get("/today/next", query_string={"after": inspection_id})
    assert response.status_code == 200
    text = page_text(response)
    assert "Slide 1" in text and "Weekly slide and large toy check" in text
    assert "All OK" in text
    assert "Next on the round" in text
    slide_2 = school["slides"][1]
    assert f'href="/assets/{slide_2}/checklists/{school["slide_check"]}/inspect"' in text
    assert "1 of 7 done" in text
    assert f'href="/inspections/{inspection_id}"' in text


def test_next_page_counts_the_faults_raised(app, client, auth, school, monkeypatch):
    on(monkeypatch, MONDAY)
    with app.app_context():
        (failed,) = sign_slides(school, [3], MONDAY, passed=False)
        for description in ("梯子松动", "滑道开裂"):
            make_staff_report(failed.asset, description, Urgency.UNSAFE, inspection=failed)
        db.session.commit()
        inspection_id = failed.id
    auth.login("inspector")
    text = page_text(client.get("/today/next", query_string={"after": inspection_id}))
    assert "2 faults raised" in text
    assert "All OK" not in text


def test_next_page_at_the_end_of_the_round(app, client, auth, school, monkeypatch):
    on(monkeypatch, MONDAY)
    with app.app_context():
        from app.models import Asset

        last = sign_slides(school, range(1, 8), MONDAY)[-1]
        for fan_id in school["fans"]:
            make_inspection(load(Asset, fan_id), load(Checklist, school["fan_check"]), MONDAY)
        db.session.commit()
        inspection_id = last.id
    auth.login("inspector")
    text = page_text(client.get("/today/next", query_string={"after": inspection_id}))
    assert "Round finished" in text
    assert 'href="/today"' in text
    assert '/inspect"' not in text


@pytest.mark.parametrize("after", [None, "", "abc", "99999", "-3", "0", "9" * 30, "1.5"])
def test_next_page_without_a_known_inspection_goes_to_today(client, auth, after):
    auth.login("inspector")
    query = {} if after is None else {"after": after}
    response = client.get("/today/next", query_string=query)
    assert response.status_code == 302
    assert response.headers["Location"] == "/today"


@pytest.mark.parametrize("url", ["/today", "/today/next?after=1", "/assets/1/history"])
def test_signed_out_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_every_staff_role_may_see_today(client, auth, school, role):
    auth.login(role)
    assert client.get("/today").status_code == 200


# --- the query budget -----------------------------------------------------------------------


def test_today_runs_the_same_queries_for_a_small_and_a_big_school(
    app, client, auth, school, monkeypatch
):
    on(monkeypatch, MONDAY)
    auth.login("inspector")
    small = count_queries(app, lambda: client.get("/today"))
    with app.app_context():
        from app.models import Asset, Place

        playground = load(Place, school["playground"])
        slide_check = load(Checklist, school["slide_check"])
        kind = slide_check.kind
        for n in range(8, 60):
            asset = make_asset(f"滑梯 {n}", f"Slide {n}", kind, playground, f"SL{n:04d}")
            for weeks in range(1, 6):
                make_inspection(asset, slide_check, MONDAY - timedelta(days=7 * weeks))
        room = make_place("103 教室", "Room 103", PlaceKind.ROOM, load(Place, school["building"]))
        make_asset("风扇", "Fan 103", load(Asset, school["fans"][0]).kind, room, "FAN103")
        db.session.commit()
    big = count_queries(app, lambda: client.get("/today"))
    assert big == small
    with app.app_context():
        inspection_id = db.session.scalar(sa.select(sa.func.max(Inspection.id)))
    after = count_queries(app, lambda: client.get(f"/today/next?after={inspection_id}"))
    assert after <= small + 3
