"""The admin's checklist pages: routines, schedules, versioned items, and who may use them."""

import html
from datetime import date

import pytest
import sqlalchemy as sa

from app.checklists.versions import add_item
from app.extensions import db
from app.models import Checklist, ChecklistItem, ChecklistVersion, Frequency, ItemType
from tests.factories import make_asset, make_checklist, make_closed_period, make_kind, user

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def slide_kind(app):
    with app.app_context():
        kind = make_kind()
        db.session.commit()
        return kind.id


@pytest.fixture
def checklist_id(app, slide_kind):
    """The weekly slide check with three items: version 4."""
    with app.app_context():
        checklist = make_checklist(
            make_kind(),
            ("滑梯周检", "Weekly slide check"),
            items=[
                {"type": ItemType.CHECK, "text": text, "text_en": text_en}
                for text, text_en in (
                    ("梯子和台阶牢固", "Ladder and steps secure"),
                    ("滑道光滑，无裂缝", "Sliding surface smooth, no cracks"),
                    ("无松动或缺失的螺栓", "No loose or missing bolts"),
                )
            ],
            item_by_item=True,
        )
        db.session.commit()
        return checklist.id


def current(checklist_id):
    db.session.expire_all()
    return db.session.get(Checklist, checklist_id).current_version


def item_ids(app, checklist_id):
    with app.app_context():
        return [item.id for item in current(checklist_id).items]


def schedule_form(**overrides):
    form = {
        "name": "滑梯周检",
        "name_en": "Weekly slide check",
        "kind_id": "",
        "asset_code": "",
        "frequency": "weekly",
        "weekday": "0",
        "day_of_month": "",
        "month": "",
        "interval_days": "",
        "anchor_date": "",
        "grace_days": "0",
        "active": "y",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


# Who may use the pages


def every_route(checklist_id, item_id, period_id):
    base = f"/checklists/{checklist_id}"
    return [
        ("get", "/checklists/"),
        ("get", "/checklists/new"),
        ("post", "/checklists/new"),
        ("get", f"{base}/edit"),
        ("post", f"{base}/edit"),
        ("get", f"{base}/items"),
        ("get", f"{base}/versions/1"),
        ("get", f"{base}/items/new"),
        ("post", f"{base}/items/new"),
        ("get", f"{base}/items/{item_id}/edit"),
        ("post", f"{base}/items/{item_id}/edit"),
        ("post", f"{base}/items/{item_id}/move"),
        ("post", f"{base}/items/{item_id}/retire"),
        ("get", "/checklists/closed-periods"),
        ("post", "/checklists/closed-periods"),
        ("post", f"/checklists/closed-periods/{period_id}/delete"),
    ]


@pytest.fixture
def period_id(app):
    with app.app_context():
        period = make_closed_period()
        db.session.commit()
        return period.id


def test_signed_out_people_are_sent_to_sign_in(app, client, checklist_id, period_id):
    item_id = item_ids(app, checklist_id)[0]
    for method, url in every_route(checklist_id, item_id, period_id):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_inspectors_and_repairers_may_not_edit_checklists(
    app, client, auth, checklist_id, period_id, role
):
    item_id = item_ids(app, checklist_id)[0]
    auth.login(role)
    for method, url in every_route(checklist_id, item_id, period_id):
        assert getattr(client, method)(url).status_code == 403, url
    with app.app_context():
        assert current(checklist_id).number == 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Checklist)) == 1


def test_admin_sees_the_checklists_link(client, auth):
    auth.login("admin")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/checklists/"' in page
    client.post("/logout")
    auth.login("inspector")
    assert 'href="/checklists/"' not in client.get("/").get_data(as_text=True)


# The list


