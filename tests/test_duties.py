"""Duties: the logistics head names who does each routine; lists, the asset page and Today
show who does what; a routine naming nobody is everyone's."""

import html
import re
from datetime import date, time

import pytest
import sqlalchemy as sa

from app import routines
from app.duties import name_people, on_duty_among, routine_ids_of
from app.extensions import db
from app.models import Asset, Checklist, Duty, PlaceKind, User
from tests.factories import (
    make_asset,
    make_checklist,
    make_duty,
    make_inspection,
    make_kind,
    make_place,
    make_user,
    user,
)
from tests.test_rounds import count_queries

MONDAY = date(2026, 11, 23)
FAN_CHECK = ("风扇每周检查", "Weekly fan check")


def page_text(response):
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


@pytest.fixture
def school(app, monkeypatch):
    """Three slides under the Monday slide check, two fans under the Monday fan check, and
    two more people: the gatekeeper and a worker whose account is disabled."""
    monkeypatch.setattr(routines, "today", lambda: MONDAY)
    with app.app_context():
        site = make_place("学校", "School", PlaceKind.SITE, code="SITE01")
        playground = make_place("操场", "Playground", PlaceKind.AREA, site, "PLAY01", position=1)
        room = make_place("101 教室", "Room 101", PlaceKind.ROOM, site, "ROOM01", position=2)
        slide, fan = make_kind(), make_kind("fan", "电风扇", "Electric fan")
        slides = [
            make_asset(f"滑梯 {n}", f"Slide {n}", slide, playground)
            for n in range(1, 4)
        ]
        fans = [make_asset(f"风扇 {n}", f"Fan {n}", fan, room) for n in (1, 2)]
        slide_check = make_checklist(slide)
        fan_check = make_checklist(fan, FAN_CHECK)
        gatekeeper = make_user("gatekeeper", display_name="Li Gatekeeper")
        gone = make_user("gone", display_name="Former Worker", active=False)
        db.session.commit()
        return {
            "slides": [asset.id for asset in slides],
            "slide_code": slides[0].code,
            "fan_code": fans[0].code,
            "fans": [asset.id for asset in fans],
            "slide_check": slide_check.id,
            "fan_check": fan_check.id,
            "gatekeeper": gatekeeper.id,
            "gone": gone.id,
            "inspector": user("inspector").id,
            "repairer": user("repairer").id,
        }


def checklist_form(school, **overrides):
    """What the slide check's edit page sends back with its schedule unchanged."""
    form = {
        "name": "大型玩具每周检查",
        "name_en": "Weekly slide and large toy check",
        "kind_id": "",
        "asset_code": school["slide_code"],
        "frequency": "weekly",
        "weekday": "0",
        "grace_days": "0",
        "active": "y",
    }
    form.update(overrides)
    return form


def edit_form(app, school, **overrides):
    with app.app_context():
        kind_id = db.session.get(Checklist, school["slide_check"]).kind_id
    return checklist_form(school, asset_code="", kind_id=str(kind_id), **overrides)


def edit_url(school):
    return f"/checklists/{school['slide_check']}/edit"


def duties_of(checklist_id):
    db.session.expire_all()
    return {
        duty.user.username: duty.stand_in
        for duty in db.session.get(Checklist, checklist_id).duties
    }


def reminder_of(checklist_id):
    db.session.expire_all()
    return db.session.get(Checklist, checklist_id).reminder_time


def checked_boxes(response, name):
    """The user ids ticked in one of the form's lists of people."""
    return {
        int(value)
        for tag in re.findall(r"<input[^>]*>", response.get_data(as_text=True))
        if f'name="{name}"' in tag and "checked" in tag
        for value in re.findall(r'value="(\d+)"', tag)
    }


# Naming people


