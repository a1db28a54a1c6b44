import csv
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Asset, AssetStatus, PlaceKind, ScanCode
from app.models.code import is_well_formed, replace_code, unused_code_values
from app.register import csv_io
from tests.factories import make_asset, make_blank_code, make_kind, make_place

HEADER = "code,name,name_en,kind,place,asset_number,status,notes\n"


@pytest.fixture
def register(app):
    with app.app_context():
        site = make_place("幼儿园", "Kindergarten", PlaceKind.SITE)
        building = make_place("教学楼", "Teaching building", PlaceKind.BUILDING, parent=site)
        room = make_place("大一班", "Class 1", PlaceKind.ROOM, parent=building, code="RM2222")
        playground = make_place("操场", "Playground", PlaceKind.AREA, parent=site)
        make_place("男/女厕所", None, PlaceKind.ROOM, parent=building)
        # Two rooms called 办公室: a name alone is ambiguous, a path is not.
        make_place("办公室", "Office", PlaceKind.ROOM, parent=building)
        make_place("办公室", "Office", PlaceKind.ROOM, parent=playground)
        fan = make_kind("electric-fan", "电风扇", "Electric fan")
        slide = make_kind("slide", "滑梯", "Slide")
        make_asset("吊扇", "Ceiling fan", kind=fan, place=room, asset_number="GD-001",
                   code="FAN234")
        make_asset("大滑梯", None, kind=slide, place=playground, code="SWNG23")
        make_asset("旧滑梯", "Old slide", kind=slide, place=playground, code="SWNG24",
                   status=AssetStatus.RETIRED, asset_number="GD-002")
        db.session.commit()


def run_import(app, text, encoding="utf-8"):
    """The import as the web page and the CLI call it: (summary, problems)."""
    data = text.encode(encoding) if isinstance(text, str) else text
    with app.test_request_context(headers={"Accept-Language": "en"}):
        try:
            return csv_io.import_assets(data), []
        except csv_io.ImportRefused as refused:
            return None, [problem.describe() for problem in refused.problems]


def export(app):
    with app.app_context():
        return csv_io.export_assets()


def snapshot(app):
    with app.app_context():
        return [
            (a.code, a.name, a.name_en, a.kind_id, a.place_id, a.asset_number, a.status,
             a.notes, a.updated_at)
            for a in db.session.scalars(sa.select(Asset).order_by(Asset.id))
        ]


def asset_by_name(app, name):
    with app.app_context():
        asset = db.session.scalar(sa.select(Asset).where(Asset.name == name))
        db.session.expunge(asset)
        return asset


# Export


def test_export_is_excel_friendly_utf8_with_a_header(app, register):
    data = export(app)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(csv_io.COLUMNS)
    assert ["FAN234", "吊扇", "Ceiling fan", "电风扇", "幼儿园 › 教学楼 › 大一班", "GD-001",
            "in_service", ""] in rows
    # Retired assets are part of the register too.
    assert any(row[0] == "SWNG24" and row[6] == "retired" for row in rows)
    assert len(rows) == 4


def test_export_defuses_formulas(app, register):
    with app.app_context():
        make_asset("=HYPERLINK(\"http://evil\")", code="EVXX22")
        db.session.commit()
    rows = list(csv.reader(io.StringIO(export(app).decode("utf-8-sig"))))
    (row,) = [row for row in rows if row[0] == "EVXX22"]
    assert row[1] == "'=HYPERLINK(\"http://evil\")"


def test_export_then_import_changes_nothing(app, register):
    with app.app_context():
        make_asset("'quoted", "+plus", code="QUTE22", place=make_place("=cmd", None))
        db.session.commit()
    before = snapshot(app)
    summary, problems = run_import(app, export(app))
    assert problems == []
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4)
    assert snapshot(app) == before


# Import: creating and updating


