"""The labels pages, QR downloads, blank codes and `flask qr export`."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from app.extensions import db
from app.labels import sheets
from app.models import Asset, AssetStatus, Place, PlaceKind, ScanCode
from app.models.code import replace_code
from tests.factories import make_asset, make_kind, make_place, set_school

HOSTILE = "<script>alert(1)</script>"
LABEL = re.compile(r'class="cell label[^"]*" style="left: ([\d.]+)mm; top: ([\d.]+)mm"')


@pytest.fixture
def school(app):
    with app.app_context():
        site = make_place("阳光幼儿园", "Sunshine Kindergarten", kind=PlaceKind.SITE)
        room = make_place("大一班", "Class 1", PlaceKind.ROOM, parent=site)
        store = make_place("器材室", "Equipment room", PlaceKind.ROOM, parent=site, position=1)
        fan_kind = make_kind("fan", "电风扇", "Electric fan")
        rows = {
            "site": site,
            "room": room,
            "store": store,
            "fan kind": fan_kind,
            "slide kind": make_kind(),
            "fan": make_asset("电风扇 1", "Fan 1", kind=fan_kind, place=room),
            "old fan": make_asset(
                "电风扇 旧", "Old fan", kind=fan_kind, place=room, status=AssetStatus.RETIRED
            ),
            "ball": make_asset("皮球", "Ball", place=store),
        }
        db.session.commit()
        return {
            "ids": {name: row.id for name, row in rows.items()},
            "codes": {name: row.code for name, row in rows.items() if hasattr(row, "code")},
        }


def sheet(client, **params):
    return client.get("/labels/sheet", query_string=params)


def printed_codes(response):
    return re.findall(r'<p class="code">(\w+)</p>', response.text)


# --- who may use the labels pages ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/labels/",
        "/labels/sheet?place=1",
        "/labels/blank",
        "/labels/qr/ABC234.svg",
        "/labels/qr/ABC234.png",
    ],
)
def test_signed_out_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_other_roles_are_refused(client, auth, school, role):
    auth.login(role)
    code = school["codes"]["fan"]
    for url in ("/labels/", f"/labels/sheet?place={school['ids']['site']}", "/labels/blank"):
        assert client.get(url).status_code == 403
    assert client.get(f"/labels/qr/{code}.png").status_code == 403
    assert client.post("/labels/blank", data={"count": "3"}).status_code == 403
    assert db_count_blank_codes(client.application) == 0


def db_count_blank_codes(app):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(ScanCode.id)).where(
                ScanCode.asset_id.is_(None), ScanCode.place_id.is_(None)
            )
        )


# --- the labels page ----------------------------------------------------------------------


def test_index_offers_places_kinds_assets_and_blank_codes(client, auth, school):
    auth.login()
    response = client.get("/labels/")
    assert response.status_code == 200
    page = response.text
    assert "Sunshine Kindergarten" in page and "Electric fan" in page
    assert 'href="/labels/blank"' in page
    assert page.count('action="/labels/sheet"') == 2
    assert f'name="asset" value="{school["ids"]["fan"]}"' in page
    assert f'name="asset" value="{school["ids"]["old fan"]}"' not in page
    assert f'href="/labels/qr/{school["codes"]["fan"]}.svg?download=1"' in page
    # Two print forms carry stock and start: their ids stay unique.
    assert len(re.findall(r'id="([\w-]+-stock)"', page)) == 2


def test_index_list_is_filtered_by_place_and_can_show_retired(client, auth, school):
    auth.login()
    page = client.get("/labels/", query_string={"within": school["ids"]["store"]}).text
    assert f'value="{school["ids"]["ball"]}"' in page
    assert f'name="asset" value="{school["ids"]["fan"]}"' not in page
    page = client.get(
        "/labels/", query_string={"within": school["ids"]["room"], "retired": "y"}
    ).text
    assert f'name="asset" value="{school["ids"]["old fan"]}"' in page


def test_index_with_an_empty_register(client, auth):
    auth.login()
    response = client.get("/labels/")
    assert response.status_code == 200
    assert "No assets here yet." in response.text


# --- print sheets -------------------------------------------------------------------------


def test_place_sheet_holds_sub_places_and_assets_at_their_positions(client, auth, school):
    auth.login()
    response = sheet(client, place=school["ids"]["site"], stock="L7160", start=2)
    assert response.status_code == 200
    page = response.text
    codes = school["codes"]
    assert printed_codes(response)[:4] == [
        codes["site"],
        codes["room"],
        codes["fan"],
        codes["store"],
    ]
    assert len(printed_codes(response)) == 5  # and the ball; the retired fan is left out
    assert LABEL.findall(page)[:2] == [("73.29", "15.15"), ("139.33", "15.15")]
    assert 'class="cell free" data-number="1" style="left: 7.25mm; top: 15.15mm"' in page
    assert "Retired assets left out: 1." in page
    assert page.count("<svg") == 5
    assert "扫码检查或报修" in page
    assert "大一班" in page and "电风扇 1" in page
    assert "@page { size: A4; margin: 0; }" in page
    assert "@media print" in page and 'onclick="window.print()"' in page
    assert "flex-wrap" not in page.split(".sheets")[1]
    # One main landmark, a heading, and the preview scrolls by keyboard too (axe).
    assert page.count("<main") == 1 and page.count("<h1") == 1
    assert '<main class="sheets" lang="zh-Hans" tabindex="0">' in page


def test_retired_assets_when_asked(client, auth, school):
    auth.login()
    response = sheet(client, place=school["ids"]["room"], retired="y")
    assert len(printed_codes(response)) == 3
    assert "Retired assets left out" not in response.text


def test_kind_sheet(client, auth, school):
    auth.login()
    response = sheet(client, kind=school["ids"]["fan kind"], stock="L7163")
    assert printed_codes(response) == [school["codes"]["fan"]]
    assert LABEL.findall(response.text) == [("4.65", "15.15")]
    response = sheet(client, kind=school["ids"]["fan kind"], place=school["ids"]["store"])
    assert printed_codes(response) == []
    assert "Nothing to print" in response.text


def test_assets_picked_by_hand(client, auth, school):
    auth.login()
    ids = school["ids"]
    response = sheet(client, asset=[ids["ball"], ids["fan"]], stock="plate", start=8)
    assert response.status_code == 200
    ball_code = printed_codes(response)[1]
    assert printed_codes(response)[0] == school["codes"]["fan"]
    assert LABEL.findall(response.text) == [("110.0", "227.875"), ("5.0", "5.125")]
    assert response.text.count('<section class="sheet"') == 2
    assert "皮球" in response.text and ball_code


def test_sheets_break_after_each_full_sheet(app, client, auth):
    with app.app_context():
        room = make_place("大一班", "Class 1", PlaceKind.ROOM)
        for number in range(30):
            make_asset(f"椅子 {number:02}", None, place=room)
        db.session.commit()
        room_id = room.id
    auth.login()
    page = sheet(client, place=room_id, stock="L7163").text
    assert page.count('<section class="sheet"') == 3  # 31 labels, 14 a sheet
    assert ".sheet + .sheet { break-before: page; page-break-before: always; }" in page


def test_sheet_escapes_hostile_names(app, client, auth):
    with app.app_context():
        place = make_place(HOSTILE, HOSTILE)
        make_asset(HOSTILE, HOSTILE, place=place)
        db.session.commit()
        place_id = place.id
    auth.login()
    page = sheet(client, place=place_id).text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE not in client.get("/labels/").text


def test_sheet_in_chinese_shows_chinese_names(client, auth, school):
    auth.login()
    page = client.get(
        "/labels/sheet",
        query_string={"place": school["ids"]["room"]},
        headers={"Accept-Language": "zh"},
    ).text
    assert "电风扇 1" in page and 'lang="zh-Hans"' in page


def _labels_part(page):
    return page.split('<main class="sheets"')[1]


def test_labels_speak_the_schools_language_under_an_english_interface(client, auth, school):
    auth.login()
    page = sheet(client, place=school["ids"]["room"]).text
    toolbar, labels = page.split('<main class="sheets"')
    assert 'lang="en"' in toolbar and "Labels: 2" in toolbar
    assert labels.startswith(' lang="zh-Hans"')
    assert '<p class="name">电风扇 1</p><p class="english" lang="en">Fan 1</p>' in labels
    assert '<p class="where">大一班</p>' in labels and "扫码检查或报修" in labels
    assert "Scan to inspect" not in labels
    assert '<option selected value="zh">中文</option>' in toolbar


def test_the_head_can_print_the_labels_in_another_language(client, auth, school):
    auth.login()
    page = sheet(client, place=school["ids"]["room"], language="en").text
    labels = _labels_part(page)
    assert labels.startswith(' lang="en"')
    assert '<p class="name">Fan 1</p>' in labels and '<p class="where">Class 1</p>' in labels
    assert "电风扇" not in labels and 'class="english"' not in labels
    assert "Scan to inspect or report a fault" in labels
    # Changing the stock on the print page keeps the language chosen.
    assert '<option selected value="en">English</option>' in page
    assert 'type="hidden" name="language"' not in page


def test_the_english_name_is_left_off_where_none_is_set(app, client, auth):
    with app.app_context():
        room = make_place("小一班", None, PlaceKind.ROOM)
        make_asset("钢琴", None, place=room)
        db.session.commit()
        room_id = room.id
    auth.login()
    labels = _labels_part(sheet(client, place=room_id).text)
    assert "钢琴" in labels and 'class="english"' not in labels
    english = _labels_part(sheet(client, place=room_id, language="en").text)
    assert '<p class="name">钢琴</p>' in english


def test_a_school_that_writes_english_prints_english_labels(app, client, auth, school):
    set_school(app, language="en")
    auth.login()
    page = client.get(
        "/labels/sheet",
        query_string={"place": school["ids"]["room"]},
        headers={"Accept-Language": "zh"},
    ).text
    toolbar, labels = page.split('<main class="sheets"')
    assert "标签" in toolbar and labels.startswith(' lang="en"')
    assert '<p class="name">Fan 1</p>' in labels
    assert '<option selected value="en">English</option>' in client.get("/labels/").text


def test_an_unknown_label_language_is_refused_clearly(client, auth, school):
    auth.login()
    response = sheet(client, place=school["ids"]["room"], language="fr", start="3")
    assert response.status_code == 400
    assert "Labels in: Choose a language from the list." in response.text
    assert 'id="whole-start" inputmode="numeric" name="start" type="text" value="3"' in (
        response.text
    )


def test_toolbar_switches_stock_and_start_keeping_the_selection(client, auth, school):
    auth.login()
    page = sheet(client, asset=[school["ids"]["fan"], school["ids"]["ball"]], start=3).text
    toolbar = page.split('<main class="sheets"')[0]
    assert toolbar.count('type="hidden" name="asset"') == 2
    assert 'name="start"' in toolbar and 'value="3"' in toolbar


def test_replaced_code_prints_the_new_code(app, client, auth, school):
    with app.app_context():
        asset = db.session.get(Asset, school["ids"]["fan"])
        new_code = replace_code(asset).value
        db.session.commit()
    auth.login()
    codes = printed_codes(sheet(client, asset=school["ids"]["fan"]))
    assert codes == [new_code] and new_code != school["codes"]["fan"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"place": "1", "stock": "A4-99"}, "Choose a label stock from the list."),
        ({"place": "1", "start": "0"}, "Choose a label from 1 to 21"),
        ({"place": "1", "start": "22"}, "Choose a label from 1 to 21"),
        ({"place": "1", "stock": "plate", "start": "9"}, "Choose a label from 1 to 8"),
        ({"place": "1", "start": "abc"}, "Not a valid integer value."),
        ({"place": "99999"}, "It no longer exists."),
        ({"place": "99999999999999999999999"}, "It no longer exists."),
        ({"place": "-1"}, "It no longer exists."),
        ({"place": "abc"}, "Choose one from the list."),
        ({"kind": "99999"}, "It no longer exists."),
        ({"kind": "1", "within": "4294967296"}, "It no longer exists."),
        ({"asset": "99999"}, "Some ticked assets no longer exist."),
        ({"asset": "99999999999999999999999"}, "Some ticked assets no longer exist."),
        ({"asset": "abc"}, "Tick the assets in the list again."),
        ({"blank": "ABC<b>"}, "Not a code: ABC&lt;B&gt;"),
        ({"blank": "ZZZZZZ"}, "No such code: ZZZZZZ"),
        ({}, "Choose what to print"),
        ({"place": "1", "asset": "1"}, "Print one thing at a time"),
    ],
)
def test_bad_sheet_requests_get_a_clear_message(client, auth, school, params, message):
    auth.login()
    response = sheet(client, **params)
    assert response.status_code == 400
    assert message in response.text
    assert "This cannot be printed yet" in response.text


def test_bad_start_keeps_what_was_typed(client, auth, school):
    auth.login()
    page = sheet(client, place=school["ids"]["room"], start="abc", stock="L7163").text
    assert 'value="abc"' in page
    assert '<option selected value="L7163">' in page
    assert f'<option selected value="{school["ids"]["room"]}">' in page


def test_too_many_labels_are_refused(client, auth, school, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_LABELS", 3)
    auth.login()
    response = sheet(client, place=school["ids"]["site"])
    assert response.status_code == 400
    assert "That is 5 labels; one print can hold at most 3." in response.text
    response = sheet(client, blank="ABCDEF,ABCDEG,ABCDEH,ABCDEJ")
    assert response.status_code == 400
    assert "That is 4 labels; one print can hold at most 3." in response.text
    response = sheet(client, asset=[1, 2, 3, 4])
    assert response.status_code == 400
    assert "That is 4 labels; one print can hold at most 3." in response.text


def test_the_cap_is_two_thousand():
    assert sheets.MAX_LABELS == 2000


# --- QR downloads -------------------------------------------------------------------------


def test_png_download_decodes_to_the_scan_url(client, auth, school):
    auth.login()
    code = school["codes"]["fan"]
    response = client.get(f"/labels/qr/{code}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert [result.text for result in results] == [f"http://patrol.test/q/{code}"]
    assert response.headers["Content-Disposition"].startswith("inline")


def test_svg_download_as_attachment(client, auth, school):
    auth.login()
    code = school["codes"]["site"]
    response = client.get(f"/labels/qr/{code}.svg?download=1")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == f"attachment; filename={code}.svg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"<svg") and b'viewBox="0 0 ' in response.data


@pytest.mark.parametrize("code", ["ZZZZZZ", "abc234", "..", "ABC23O", "A" * 40])
def test_unknown_codes_are_not_found(client, auth, school, code):
    auth.login()
    assert client.get(f"/labels/qr/{code}.svg").status_code == 404
    assert client.get(f"/labels/qr/{school['codes']['fan']}.gif").status_code == 404


def test_any_issued_code_can_be_downloaded(app, client, auth):
    auth.login()
    client.post("/labels/blank", data={"count": "1", "stock": "L7160"})
    with app.app_context():
        value = db.session.scalar(sa.select(ScanCode.value))
    assert client.get(f"/labels/qr/{value}.png").status_code == 200


# --- blank codes --------------------------------------------------------------------------


def test_blank_form(client, auth):
    auth.login()
    page = client.get("/labels/blank").text
    assert 'name="count"' in page and 'value="21"' in page


def test_blank_codes_are_made_once_and_printed(app, client, auth):
    auth.login()
    response = client.post("/labels/blank", data={"count": "5", "stock": "L7163"})
    assert response.status_code == 303
    assert db_count_blank_codes(app) == 5
    target = response.headers["Location"]
    assert target.startswith("/labels/sheet?")
    page = client.get(target).text
    with app.app_context():
        values = set(db.session.scalars(sa.select(ScanCode.value)))
    assert set(re.findall(r'<p class="code">(\w+)</p>', page)) == values
    assert page.count("扫码登记此物品") == 5
    assert "扫码检查或报修" not in page
    assert "5 new blank codes." in page
    # Reloading the sheet prints the same codes and makes no new ones.
    again = client.get(target).text
    assert db_count_blank_codes(app) == 5
    assert set(re.findall(r'<p class="code">(\w+)</p>', again)) == values
    assert "new blank codes" not in again


@pytest.mark.parametrize("count", ["0", "421", "10000", "abc", "", "-3"])
def test_bad_blank_counts_are_refused(app, client, auth, count):
    auth.login()
    response = client.post("/labels/blank", data={"count": count, "stock": "L7160"})
    assert response.status_code == 400
    assert re.search(r"Choose a number from 1 to 420|Not a valid integer value", response.text)
    assert f'value="{count}"' in response.text
    assert db_count_blank_codes(app) == 0


def test_blank_count_missing_or_stock_unknown(app, client, auth):
    auth.login()
    response = client.post("/labels/blank", data={"stock": "L7160"})
    assert response.status_code == 400 and "Enter how many blank codes" in response.text
    response = client.post("/labels/blank", data={"count": "3", "stock": "nope"})
    assert response.status_code == 400 and "Choose a label stock" in response.text
    assert db_count_blank_codes(app) == 0


def test_blank_codes_need_the_csrf_token(csrf_app, client, auth):
    csrf_app.config["WTF_CSRF_ENABLED"] = False
    auth.login()
    csrf_app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/labels/blank", data={"count": "3", "stock": "L7160"})
    assert response.status_code == 400
    assert db_count_blank_codes(csrf_app) == 0
    page = client.get("/labels/blank").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/labels/blank", data={"count": "3", "stock": "L7160", "csrf_token": token}
    )
    assert response.status_code == 303
    assert db_count_blank_codes(csrf_app) == 3


# --- flask qr export ----------------------------------------------------------------------


def test_export_writes_codes_and_a_sheet(app, runner, school):
    result = runner.invoke(args=["qr", "export"])
    assert result.exit_code == 0, result.output
    folder = Path(app.config["QR_FOLDER"])
    codes = school["codes"]
    for code in (codes["site"], codes["room"], codes["fan"], codes["store"]):
        assert f"{code}.svg  {code}.png" in result.output
        png = Image.open(folder / f"{code}.png")
        assert [r.text for r in zxingcpp.read_barcodes(png)] == [f"http://patrol.test/q/{code}"]
        assert (folder / f"{code}.svg").read_bytes().startswith(b"<svg")
    assert "Wrote 5 codes as SVG and PNG" in result.output
    assert "Retired assets left out: 1." in result.output
    html = (folder / "sheet-L7160.html").read_text()
    assert html.count('<p class="code">') == 5 and html.count("<svg") == 5
    # Self-contained: nothing fetched, no link back into the app.
    assert "<link" not in html and "src=" not in html and "/labels/" not in html
    # Notes in the terminal's language, labels in the school's.
    assert '<html lang="en">' in html and '<main class="sheets" lang="zh-Hans"' in html
    assert "电风扇 1" in html and "扫码检查或报修" in html


def test_export_labels_in_another_language(app, runner, school):
    result = runner.invoke(args=["qr", "export", "--labels-in", "en"])
    assert result.exit_code == 0, result.output
    assert "Wrote 5 codes" in result.output
    html = (Path(app.config["QR_FOLDER"]) / "sheet-L7160.html").read_text()
    assert '<main class="sheets" lang="en"' in html and '<p class="name">Fan 1</p>' in html
    assert "电风扇" not in html


def test_export_one_place_on_plates_in_chinese(app, runner, school):
    code = school["codes"]["room"].lower()
    result = runner.invoke(args=["qr", "export", "--place", code, "--stock", "plate"])
    assert result.exit_code == 0, result.output
    folder = Path(app.config["QR_FOLDER"])
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(
        [f"{school['codes']['room']}.png", f"{school['codes']['fan']}.png"]
    )
    result = runner.invoke(args=["qr", "export", "--place", code, "--language", "zh"])
    html = (folder / "sheet-L7160.html").read_text()
    assert "电风扇 1" in html and 'lang="zh-Hans"' in html
    assert (folder / "sheet-plate.html").exists()


def test_export_unknown_place_fails_clearly(app, runner, school):
    result = runner.invoke(args=["qr", "export", "--place", "ZZZZZZ"])
    assert result.exit_code == 1
    assert "No place has the code ZZZZZZ." in result.output
    assert not list(Path(app.config["QR_FOLDER"]).glob("*.html"))


def test_export_unknown_stock_is_refused(runner, school):
    result = runner.invoke(args=["qr", "export", "--stock", "A5"])
    assert result.exit_code == 2 and "A5" in result.output


def test_export_escapes_hostile_names(app, runner):
    with app.app_context():
        make_asset(HOSTILE, HOSTILE, place=make_place(HOSTILE, HOSTILE))
        db.session.commit()
    result = runner.invoke(args=["qr", "export"])
    assert result.exit_code == 0, result.output
    html = (Path(app.config["QR_FOLDER"]) / "sheet-L7160.html").read_text()
    assert HOSTILE not in html and "&lt;script&gt;" in html


def test_sheet_queries_do_not_grow_with_its_labels(app, client, auth):
    with app.app_context():
        site = make_place("阳光幼儿园", "Sunshine", kind=PlaceKind.SITE)
        rooms = [make_place(f"教室 {n}", None, PlaceKind.ROOM, parent=site) for n in range(2)]
        db.session.commit()
        site_id, room_ids = site.id, [room.id for room in rooms]
    auth.login()

    def queries_for_sheet():
        statements = []

        def count(*args):
            statements.append(args[2])

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
            try:
                assert sheet(client, place=site_id).status_code == 200
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    with app.app_context():
        make_asset("风扇", None, place=db.session.get(Place, room_ids[0]))
        db.session.commit()
    few = queries_for_sheet()
    assert few >= 3  # the listener sees the page's queries
    with app.app_context():
        for number in range(20):
            make_asset(f"椅子 {number}", None, place=db.session.get(Place, room_ids[number % 2]))
        db.session.commit()
    assert queries_for_sheet() == few
