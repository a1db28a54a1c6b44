"""CSV exports: streamed, UTF-8 with a BOM, valid CSV whatever the names, no formula runs."""

import csv
import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Asset,
    Cause,
    Checklist,
    FaultStatus,
    Urgency,
)
from tests.factories import (
    make_asset,
    make_checklist,
    make_fault_at,
    make_inspection,
    make_kind,
    make_place,
    make_staff_report,
)
from tests.test_reports import LOOKS_SOUND, SEPTEMBER_1

FORMULA = '=HYPERLINK("http://x","y")'
COMMA = "a,b"
QUOTES = 'he said "hi"'
LINES = "first line\nsecond line"
OCTOBER = "period=month&month=2025-10"


@pytest.fixture
def hostile(app):
    with app.app_context():
        playground = make_place(COMMA, None)
        room = make_place("教室", "Classroom")
        kind = make_kind()
        slide = make_asset(FORMULA, None, kind=kind, place=playground, registered=SEPTEMBER_1)
        other = make_asset("-滑梯", "Slide elsewhere", kind, room, registered=SEPTEMBER_1)
        routine = make_checklist(kind, (QUOTES, None), items=LOOKS_SOUND, key="slides",
                                 created_at=SEPTEMBER_1)
        make_inspection(slide, routine, date(2025, 10, 6), at=datetime(2025, 10, 6, 1),
                        note=LINES, notes={1: LINES})
        make_inspection(other, routine, date(2025, 10, 6), at=datetime(2025, 10, 6, 1))
        make_inspection(slide, routine, date(2025, 11, 3))  # another month
        make_fault_at(
            FaultStatus.ACCEPTED,
            slide,
            description="@SUM(A1:A2)\n" + QUOTES,
            urgency=Urgency.UNSAFE,
            at=datetime(2025, 10, 6, 2),
            done_at={
                FaultStatus.REPAIRED: datetime(2025, 10, 7, 2),
                FaultStatus.ACCEPTED: datetime(2025, 10, 8, 2),
            },
            cost="88.00",
            cause=Cause.DELIBERATE,
            accepted_as="王主任",
        )
        make_staff_report(other, at=datetime(2025, 10, 9, 2))
        db.session.commit()
        return {"playground": playground.id, "routine": routine.id}