def test_import_creates_with_new_given_and_blank_codes(app, register):
    with app.app_context():
        blank = make_blank_code()
        db.session.commit()
        blank = blank.value
    text = HEADER + (
        ",柜式空调,Cabinet AC,electric-fan,幼儿园 › 教学楼 › 大一班,GD-010,,\n"
        f"{blank.lower()},落地扇,,电风扇,幼儿园/教学楼/大一班,,停用,放在门口\n"
        "NEW234,小滑梯,,Slide,操场,,Out of service,\n"
    )
    summary, problems = run_import(app, text)
    assert problems == []
    assert (summary.created, summary.updated) == (3, 0)
    ac = asset_by_name(app, "柜式空调")
    assert ac.status == AssetStatus.IN_SERVICE and ac.asset_number == "GD-010"
    assert len(ac.code) == 6
    fan = asset_by_name(app, "落地扇")
    assert fan.code == blank and fan.status == AssetStatus.OUT_OF_SERVICE
    assert fan.notes == "放在门口" and fan.name_en is None
    assert asset_by_name(app, "小滑梯").code == "NEW234"
    with app.app_context():
        for asset in (ac, fan):
            scan_code = db.session.scalar(sa.select(ScanCode).where(ScanCode.value == asset.code))
            assert scan_code.asset_id == asset.id


def test_import_updates_an_asset_by_its_code(app, register):
    text = HEADER + "fan-234,吊扇,Ceiling fan,electric-fan,RM2222,GD-001,out_of_service,异响\n"
    summary, problems = run_import(app, text)
    assert problems == []
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    fan = asset_by_name(app, "吊扇")
    assert fan.status == AssetStatus.OUT_OF_SERVICE and fan.notes == "异响"


def test_columns_left_out_are_kept(app, register):
    summary, problems = run_import(app, "code,name,kind,place\nFAN234,大吊扇,电风扇,大一班\n")
    assert problems == [] and summary.updated == 1
    fan = asset_by_name(app, "大吊扇")
    assert fan.asset_number == "GD-001" and fan.name_en == "Ceiling fan"
    assert fan.status == AssetStatus.IN_SERVICE


def test_asset_numbers_can_swap_within_one_file(app, register):
    text = HEADER + (
        "FAN234,吊扇,,electric-fan,RM2222,GD-002,,\n"
        "SWNG24,旧滑梯,,slide,操场,GD-001,,\n"
    )
    summary, problems = run_import(app, text)
    assert problems == [] and summary.updated == 2
    assert asset_by_name(app, "吊扇").asset_number == "GD-002"
    assert asset_by_name(app, "旧滑梯").asset_number == "GD-001"


def test_gb18030_and_chinese_headings_are_understood(app, register):
    text = "名称,类别,位置,校产编号,状态\r\n饮水机,电风扇,教学楼 > 大一班,GD-100,在用\r\n"
    summary, problems = run_import(app, text, encoding="gb18030")
    assert problems == [] and summary.created == 1
    assert asset_by_name(app, "饮水机").asset_number == "GD-100"


def test_place_names_with_a_slash_and_paths(app, register):
    text = "name,kind,place\n纸巾架,slide,男/女厕所\n灯,slide,操场 › 办公室\n"
    summary, problems = run_import(app, text)
    assert problems == [] and summary.created == 2


# Import: bad files


def refused(app, text, encoding="utf-8"):
    before = snapshot(app)
    summary, problems = run_import(app, text, encoding)
    assert summary is None
    assert snapshot(app) == before, "a refused import must change nothing"
    return problems