def test_index_groups_routines_by_what_they_cover(app, client, auth, checklist_id):
    with app.app_context():
        fan = make_kind("electric-fan", "电风扇", "Electric fan")
        make_checklist(fan, ("风扇月检", "Fan monthly service"), Frequency.MONTHLY, items=[],
                       day_of_month=1, grace_days=6)
        slide = make_asset(code="SLD234", name="2号滑梯", name_en="Slide 2")
        make_checklist(None, ("2号滑梯专项", "Slide 2 extra"), Frequency.EVERY_N_DAYS, items=[],
                       asset=slide, interval_days=14, anchor_date=date.today(), active=False)
        make_checklist(make_kind("air-conditioner", "空调", "Air conditioner"),
                       ("空调清洗", "Air conditioner cleaning"), Frequency.YEARLY, items=[],
                       month=5)
        db.session.commit()
    auth.login("admin")
    response = client.get("/checklists/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "<h2>Slide</h2>",
        "<h2>Electric fan</h2>",
        "Slide 2",
        "SLD234",
        "Weekly slide check",
        "Weekly, Monday",
        "Monthly, on the 1st · 6 days&#39; grace",
        "Every 14 days",
        "Yearly, in May",
        "Version 4 · Items: 3",
        "Version 1 · Items: 0",
        "Inactive",
        "No items",
    ):
        assert text in page, text