def read(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_inspections_one_row_per_answer_escaped_and_streamed(client, auth, hostile):
    auth.login()
    response = client.get(f"/reports/inspections.csv?{OCTOBER}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = read(response)
    assert header[:3] == ["School day", "Signed at", "Inspection"]
    assert len(rows) == 2  # one answer each; November's is left out
    by_asset = {row[header.index("Asset")]: row for row in rows}
    mine = by_asset["'" + FORMULA]  # defused: a spreadsheet shows it as text
    assert mine[header.index("Place")] == COMMA
    assert mine[header.index("Routine")] == QUOTES
    assert mine[header.index("Note on the inspection")] == LINES
    assert mine[header.index("Note on the item")] == LINES
    assert mine[header.index("Outcome")] == "OK"
    assert mine[header.index("School day")] == "2025-10-06"
    assert mine[header.index("Signed at")] == "2025-10-06 09:00"  # school time, UTC+8
    assert mine[header.index("Signed by")] == "Inspector"
    assert "'-滑梯" in by_asset or "Slide elsewhere" in by_asset


def test_inspections_filtered_by_place(client, auth, hostile):
    auth.login()
    response = client.get(f"/reports/inspections.csv?{OCTOBER}&place={hostile['playground']}")
    header, *rows = read(response)
    assert [row[header.index("Place")] for row in rows] == [COMMA]


def test_faults_one_row_per_fault_with_its_events(client, auth, hostile):
    auth.login()
    response = client.get(f"/reports/faults.csv?{OCTOBER}")
    assert response.is_streamed
    header, *rows = read(response)
    assert len(rows) == 2
    fault = rows[0]
    assert fault[header.index("Description")] == "'@SUM(A1:A2)\n" + QUOTES
    assert fault[header.index("Cost (yuan)")] == "88.00"
    assert fault[header.index("Cause")] == "Deliberate damage"
    assert "double" in fault[header.index("Damage rule")]
    assert fault[header.index("Acceptance signed by")] == "王主任"
    events = fault[header.index("Events")].split("\n")
    assert [event.split(" · ")[1] for event in events] == [
        "Reported", "Assigned", "Repair started", "Repaired and signed off", "Repair accepted"
    ]
    assert events[0].startswith("2025-10-06 10:00")


def test_faults_in_chinese(client, auth, hostile):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    header, *rows = read(client.get(f"/reports/faults.csv?{OCTOBER}"))
    assert header[0] == "故障" and "处理经过" in header
    assert rows[0][header.index("紧急程度")] == "存在安全隐患"


def test_the_register_streamed_for_one_place(client, auth, hostile):
    auth.login()
    response = client.get(f"/reports/register.csv?place={hostile['playground']}")
    assert response.is_streamed
    header, *rows = read(response)
    assert header[:2] == ["code", "name"]
    assert [row[1] for row in rows] == ["'" + FORMULA]
    everything = read(client.get("/reports/register.csv"))
    assert len(everything) == 3
    assert client.get("/register/export.csv").is_streamed


def test_a_large_export_comes_in_pieces(app, client, auth, hostile):
    with app.app_context():
        slide = db.session.scalar(sa.select(Asset).where(Asset.name == FORMULA))
        checklist = db.session.get(Checklist, hostile["routine"])
        for day in range(1, 32):
            for hour in range(10, 18):
                make_inspection(slide, checklist, date(2025, 10, day),
                                at=datetime(2025, 10, day, hour), note="x" * 400,
                                notes={1: "x" * 400})
        db.session.commit()
    auth.login()
    response = client.get(f"/reports/inspections.csv?{OCTOBER}")
    pieces = list(response.response)
    assert len(pieces) > 3  # written while sent, not built whole first
    header, *rows = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8-sig"))))
    assert len(rows) == 2 + 31 * 8


def test_inspections_of_one_routine(client, auth, hostile):
    auth.login()
    response = client.get(f"/reports/inspections.csv?{OCTOBER}&routine={hostile['routine']}")
    header, *rows = read(response)
    assert len(rows) == 2 and {row[header.index("Routine")] for row in rows} == {QUOTES}
    response = client.get(f"/reports/inspections.csv?{OCTOBER}&routine={hostile['routine'] + 1}")
    assert response.status_code == 400 and "There is no such routine" in response.text


def test_the_register_of_a_place_that_does_not_exist(client, auth, hostile):
    auth.login()
    response = client.get("/reports/register.csv?place=12345678901234567890")
    assert response.status_code == 400
    assert "There is no such place" in response.text
    assert 'value="12345678901234567890" selected' in response.text


# Every start a spreadsheet may run as a formula: OWASP's, a line feed, and the full-width
# forms a Chinese input method types (Excel reads ＝1+1 as =1+1).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
EXPORTS = (
    f"/reports/inspections.csv?{OCTOBER}",
    f"/reports/faults.csv?{OCTOBER}",
    "/reports/register.csv",
    "/register/export.csv",
)


@pytest.mark.parametrize("export", EXPORTS)
def test_every_formula_start_is_defused_in_every_export(app, client, auth, export):
    with app.app_context():
        kind = make_kind()
        place = make_place("操场", "Playground")
        routine = make_checklist(kind, ("外观", "Looks"), items=LOOKS_SOUND, key="looks",
                                 created_at=SEPTEMBER_1)
        for start in FORMULA_STARTS:
            asset = make_asset(f"{start}SUM(1)", None, kind=kind, place=place)
            make_inspection(asset, routine, date(2025, 10, 6), at=datetime(2025, 10, 6, 1))
            make_staff_report(asset, f"{start}SUM(2)", at=datetime(2025, 10, 6, 2))
        db.session.commit()
    auth.login()
    cells = [cell for row in read(client.get(export)) for cell in row if "SUM(" in cell]
    assert {cell.removeprefix("'")[0] for cell in cells} == set(FORMULA_STARTS)
    assert all(cell.startswith("'") for cell in cells), cells