def test_every_bad_row_is_reported_and_nothing_imported(app, register):
    with app.app_context():
        replaced = "SWNG23"
        replace_code(db.session.scalar(sa.select(Asset).where(Asset.code == replaced)))
        db.session.commit()
    text = HEADER + (
        ",好风扇,,electric-fan,大一班,,,\n"                       # 2: fine
        ",风扇,,rocket,大一班,,,\n"                              # 3
        ",风扇,,electric-fan,火星,,,\n"                          # 4
        ",风扇,,electric-fan,大一班,,broken,\n"                  # 5
        "FAN234,吊扇,,electric-fan,大一班,,,\n"                  # 6
        "FAN234,吊扇,,electric-fan,大一班,,,\n"                  # 7: same code again
        ",风扇,,electric-fan,大一班,GD-002,,\n"                  # 8: number of another asset
        "OOPS0,风扇,,electric-fan,大一班,,,\n"                   # 9
        f",{'长' * 121},,electric-fan,大一班,,,\n"               # 10
        ",风扇,,electric-fan\n"                                  # 11: missing columns
        f"{replaced},滑梯,,slide,操场,,,\n"                       # 12
        "RM2222,风扇,,electric-fan,大一班,,,\n"                  # 13: a place's code
        ",,,,,,,\n"                                              # 14: empty row, skipped
        ",风扇,,electric-fan,办公室,,,\n"                        # 15: two places called so
        ",风扇,,,大一班,,,\n"                                     # 16
        ",风扇,,electric-fan,大一班,GD-050,,\n"                  # 17
        ",风扇,,electric-fan,大一班,GD-050,,,x\n"                # 18: extra value
        ",风扇,,electric-fan,大一班,GD-051,,\n"                  # 19
        ",风扇,,electric-fan,大一班,GD-051,,\n"                  # 20: number twice
    )
    problems = refused(app, text)
    lines = [int(problem.split(":")[0].removeprefix("Line ")) for problem in problems]
    assert lines == [3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 15, 16, 18, 20]
    text = "\n".join(problems)
    for expected in (
        "Line 3: Unknown kind “rocket”.",
        "Line 4: Unknown place “火星”.",
        "Line 5: Unknown status “broken”.",
        "Line 7: Code FAN234 is also on line 6.",
        "Line 8: Asset number GD-002 already belongs to asset SWNG24.",
        "Line 9: “OOPS0” is not a Patrol code.",
        "Line 10: “name” is longer than 120 characters.",
        "Line 11: 4 values where the header has 8 columns.",
        "Line 12: Code SWNG23 was replaced",
        "Line 13: Code RM2222 belongs to a place",
        "Line 15: Several places match “办公室”",
        "Line 16: “kind” is empty.",
        "Line 18: More values than the header has columns.",
        "Line 20: Asset number GD-051 is also on line 19.",
    ):
        assert expected in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,kind,where\n风扇,slide,操场\n", ["Line 1: Unknown column “where”.",
                                              "Line 1: Column “place” is missing."]),
        ("name,name,kind,place\n风扇,风扇,slide,操场\n",
         ["Line 1: Column “name” appears twice."]),
        ("code;name;kind;place\n;风扇;slide;操场\n",
         ["Line 1: Unknown column “code;name;kind;place”."]),
        ("", ["The file is empty."]),
        ("\ufeff\r\n\r\n", ["The file is empty."]),
        (HEADER, ["The file has a header but no assets."]),
    ],
)
def test_bad_header_or_empty_file(app, register, text, expected):
    problems = refused(app, text)
    for message in expected:
        assert message in problems
    if "Unknown column" in expected[0]:
        assert any("The columns are: code, name, name_en" in p for p in problems)


def test_binary_or_undecodable_files_are_refused(app, register):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert refused(app, png) == ["This is not a CSV text file (UTF-8 or GB18030)."]
    assert refused(app, b"name,kind,place\n\xff\xfe\xfd,slide,\x80\n") == [
        "This is not a CSV text file (UTF-8 or GB18030)."
    ]


def test_unterminated_quote_is_reported(app, register):
    problems = refused(app, 'name,kind,place\n"风扇,slide,操场\n')
    assert problems and problems[0].startswith("Line 2:")


# The web page