def test_index_escapes_what_the_admin_typed(app, client, auth):
    with app.app_context():
        make_checklist(make_kind(), (HOSTILE, None), Frequency.DAILY, items=[])
        db.session.commit()
    auth.login("admin")
    page = client.get("/checklists/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page


# Creating and editing a routine


def test_creating_a_checklist_makes_version_1_and_opens_its_items(app, client, auth, slide_kind):
    auth.login("admin")
    response = client.post("/checklists/new", data=schedule_form(kind_id=str(slide_kind)))
    assert response.status_code == 302
    with app.app_context():
        checklist = db.session.scalar(sa.select(Checklist))
        assert response.headers["Location"].endswith(f"/checklists/{checklist.id}/items")
        assert (checklist.name, checklist.name_en, checklist.kind_id) == (
            "滑梯周检",
            "Weekly slide check",
            slide_kind,
        )
        assert (checklist.frequency, checklist.weekday, checklist.active) == (
            Frequency.WEEKLY,
            0,
            True,
        )
        assert [v.number for v in checklist.versions] == [1]
        assert checklist.versions[0].created_by.username == "admin"
        assert checklist.versions[0].items == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No items yet" in page


def test_a_checklist_for_one_asset_takes_its_typed_code(app, client, auth):
    with app.app_context():
        asset_id = make_asset(code="SLD234").id
        db.session.commit()
    auth.login("admin")
    response = client.post(
        "/checklists/new",
        data=schedule_form(asset_code=" sld-234 ", frequency="daily", weekday="3"),
    )
    assert response.status_code == 302
    with app.app_context():
        checklist = db.session.scalar(sa.select(Checklist))
        assert (checklist.asset_id, checklist.kind_id) == (asset_id, None)
        assert (checklist.frequency, checklist.weekday) == (Frequency.DAILY, None)


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        (
            {"frequency": "monthly", "day_of_month": "31", "weekday": "2", "month": "5"},
            {"day_of_month": 31, "weekday": None, "month": None},
        ),
        (
            {"frequency": "yearly", "month": "5", "day_of_month": "", "interval_days": "9"},
            {"month": 5, "day_of_month": None, "interval_days": None, "weekday": None},
        ),
        (
            {"frequency": "yearly", "month": "2", "day_of_month": "29"},
            {"month": 2, "day_of_month": 29},
        ),
        (
            {
                "frequency": "every_n_days",
                "interval_days": "14",
                "anchor_date": "2026-09-07",
                "day_of_month": "abc",
            },
            {
                "interval_days": 14,
                "anchor_date": date(2026, 9, 7),
                "day_of_month": None,
                "weekday": None,
            },
        ),
        (
            {"frequency": "weekly", "weekday": "6", "anchor_date": "nonsense", "grace_days": "60"},
            {"weekday": 6, "anchor_date": None, "grace_days": 60},
        ),
        ({"frequency": "daily", "grace_days": ""}, {"grace_days": 0, "weekday": None}),
    ],
)
def test_each_frequency_stores_only_the_fields_it_uses(
    app, client, auth, slide_kind, fields, stored
):
    auth.login("admin")
    response = client.post("/checklists/new", data=schedule_form(kind_id=str(slide_kind), **fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        checklist = db.session.scalar(sa.select(Checklist))
        for name, value in stored.items():
            assert getattr(checklist, name) == value, name


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weekday": ""}, "Choose the weekday of a weekly check."),
        ({"weekday": "9"}, "Not a valid choice"),
        ({"frequency": "monthly", "day_of_month": ""}, "Type the day of the month, 1 to 31."),
        ({"frequency": "monthly", "day_of_month": "0"}, "The day of the month is 1 to 31."),
        ({"frequency": "monthly", "day_of_month": "32"}, "The day of the month is 1 to 31."),
        ({"frequency": "monthly", "day_of_month": "first"}, "Type a whole number, e.g. 14."),
        ({"frequency": "yearly", "month": ""}, "Choose the month of a yearly check."),
        (
            {"frequency": "yearly", "month": "4", "day_of_month": "31"},
            "April has 30 days: type a day from 1 to 30.",
        ),
        (
            {"frequency": "every_n_days", "interval_days": "0", "anchor_date": "2026-09-07"},
            "Type a number of days from 1 to 366.",
        ),
        (
            {"frequency": "every_n_days", "interval_days": "two", "anchor_date": "2026-09-07"},
            "Type a whole number, e.g. 14.",
        ),
        (
            {"frequency": "every_n_days", "interval_days": "", "anchor_date": "2026-09-07"},
            "Type how many days apart, e.g. 14.",
        ),
        (
            {"frequency": "every_n_days", "interval_days": "14", "anchor_date": ""},
            "Choose the first due date; days count from it.",
        ),
        (
            {"frequency": "every_n_days", "interval_days": "14", "anchor_date": "2026-02-30"},
            "Type a date like 2026-07-01.",
        ),
        ({"grace_days": "61"}, "Grace days are 0 to 60."),
        ({"grace_days": "-1"}, "Grace days are 0 to 60."),
        ({"frequency": "hourly"}, "Not a valid choice"),
        ({"name": ""}, "Type the checklist's name."),
        ({"name": "滑" * 10_000}, "Field cannot be longer than 120 characters."),
        ({"asset_code": "SLD234"}, "Choose a kind or type one asset's code, not both."),
        (
            {"kind_id": ""},
            "Choose the kind of asset this checklist is for, or type one asset's code.",
        ),
        ({"kind_id": "", "asset_code": "ZZZ999"}, "No asset has the code ZZZ999."),
        ({"kind_id": "999"}, "Not a valid choice"),
    ],
)
def test_bad_checklist_forms_say_what_is_wrong_and_keep_the_input(
    app, client, auth, slide_kind, fields, message
):
    with app.app_context():
        make_asset(code="SLD234")
        db.session.commit()
    auth.login("admin")
    data = schedule_form(kind_id=str(slide_kind), name_en="Kept <b>as typed</b>")
    data.update(fields)
    response = client.post("/checklists/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.unescape(page)
    assert 'value="Kept &lt;b&gt;as typed&lt;/b&gt;"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Checklist)) == 0


def test_a_hostile_asset_code_is_escaped_in_the_message(client, auth):
    auth.login("admin")
    response = client.post("/checklists/new", data=schedule_form(asset_code="<i>x</i>"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<I>X</I>" not in page
    assert "No asset has the code &lt;I&gt;X&lt;/I&gt;." in page


def test_a_retired_asset_gets_no_checklist(app, client, auth):
    from app.models import AssetStatus

    with app.app_context():
        make_asset(code="OLD234", status=AssetStatus.RETIRED)
        db.session.commit()
    auth.login("admin")
    response = client.post("/checklists/new", data=schedule_form(asset_code="OLD234"))
    assert response.status_code == 400
    assert "is retired" in response.get_data(as_text=True)


def test_a_checklist_may_keep_its_asset_after_the_asset_is_retired(app, client, auth):
    from app.models import AssetStatus

    with app.app_context():
        asset = make_asset(code="OLD234")
        checklist = make_checklist(None, ("专项", None), Frequency.DAILY, items=[], asset=asset)
        asset.status = AssetStatus.RETIRED
        db.session.commit()
        checklist_id = checklist.id
    auth.login("admin")
    response = client.post(
        f"/checklists/{checklist_id}/edit",
        data=schedule_form(asset_code="OLD234", frequency="daily") | {"active": None},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Checklist, checklist_id).active is False


def test_the_form_messages_speak_chinese(client, auth, slide_kind):
    auth.login("admin")
    client.set_cookie("language", "zh")
    response = client.post(
        "/checklists/new",
        data=schedule_form(kind_id=str(slide_kind), weekday=""),
        headers={"Accept-Language": "zh"},
    )
    assert response.status_code == 400
    assert 'lang="zh-Hans"' in response.get_data(as_text=True)


def test_editing_the_schedule_makes_no_new_version(app, client, auth, checklist_id):
    auth.login("admin")
    page = client.get(f"/checklists/{checklist_id}/edit").get_data(as_text=True)
    assert 'value="滑梯周检"' in page
    response = client.post(
        f"/checklists/{checklist_id}/edit",
        data=schedule_form(
            kind_id="1",
            name="滑梯周检（新）",
            frequency="monthly",
            day_of_month="1",
            grace_days="6",
            active="",
        )
        | {"active": None},
    )
    assert response.status_code == 302
    with app.app_context():
        checklist = db.session.get(Checklist, checklist_id)
        assert (checklist.name, checklist.frequency, checklist.day_of_month) == (
            "滑梯周检（新）",
            Frequency.MONTHLY,
            1,
        )
        assert (checklist.weekday, checklist.grace_days, checklist.active) == (None, 6, False)
        assert checklist.current_version.number == 4


def test_editing_can_move_a_checklist_from_a_kind_to_one_asset(app, client, auth, checklist_id):
    with app.app_context():
        asset_id = make_asset(code="SLD234").id
        db.session.commit()
    auth.login("admin")
    response = client.post(
        f"/checklists/{checklist_id}/edit", data=schedule_form(asset_code="SLD234")
    )
    assert response.status_code == 302
    with app.app_context():
        checklist = db.session.get(Checklist, checklist_id)
        assert (checklist.kind_id, checklist.asset_id) == (None, asset_id)
    page = client.get(f"/checklists/{checklist_id}/edit").get_data(as_text=True)
    assert 'value="SLD234"' in page


def test_a_bad_edit_changes_nothing(app, client, auth, checklist_id):
    auth.login("admin")
    response = client.post(
        f"/checklists/{checklist_id}/edit",
        data=schedule_form(kind_id="1", frequency="monthly", day_of_month="32"),
    )
    assert response.status_code == 400
    with app.app_context():
        checklist = db.session.get(Checklist, checklist_id)
        assert (checklist.frequency, checklist.day_of_month) == (Frequency.WEEKLY, None)


def test_unknown_checklists_are_not_found(client, auth):
    auth.login("admin")
    for url in (
        "/checklists/99/edit",
        "/checklists/99/items",
        "/checklists/99/items/new",
        "/checklists/99/versions/1",
    ):
        assert client.get(url).status_code == 404, url


# Items and versions


def item_form(**overrides):
    form = {
        "type": "check",
        "text": "地面无积水",
        "text_en": "No standing water",
        "required": "y",
        "unit": "",
        "min_value": "",
        "max_value": "",
        "version": "4",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def test_items_page_shows_current_items_and_every_version(client, auth, checklist_id):
    auth.login("admin")
    page = client.get(f"/checklists/{checklist_id}/items").get_data(as_text=True)
    assert "Items of version 4" in page
    assert page.index("Ladder and steps secure") < page.index("No loose or missing bolts")
    for number in (1, 2, 3, 4):
        assert f"/checklists/{checklist_id}/versions/{number}" in page
    assert "first version" in page and "added: 1" in page
    assert page.count('name="csrf_token"') >= 9  # up, down and retire for each of 3 items


def test_the_items_page_runs_the_same_queries_however_many_versions(
    app, client, auth, checklist_id
):
    auth.login("admin")
    url = f"/checklists/{checklist_id}/items"
    client.get(url)

    def queries():
        statements = []
        with app.app_context():
            listen = lambda *args: statements.append(args[2])  # noqa: E731
            sa.event.listen(db.engine, "before_cursor_execute", listen)
            try:
                assert client.get(url).status_code == 200
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", listen)
        return len(statements)

    before = queries()
    assert before > 0
    for _ in range(5):
        client.post(f"{url}/{item_ids(app, checklist_id)[0]}/move", data={"direction": "down"})
    with app.app_context():
        assert current(checklist_id).number == 9
    assert queries() == before


def test_adding_an_item_makes_a_new_version(app, client, auth, checklist_id):
    old_ids = item_ids(app, checklist_id)
    auth.login("admin")
    response = client.post(f"/checklists/{checklist_id}/items/new", data=item_form())
    assert response.status_code == 302
    with app.app_context():
        version = current(checklist_id)
        assert version.number == 5
        assert version.created_by.username == "admin"
        assert [i.text for i in version.items][-1] == "地面无积水"
        assert version.items[-1].required is True
        previous = db.session.scalar(
            sa.select(ChecklistVersion).where(ChecklistVersion.number == 4)
        )
        assert [i.id for i in previous.items] == old_ids
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Item added: this checklist is now version 5." in page


def test_adding_a_reading_with_its_range(app, client, auth, checklist_id):
    auth.login("admin")
    response = client.post(
        f"/checklists/{checklist_id}/items/new",
        data=item_form(
            type="reading",
            text="裂缝宽度",
            text_en="Crack width",
            unit="mm",
            min_value="0",
            max_value="0.3",
            critical="y",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        reading = current(checklist_id).items[-1]
        assert (reading.type, reading.unit, reading.min_value, reading.max_value) == (
            ItemType.READING,
            "mm",
            0.0,
            0.3,
        )
        assert reading.critical is True
    page = client.get(f"/checklists/{checklist_id}/items").get_data(as_text=True)
    assert "from 0 mm to 0.3 mm" in page and "Critical" in page


def test_a_second_tap_on_add_adds_nothing_twice(app, client, auth, checklist_id):
    auth.login("admin")
    assert client.post(f"/checklists/{checklist_id}/items/new", data=item_form()).status_code == 302
    again = client.post(f"/checklists/{checklist_id}/items/new", data=item_form())
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "it is now version 5" in page and "Nothing was added." in page
    assert 'value="地面无积水"' in page
    assert 'name="version" type="hidden" value="5"' in page
    with app.app_context():
        assert current(checklist_id).number == 5
        assert [i.text for i in current(checklist_id).items].count("地面无积水") == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": ""}, "Type what to check."),
        ({"text": "滑" * 10_000}, "Field cannot be longer than 300 characters."),
        ({"text_en": "x" * 301}, "Field cannot be longer than 300 characters."),
        ({"type": "text", "critical": "y"}, "Only check and reading items can be critical."),
        ({"type": "photo", "critical": "y"}, "Only check and reading items can be critical."),
        (
            {"type": "reading", "min_value": "5", "max_value": "1"},
            "The highest allowed value is below the lowest.",
        ),
        ({"type": "reading", "max_value": "a little"}, "Type a number, e.g. 0.3."),
        ({"type": "reading", "max_value": "nan"}, "Type a number, e.g. 0.3."),
        ({"type": "reading", "min_value": "-inf"}, "Type a number, e.g. 0.3."),
        ({"type": "reading", "unit": "m" * 21}, "Field cannot be longer than 20 characters."),
        ({"type": "signature"}, "Not a valid choice"),
    ],
)
def test_bad_items_say_what_is_wrong_and_keep_the_input(
    app, client, auth, checklist_id, fields, message
):
    auth.login("admin")
    data = item_form(text_en="Kept as typed")
    data.update(fields)
    response = client.post(f"/checklists/{checklist_id}/items/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.unescape(page)
    assert "Kept as typed" in page or "text_en" in fields
    with app.app_context():
        assert current(checklist_id).number == 4


def test_unit_and_limits_typed_for_a_check_are_not_stored(app, client, auth, checklist_id):
    auth.login("admin")
    response = client.post(
        f"/checklists/{checklist_id}/items/new",
        data=item_form(unit="mm", min_value="oops", max_value="3"),
    )
    assert response.status_code == 302
    with app.app_context():
        item = current(checklist_id).items[-1]
        assert (item.unit, item.min_value, item.max_value) == (None, None, None)


def test_hostile_item_text_is_escaped(client, auth, checklist_id):
    auth.login("admin")
    client.post(f"/checklists/{checklist_id}/items/new", data=item_form(text=HOSTILE))
    page = client.get(f"/checklists/{checklist_id}/items").get_data(as_text=True)
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page


def test_editing_an_item_makes_a_new_version_and_keeps_lineage(app, client, auth, checklist_id):
    old_ids = item_ids(app, checklist_id)
    auth.login("admin")
    url = f"/checklists/{checklist_id}/items/{old_ids[1]}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="滑道光滑，无裂缝"' in page
    response = client.post(
        url,
        data={"text": "滑道光滑，无裂缝、孔洞或锐边", "text_en": "", "critical": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        versions = db.session.get(Checklist, checklist_id).versions
        old, new = versions[-2], versions[-1]
        assert new.number == 5
        assert [i.id for i in old.items] == old_ids
        assert old.items[1].text == "滑道光滑，无裂缝"
        assert old.items[1].text_en == "Sliding surface smooth, no cracks"
        assert old.items[1].critical is False
        assert new.items[1].text == "滑道光滑，无裂缝、孔洞或锐边"
        assert new.items[1].text_en is None
        assert (new.items[1].critical, new.items[1].required) == (True, False)
        assert [i.lineage for i in new.items] == [i.lineage for i in old.items]


def test_a_text_item_cannot_be_made_critical(app, client, auth, checklist_id):
    with app.app_context():
        checklist = db.session.get(Checklist, checklist_id)
        add_item(checklist, user("admin"), 4, type=ItemType.TEXT, text="备注")
        db.session.commit()
        text_item_id = current(checklist_id).items[-1].id
    auth.login("admin")
    url = f"/checklists/{checklist_id}/items/{text_item_id}/edit"
    assert "Critical:" not in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"text": "备注", "required": "y", "critical": "y"})
    assert response.status_code == 400
    assert "Only check and reading items can be critical." in response.get_data(as_text=True)


def test_editing_a_stale_item_keeps_the_wording_and_points_at_the_current_item(
    app, client, auth, checklist_id
):
    old_ids = item_ids(app, checklist_id)
    auth.login("admin")
    client.post(f"/checklists/{checklist_id}/items/{old_ids[2]}/move", data={"direction": "up"})
    new_ids = item_ids(app, checklist_id)
    # The admin had item 1's form open from version 4 and sends it now, against version 5.
    response = client.post(
        f"/checklists/{checklist_id}/items/{old_ids[0]}/edit",
        data={"text": "我的新措辞", "required": "y"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "我的新措辞" in page and "it is now version 5" in page
    assert f'action="/checklists/{checklist_id}/items/{new_ids[0]}/edit"' in page
    # Sending again goes to the current item and is saved.
    response = client.post(
        f"/checklists/{checklist_id}/items/{new_ids[0]}/edit",
        data={"text": "我的新措辞", "required": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert current(checklist_id).items[0].text == "我的新措辞"


def test_opening_an_old_items_edit_page_leads_to_the_current_one(app, client, auth, checklist_id):
    old_ids = item_ids(app, checklist_id)
    auth.login("admin")
    client.post(f"/checklists/{checklist_id}/items/{old_ids[0]}/retire")
    new_ids = item_ids(app, checklist_id)
    moved = client.get(f"/checklists/{checklist_id}/items/{old_ids[1]}/edit")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/items/{new_ids[0]}/edit")
    gone = client.get(f"/checklists/{checklist_id}/items/{old_ids[0]}/edit")
    assert gone.status_code == 302
    assert gone.headers["Location"].endswith(f"/checklists/{checklist_id}/items")


def test_moving_items_up_and_down(app, client, auth, checklist_id):
    ids = item_ids(app, checklist_id)
    auth.login("admin")
    response = client.post(
        f"/checklists/{checklist_id}/items/{ids[2]}/move", data={"direction": "up"}
    )
    assert response.status_code == 302
    with app.app_context():
        texts = [i.text_en for i in current(checklist_id).items]
        assert texts == [
            "Ladder and steps secure",
            "No loose or missing bolts",
            "Sliding surface smooth, no cracks",
        ]
    first = item_ids(app, checklist_id)[0]
    client.post(f"/checklists/{checklist_id}/items/{first}/move", data={"direction": "down"})
    with app.app_context():
        version = current(checklist_id)
        assert version.number == 6
        assert version.items[1].text_en == "Ladder and steps secure"
        old = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.number == 4))
        assert [i.id for i in old.items] == ids
        assert [i.position for i in old.items] == [1, 2, 3]


@pytest.mark.parametrize(("index", "direction"), [(0, "up"), (2, "down")])
def test_an_item_at_the_end_does_not_move_further(
    app, client, auth, checklist_id, index, direction
):
    item_id = item_ids(app, checklist_id)[index]
    auth.login("admin")
    response = client.post(
        f"/checklists/{checklist_id}/items/{item_id}/move", data={"direction": direction}
    )
    assert response.status_code == 400
    assert "already at the end of the list" in response.get_data(as_text=True)
    with app.app_context():
        assert current(checklist_id).number == 4


@pytest.mark.parametrize("direction", [None, "sideways", "<script>"])
def test_a_move_needs_up_or_down(app, client, auth, checklist_id, direction):
    item_id = item_ids(app, checklist_id)[0]
    auth.login("admin")
    data = {"direction": direction} if direction else {}
    response = client.post(f"/checklists/{checklist_id}/items/{item_id}/move", data=data)
    assert response.status_code == 400


def test_retiring_an_item_keeps_it_in_past_versions(app, client, auth, checklist_id):
    ids = item_ids(app, checklist_id)
    auth.login("admin")
    response = client.post(f"/checklists/{checklist_id}/items/{ids[1]}/retire")
    assert response.status_code == 302
    with app.app_context():
        version = current(checklist_id)
        assert version.number == 5
        assert [i.text_en for i in version.items] == [
            "Ladder and steps secure",
            "No loose or missing bolts",
        ]
        assert db.session.get(ChecklistItem, ids[1]).text_en == "Sliding surface smooth, no cracks"
    past = client.get(f"/checklists/{checklist_id}/versions/4").get_data(as_text=True)
    assert "Sliding surface smooth, no cracks" in past
    assert "A past version" in past
    now = client.get(f"/checklists/{checklist_id}/versions/5").get_data(as_text=True)
    assert "Sliding surface smooth, no cracks" not in now
    assert "This is the current version." in now and "retired: 1" in now


def test_a_second_tap_on_move_or_retire_changes_nothing_more(app, client, auth, checklist_id):
    ids = item_ids(app, checklist_id)
    auth.login("admin")
    client.post(f"/checklists/{checklist_id}/items/{ids[0]}/retire")
    for url, data in (
        (f"/checklists/{checklist_id}/items/{ids[0]}/retire", {}),
        (f"/checklists/{checklist_id}/items/{ids[1]}/move", {"direction": "down"}),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 409
        assert "Nothing was changed." in response.get_data(as_text=True)
    with app.app_context():
        assert current(checklist_id).number == 5


def test_items_of_another_checklist_are_not_found(app, client, auth, checklist_id):
    with app.app_context():
        other = make_checklist(make_kind(), ("其他", None), Frequency.DAILY,
                               items=[{"type": ItemType.CHECK, "text": "别的"}], item_by_item=True)
        db.session.commit()
        foreign_id = other.current_version.items[0].id
    auth.login("admin")
    base = f"/checklists/{checklist_id}/items/{foreign_id}"
    assert client.get(f"{base}/edit").status_code == 404
    assert client.post(f"{base}/move", data={"direction": "up"}).status_code == 404
    assert client.post(f"{base}/retire").status_code == 404
    assert client.get(f"/checklists/{checklist_id}/versions/99").status_code == 404


def test_item_changes_need_the_csrf_token(csrf_app, app, client, auth, checklist_id):
    item_id = item_ids(app, checklist_id)[0]
    with client:
        client.get("/login")
        auth_page = client.get("/login").get_data(as_text=True)
        token = auth_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login", data={"username": "admin", "password": "correct horse", "csrf_token": token}
        )
        for url, data in (
            (f"/checklists/{checklist_id}/items/{item_id}/retire", {}),
            (f"/checklists/{checklist_id}/items/{item_id}/move", {"direction": "down"}),
            (f"/checklists/{checklist_id}/items/new", item_form()),
        ):
            assert client.post(url, data=data).status_code == 400, url
        page = client.get(f"/checklists/{checklist_id}/items").get_data(as_text=True)
        assert 'name="csrf_token"' in page
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            f"/checklists/{checklist_id}/items/{item_id}/retire", data={"csrf_token": token}
        )
        assert response.status_code == 302
    with app.app_context():
        assert current(checklist_id).number == 5