def test_admin_names_people_stand_ins_and_a_reminder_time(app, client, auth, school):
    auth.login("admin")
    response = client.post(
        edit_url(school),
        data=edit_form(
            app,
            school,
            people=[str(school["gatekeeper"])],
            stand_ins=[str(school["inspector"])],
            reminder_time="17:30",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        assert duties_of(school["slide_check"]) == {"gatekeeper": False, "inspector": True}
        assert reminder_of(school["slide_check"]) == time(17, 30)

    page = client.get(edit_url(school))
    assert checked_boxes(page, "people") == {school["gatekeeper"]}
    assert checked_boxes(page, "stand_ins") == {school["inspector"]}
    assert 'value="17:30"' in page.get_data(as_text=True)

    # The stand-in becomes one of its people, the gatekeeper is taken off.
    response = client.post(
        edit_url(school),
        data=edit_form(app, school, people=[str(school["inspector"])], reminder_time="07:05"),
    )
    assert response.status_code == 302
    with app.app_context():
        assert duties_of(school["slide_check"]) == {"inspector": False}
        assert reminder_of(school["slide_check"]) == time(7, 5)


def test_nobody_ticked_makes_the_routine_everyones_again(app, client, auth, school):
    with app.app_context():
        make_duty(db.session.get(Checklist, school["slide_check"]), user("gatekeeper"))
        db.session.get(Checklist, school["slide_check"]).reminder_time = time(10, 0)
        db.session.commit()
    auth.login("admin")
    page = page_text(client.get(edit_url(school)))
    assert "With nobody named the routine is everyone’s" in page
    response = client.post(edit_url(school), data=edit_form(app, school, reminder_time=""))
    assert response.status_code == 302
    with app.app_context():
        assert duties_of(school["slide_check"]) == {}
        assert reminder_of(school["slide_check"]) is None


def test_a_new_routine_names_its_people(app, client, auth, school):
    auth.login("admin")
    response = client.post(
        "/checklists/new",
        data=checklist_form(
            school,
            name="滑梯 1 号专项检查",
            people=[str(school["gatekeeper"]), str(school["inspector"])],
            reminder_time="10:00",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(sa.select(Checklist).where(Checklist.name == "滑梯 1 号专项检查"))
        assert duties_of(made.id) == {"gatekeeper": False, "inspector": False}
        assert made.reminder_time == time(10, 0)


def test_a_person_cannot_be_both_one_of_its_people_and_a_stand_in(app, client, auth, school):
    auth.login("admin")
    both = str(school["gatekeeper"])
    response = client.post(
        edit_url(school),
        data=edit_form(
            app, school, people=[both], stand_ins=[both], reminder_time="17:30", name="改过的名字"
        ),
    )
    assert response.status_code == 400
    page = page_text(response)
    assert "Li Gatekeeper cannot be one of its people and a stand-in: untick one." in page
    # What was typed and ticked stays in the form; nothing is stored.
    assert checked_boxes(response, "people") == checked_boxes(response, "stand_ins") == {
        school["gatekeeper"]
    }
    assert 'value="17:30"' in page and 'value="改过的名字"' in page
    with app.app_context():
        assert duties_of(school["slide_check"]) == {}
        assert db.session.get(Checklist, school["slide_check"]).name == "大型玩具每周检查"


def test_stand_ins_need_people_to_stand_in_for(app, client, auth, school):
    auth.login("admin")
    response = client.post(
        edit_url(school), data=edit_form(app, school, stand_ins=[str(school["gatekeeper"])])
    )
    assert response.status_code == 400
    assert "Choose who does it first" in page_text(response)
    with app.app_context():
        assert duties_of(school["slide_check"]) == {}


@pytest.mark.parametrize(
    "typed", ["25:00", "17:60", "17h30", "half past five", "-1:00", "17:30:00:00", "9" * 10_000,
              "<script>alert(1)</script>"],
)
def test_a_wrong_reminder_time_is_refused_and_kept(app, client, auth, school, typed):
    auth.login("admin")
    response = client.post(edit_url(school), data=edit_form(app, school, reminder_time=typed))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Type a time like 17:30." in body
    assert "<script>alert(1)" not in body
    if len(typed) < 100:
        assert f'value="{html.escape(typed, quote=True)}"' in body.replace("&#34;", "&quot;")
    with app.app_context():
        assert reminder_of(school["slide_check"]) is None


@pytest.mark.parametrize(
    "sent", ["abc", "", "-1", "0", "99999999999999999999999", "1.5", "<b>1</b>", "gone"],
)
def test_people_not_offered_are_refused(app, client, auth, school, sent):
    sent = str(school["gone"]) if sent == "gone" else sent
    auth.login("admin")
    for field in ("people", "stand_ins"):
        others = {"people": [str(school["inspector"])]} if field == "stand_ins" else {}
        response = client.post(
            edit_url(school), data=edit_form(app, school, **{field: [sent]}, **others)
        )
        assert response.status_code == 400, (field, sent)
        assert "Choose only people from the list." in page_text(response)
    with app.app_context():
        assert duties_of(school["slide_check"]) == {}


def test_the_messages_speak_chinese(app, client, auth, school):
    auth.login("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    both = str(school["gatekeeper"])
    page = page_text(
        client.post(
            edit_url(school),
            data=edit_form(app, school, people=[both], stand_ins=[both], reminder_time="25:00"),
        )
    )
    assert "不能既是负责人又是替班人" in page
    assert "请输入时间，例如 17:30。" in page
    assert "负责人" in page and "替班人（可选）" in page


def test_a_disabled_user_is_offered_only_while_named_and_marked(app, client, auth, school):
    auth.login("admin")
    assert "Former Worker" not in page_text(client.get(edit_url(school)))
    with app.app_context():
        gone = db.session.get(User, school["gone"])
        make_duty(db.session.get(Checklist, school["slide_check"]), gone)
        db.session.commit()
    page = client.get(edit_url(school))
    assert "Former Worker (disabled)" in page_text(page)
    assert checked_boxes(page, "people") == {school["gone"]}
    # Saved unchanged, they stay named; unticked, they go and are not offered again.
    assert client.post(
        edit_url(school), data=edit_form(app, school, people=[str(school["gone"])])
    ).status_code == 302
    with app.app_context():
        assert duties_of(school["slide_check"]) == {"gone": False}
    assert client.post(edit_url(school), data=edit_form(app, school)).status_code == 302
    assert "Former Worker" not in page_text(client.get(edit_url(school)))


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_only_the_admin_changes_who_does_a_routine(app, client, auth, school, role):
    with app.app_context():
        make_duty(db.session.get(Checklist, school["slide_check"]), user("gatekeeper"))
        db.session.commit()
    auth.login(role)
    data = edit_form(app, school, people=[str(school[role])], reminder_time="08:00")
    assert client.get(edit_url(school)).status_code == 403
    assert client.post(edit_url(school), data=data).status_code == 403
    assert client.post("/checklists/new", data=data).status_code == 403
    auth.logout()
    response = client.post(edit_url(school), data=data)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        assert duties_of(school["slide_check"]) == {"gatekeeper": False}
        assert reminder_of(school["slide_check"]) is None


def test_name_people_keeps_the_rows_of_people_still_named(app, school):
    with app.app_context():
        checklist = db.session.get(Checklist, school["slide_check"])
        kept = make_duty(checklist, user("gatekeeper"))
        name_people(checklist, [user("gatekeeper"), user("inspector")], [user("admin")])
        db.session.commit()
        assert kept in checklist.duties
        assert duties_of(checklist.id) == {"gatekeeper": False, "inspector": False, "admin": True}


# Who does what, shown


def test_the_lists_show_who_does_each_routine(app, client, auth, school):
    with app.app_context():
        slide_check = db.session.get(Checklist, school["slide_check"])
        make_duty(slide_check, user("gatekeeper"))
        make_duty(slide_check, user("inspector"), stand_in=True)
        slide_check.reminder_time = time(17, 30)
        db.session.commit()
    auth.login("admin")
    index = page_text(client.get("/checklists/"))
    assert "Who does it: Li Gatekeeper · Stand-ins: Inspector" in index
    assert "Who does it: Everyone (nobody named)" in index

    page = page_text(client.get(f"/checklists/{school['slide_check']}/items"))
    assert "Li Gatekeeper · Stand-ins: Inspector" in page
    assert "At 17:30 if not done" in page
    fan_page = page_text(client.get(f"/checklists/{school['fan_check']}/items"))
    assert "Everyone (nobody named)" in fan_page


def test_a_routine_whose_people_are_all_disabled_says_so(app, client, auth, school):
    with app.app_context():
        gone = db.session.get(User, school["gone"])
        make_duty(db.session.get(Checklist, school["slide_check"]), gone)
        db.session.commit()
    auth.login("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = page_text(client.get(f"/checklists/{school['slide_check']}/items"))
    assert "Former Worker（已停用）" in page
    assert "负责人均已停用：所有人均可负责" in page


def test_the_checklists_list_runs_the_same_queries_however_many_routines_name_people(
    app, client, auth, school
):
    auth.login("admin")
    before = count_queries(app, lambda: client.get("/checklists/"))
    with app.app_context():
        kind = make_kind("swing", "秋千", "Swing")
        for n in range(6):
            checklist = make_checklist(kind, (f"秋千检查 {n}", f"Swing check {n}"))
            make_duty(checklist, user("gatekeeper"))
            make_duty(checklist, user("inspector"), stand_in=True)
        db.session.commit()
    assert count_queries(app, lambda: client.get("/checklists/")) == before


def test_the_asset_page_shows_who_does_each_of_its_routines(app, client, auth, school):
    with app.app_context():
        make_duty(db.session.get(Checklist, school["slide_check"]), user("gatekeeper"))
        db.session.commit()
    for role in ("admin", "inspector", "repairer"):
        auth.login(role)
        page = page_text(client.get(f"/q/{school['slide_code']}"))
        assert "Who does it: Li Gatekeeper" in page, role
        fan_page = page_text(client.get(f"/q/{school['fan_code']}"))
        assert "Who does it: Everyone (nobody named)" in fan_page, role
        auth.logout()


# Today: mine first


def mine_header(response):
    found = re.search(r'<h2 id="round-mine">([^<]*)</h2>', response.get_data(as_text=True))
    return found and found.group(1).strip()


def test_today_puts_my_checks_first_with_how_many_are_done(app, client, auth, school):
    with app.app_context():
        slide_check = db.session.get(Checklist, school["slide_check"])
        make_duty(slide_check, user("gatekeeper"))
        make_inspection(db.session.get(Asset, school["slides"][0]), slide_check, MONDAY)
        db.session.commit()
    auth.login("gatekeeper")
    response = client.get("/today")
    assert mine_header(response) == "Mine: 1 of 3 done"
    page = page_text(response)
    # Mine, with the slides left, before the rest of the round with the fans.
    assert page.index("Mine: 1 of 3 done") < page.index("Slide 2") < page.index("Fan 1")
    assert "Others’: 2 checks due" in page
    # Anyone may still do any check: the fans are as open to the gatekeeper as the slides.
    fan_form = f"/assets/{school['fans'][0]}/checklists/{school['fan_check']}/inspect"
    assert fan_form in response.get_data(as_text=True)

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert mine_header(client.get("/today")) == "我负责的：共 3 项，已完成 1 项"


def test_my_finished_routines_stay_under_mine(app, client, auth, school):
    with app.app_context():
        slide_check = db.session.get(Checklist, school["slide_check"])
        make_duty(slide_check, user("gatekeeper"))
        fan_check = db.session.get(Checklist, school["fan_check"])
        make_duty(fan_check, user("gatekeeper"))
        for slide in school["slides"]:
            make_inspection(db.session.get(Asset, slide), slide_check, MONDAY)
        db.session.commit()
    auth.login("gatekeeper")
    response = client.get("/today")
    assert mine_header(response) == "Mine: 3 of 5 done"
    page = page_text(response)
    # What is left of mine (the fans) comes before what is finished (the slides).
    assert page.index("Fan 1") < page.index("Playground · Weekly slide and large toy check")
    assert "Others’" not in page


def test_someone_with_no_duties_sees_today_as_before(app, client, auth, school):
    auth.login("inspector")
    before = client.get("/today").get_data(as_text=True)
    assert 'id="round-mine"' not in before
    with app.app_context():
        make_duty(db.session.get(Checklist, school["slide_check"]), user("gatekeeper"))
        db.session.commit()
    after = client.get("/today").get_data(as_text=True)
    strip_tokens = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip_tokens.sub("", after) == strip_tokens.sub("", before)
    assert "Others’" not in after and "5 checks due" in page_text(client.get("/today"))


def test_a_disabled_persons_routine_falls_to_the_stand_in(app, client, auth, school):
    with app.app_context():
        slide_check = db.session.get(Checklist, school["slide_check"])
        make_duty(slide_check, db.session.get(User, school["gone"]))
        make_duty(slide_check, user("gatekeeper"), stand_in=True)
        fan_check = db.session.get(Checklist, school["fan_check"])
        make_duty(fan_check, db.session.get(User, school["gone"]))
        db.session.commit()
        assert routine_ids_of(user("gatekeeper")) == {school["slide_check"]}
        # The fan check's only person is disabled: it is nobody's own, so everyone's.
        assert on_duty_among(fan_check.duties) == []
    auth.login("gatekeeper")
    assert mine_header(client.get("/today")) == "Mine: 0 of 3 done"
    auth.logout()
    auth.login("inspector")
    assert mine_header(client.get("/today")) is None


def test_a_stand_in_is_not_reminded_while_a_person_is_active(app, school):
    with app.app_context():
        slide_check = db.session.get(Checklist, school["slide_check"])
        make_duty(slide_check, user("inspector"))
        make_duty(slide_check, user("gatekeeper"), stand_in=True)
        db.session.commit()
        assert routine_ids_of(user("gatekeeper")) == set()
        assert routine_ids_of(user("inspector")) == {school["slide_check"]}


def test_today_runs_the_same_queries_however_many_routines_are_mine(app, client, auth, school):
    with app.app_context():
        make_duty(db.session.get(Checklist, school["slide_check"]), user("gatekeeper"))
        db.session.commit()
    auth.login("gatekeeper")
    before = count_queries(app, lambda: client.get("/today"))
    with app.app_context():
        kind = db.session.get(Checklist, school["slide_check"]).kind
        for n in range(5):
            checklist = make_checklist(kind, (f"滑梯检查 {n}", f"Slide check {n}"))
            make_duty(checklist, user("gatekeeper"))
            make_duty(checklist, user("inspector"), stand_in=True)
        db.session.commit()
    assert count_queries(app, lambda: client.get("/today")) == before
    assert mine_header(client.get("/today")) == "Mine: 0 of 18 done"


def test_the_builder_names_a_stand_in(app, school):
    with app.app_context():
        duty = make_duty(
            db.session.get(Checklist, school["fan_check"]), user("repairer"), stand_in=True
        )
        assert db.session.scalar(sa.select(Duty).where(Duty.user_id == school["repairer"])) is duty
        assert duty.stand_in


def test_after_a_check_the_next_one_is_my_own_while_any_is_left(app, client, auth, school):
    """In walking order the playground's slides come first, then the room's fans, then the
    corridor's lights; the gatekeeper does the slides and the lights, so after the last slide
    comes the lights, not the fans."""
    with app.app_context():
        site = db.session.get(Asset, school["fans"][0]).place.parent
        corridor = make_place("走廊", "Corridor", PlaceKind.AREA, site, position=3)
        lights = make_checklist(make_kind("lighting", "照明", "Lighting"), ("照明周检", "Lights"))
        lamp = make_asset("灯", "Lamp", lights.kind, corridor)
        slide_check = db.session.get(Checklist, school["slide_check"])
        for checklist in (slide_check, lights):
            make_duty(checklist, user("gatekeeper"))
        signed = [
            make_inspection(db.session.get(Asset, slide), slide_check, MONDAY)
            for slide in school["slides"]
        ]
        db.session.commit()
        last_slide, lamp_id, lights_id = signed[-1].id, lamp.id, lights.id
    next_check = f'href="/assets/{lamp_id}/checklists/{lights_id}/inspect"'
    auth.login("gatekeeper")
    assert next_check in client.get(f"/today/next?after={last_slide}").get_data(as_text=True)
    auth.logout()
    # Someone without duties walks on to the fans, next in walking order.
    auth.login("inspector")
    page = client.get(f"/today/next?after={last_slide}").get_data(as_text=True)
    assert next_check not in page
    assert f'/assets/{school["fans"][0]}/checklists/{school["fan_check"]}/inspect' in page