def upload(client, data, filename="register.csv"):
    return client.post(
        "/register/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def admin(client, auth):
    client.set_cookie("lang", "en")
    auth.login()
    return client


def test_web_import_reports_a_summary(app, register, admin):
    response = upload(admin, (HEADER + ",饮水机,,slide,操场,,,\n").encode("utf-8-sig"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/assets"
    page = admin.get("/register/assets").get_data(as_text=True)
    assert "Imported: 1 created, 0 updated, 0 unchanged." in page


def test_web_import_lists_every_problem_escaped(app, register, admin):
    data = HEADER + ",风扇,,<script>x</script>,大一班,,,\n,风扇,,slide,火星,,,\n"
    response = upload(admin, data.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert "Line 2: Unknown kind “&lt;script&gt;x&lt;/script&gt;”." in page
    assert "Line 3: Unknown place “火星”." in page
    assert "<script>x</script>" not in page


def test_web_import_of_an_oversized_file_is_refused(app, register, admin):
    app.config["IMPORT_MAX_BYTES"] = 100
    response = upload(admin, (HEADER + ",饮水机,,slide,操场,,,\n" * 10).encode())
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)


def test_web_import_needs_a_file(app, register, admin):
    response = admin.post("/register/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_web_import_page_and_export_download(app, register, admin):
    page = admin.get("/register/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "asset_number" in page
    response = admin.get("/register/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="patrol-assets-' in response.headers["Content-Disposition"]
    assert response.data == export(app)


def test_web_import_needs_csrf(app, register, admin):
    app.config["WTF_CSRF_ENABLED"] = True
    response = upload(admin, (HEADER + ",饮水机,,slide,操场,,,\n").encode())
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(Asset).where(Asset.name == "饮水机")) is None


# The command line


@pytest.fixture
def english_terminal(monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def test_cli_import_prints_a_summary(app, runner, register, tmp_path, english_terminal):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + ",饮水机,,slide,操场,,,\n", encoding="gb18030")
    result = runner.invoke(args=["assets", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported: 1 created, 0 updated, 0 unchanged." in result.output
    assert asset_by_name(app, "饮水机").place_id is not None


def test_cli_import_of_a_bad_file_imports_nothing(app, runner, register, tmp_path,
                                                  english_terminal):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ",饮水机,,slide,操场,,,\n,风扇,,rocket,操场,,,\n,灯,,slide,,,,\n")
    before = snapshot(app)
    result = runner.invoke(args=["assets", "import", str(path)])
    assert result.exit_code == 1
    assert "Line 3: Unknown kind “rocket”." in result.output
    assert "Line 4: “place” is empty." in result.output
    assert snapshot(app) == before


def test_cli_import_speaks_chinese_on_a_chinese_terminal(app, runner, register, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ",风扇,,rocket,操场,,,\n")
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        with force_locale("zh"):
            expected = gettext("Unknown kind “%(kind)s”.", kind="rocket")
    result = runner.invoke(args=["assets", "import", str(path)])
    assert result.exit_code == 1 and expected in result.output


def test_cli_import_of_a_missing_file(runner, register, tmp_path):
    result = runner.invoke(args=["assets", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0


def test_cli_export_to_a_file_and_to_stdout(app, runner, register, tmp_path):
    path = tmp_path / "out.csv"
    result = runner.invoke(args=["assets", "export", str(path)])
    assert result.exit_code == 0
    assert path.read_bytes() == export(app)
    result = runner.invoke(args=["assets", "export", "-"])
    assert result.exit_code == 0
    assert result.stdout_bytes == export(app)


def test_cli_round_trip_changes_nothing(app, runner, register, tmp_path, english_terminal):
    path = tmp_path / "register.csv"
    runner.invoke(args=["assets", "export", str(path)])
    before = snapshot(app)
    result = runner.invoke(args=["assets", "import", str(path)])
    assert result.exit_code == 0
    assert "0 created, 0 updated, 3 unchanged" in result.output
    assert snapshot(app) == before


def test_an_import_dates_retirements_and_clears_them(app, register):
    text = HEADER + (
        "FAN234,吊扇,,electric-fan,RM2222,GD-001,retired,\n"
        "SWNG24,旧滑梯,,slide,操场,GD-002,in_service,\n"
        ",坏滑梯,,slide,操场,,retired,\n"
    )
    summary, problems = run_import(app, text)
    assert problems == [] and (summary.created, summary.updated) == (1, 2)
    assert asset_by_name(app, "吊扇").retired_at is not None
    assert asset_by_name(app, "旧滑梯").retired_at is None
    assert asset_by_name(app, "坏滑梯").retired_at is not None


def test_a_blank_label_claimed_while_importing_refuses_the_import(app, register, monkeypatch):
    with app.app_context():
        blank = make_blank_code()
        db.session.commit()
        blank = blank.value
    worked_out = csv_io._changes

    def claimed_meanwhile(rows):
        changes = worked_out(rows)
        # Another request claims the label between the checks and the writes.
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(ScanCode).where(ScanCode.value == blank).values(place_id=1)
            )
        return changes

    monkeypatch.setattr(csv_io, "_changes", claimed_meanwhile)
    text = HEADER + f"{blank},落地扇,,electric-fan,大一班,,,\n,灯,,slide,操场,,,\n"
    summary, problems = run_import(app, text)
    assert summary is None
    assert problems == ["The register changed while importing. Please try again."]
    with app.app_context():
        assert db.session.scalar(sa.select(Asset).where(Asset.name.in_(["落地扇", "灯"]))) is None
        assert db.session.scalar(sa.select(ScanCode.place_id).where(ScanCode.value == blank)) == 1


def test_fresh_codes_are_unique_and_new(app, register):
    with app.app_context():
        taken = set(db.session.scalars(sa.select(ScanCode.value)))
        fresh = unused_code_values(2000, reserved={"ABC234"})
    assert len(set(fresh)) == 2000
    assert not set(fresh) & (taken | {"ABC234"})
    assert all(is_well_formed(code) for code in fresh)
