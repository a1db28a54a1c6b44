"""Reports: the figures against a hand-made history, the page, its PDF, and bad input.

The history is October 2025 at a small school (the school's time zone is Asia/Shanghai,
eight hours ahead of the UTC the database keeps):
- two slides on the playground, checked weekly on Mondays (6, 13, 20 and 27 October):
  slide A every Monday, slide B on the 6th and late on the 14th, then missed twice;
  slide A's inspection of the 13th is corrected on the 14th (a correction, not a check);
- a fan in room 101, checked monthly on the 1st: done, with a failed item;
- faults: the unsafe slide B reported on the 20th, repaired on the 22nd (accidental,
  120.50 yuan, a drawn signature) and accepted on the 23rd; the fan reported on the 1st and
  still open; one reported at 23:59 on 30 September and repaired on 2 October (natural wear,
  30 yuan); one reported at 00:30 on 1 November.
"""

import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from app.core.months import month_period
from app.extensions import db
from app.models import (
    Cause,
    Checklist,
    FaultStatus,
    Frequency,
    ItemType,
    PlaceKind,
    Urgency,
)
from app.reports import figures, pdf
from app.reports.choice import MONTH, TERM, Choice, Period
from app.reports.forms import ReportChoiceForm
from app.terms import term_containing
from tests.factories import (
    make_asset,
    make_checklist,
    make_fault_at,
    make_inspection,
    make_kind,
    make_place,
    make_staff_report,
    set_school,
)
from tests.test_inspections import drawn_signature

SEPTEMBER_1 = datetime(2025, 9, 1, 1, 0)
TODAY = date(2025, 11, 15)
OCTOBER = {"period": "month", "month": "2025-10"}
# Every routine here asks one thing.
LOOKS_SOUND = ({"type": ItemType.CHECK, "text": "外观完好", "text_en": "Looks sound"},)


def build_history():
    site = make_place("阳光幼儿园", "Sunshine", kind=PlaceKind.SITE)
    playground = make_place("操场", "Playground", parent=site)
    building = make_place("教学楼", "Main building", kind=PlaceKind.BUILDING, parent=site)
    room = make_place("101室", "Room 101", kind=PlaceKind.ROOM, parent=building)
    slide_kind = make_kind()
    fan_kind = make_kind("fan", "电风扇", "Electric fan")
    slide_a = make_asset("滑梯A", "Slide A", slide_kind, playground, registered=SEPTEMBER_1)
    slide_b = make_asset("滑梯B", "Slide B", slide_kind, playground, registered=SEPTEMBER_1)
    fan = make_asset("电风扇", "Fan", fan_kind, room, registered=SEPTEMBER_1)
    slides = make_checklist(slide_kind, ("滑梯每周检查", "Weekly slide check"),
                            items=LOOKS_SOUND, key="slides", created_at=SEPTEMBER_1)
    fans = make_checklist(fan_kind, ("电风扇每月检查", "Monthly fan check"), Frequency.MONTHLY,
                          LOOKS_SOUND, key="fans", created_at=SEPTEMBER_1)
    for day in (6, 13, 20, 27):
        done = make_inspection(slide_a, slides, date(2025, 10, day))
        if day == 13:
            thirteenth = done
    make_inspection(slide_a, slides, date(2025, 10, 14), corrects=thirteenth)
    make_inspection(slide_b, slides, date(2025, 10, 6))
    make_inspection(slide_b, slides, date(2025, 10, 14))
    make_inspection(fan, fans, date(2025, 10, 1), passed=False)
    make_inspection(slide_a, slides, date(2025, 11, 3))  # November: not October's

    unsafe = make_fault_at(
        FaultStatus.ACCEPTED,
        slide_b,
        description="护栏松动",
        urgency=Urgency.UNSAFE,
        at=datetime(2025, 10, 20, 2),
        done_at={
            FaultStatus.REPAIRED: datetime(2025, 10, 22, 3),
            FaultStatus.ACCEPTED: datetime(2025, 10, 23, 4),
        },
        cost="120.50",
        cause=Cause.ACCIDENTAL,
        drawn=drawn_signature(),
    )
    make_staff_report(fan, at=datetime(2025, 10, 1, 2))
    make_fault_at(
        FaultStatus.REPAIRED,
        fan,
        at=datetime(2025, 9, 30, 15, 59),
        done_at=datetime(2025, 10, 2, 3),
        cost="30",
        cause=Cause.NATURAL_WEAR,
    )
    make_staff_report(slide_a, at=datetime(2025, 10, 31, 16, 30))
    db.session.commit()
    return {"playground": playground.id, "room": room.id, "building": building.id,
            "slides": slides.id, "fans": fans.id, "unsafe": unsafe.id}


@pytest.fixture
def history(app):
    with app.app_context():
        return build_history()


def month_choice(year, month, place=None, checklist=None):
    start, end = month_period(year, month)
    return Choice(Period(MONTH, start, end, f"{year}-{month:02d}"), place, checklist)


def term_choice(day):
    term = term_containing(day)
    return Choice(Period(TERM, term.start, term.end, term.start.isoformat(), term))


def test_a_month_of_figures(app, history):
    with app.test_request_context():
        report = figures.build_report(month_choice(2025, 10), TODAY)
        assert (report.total.due, report.total.done, report.total.missed, report.total.open) == (
            9, 7, 2, 0
        )
        assert report.rate == pytest.approx(7 / 9)
        by_routine = {row.checklist.key: row for row in report.routines}
        assert (by_routine["slides"].counts.due, by_routine["slides"].counts.done) == (8, 6)
        assert (by_routine["slides"].recorded, by_routine["slides"].failed) == (6, 0)
        assert (by_routine["fans"].counts.due, by_routine["fans"].counts.done) == (1, 1)
        assert (by_routine["fans"].recorded, by_routine["fans"].failed) == (1, 1)
        assert (report.recorded, report.failed, report.corrections) == (7, 1, 1)
        assert [(m.asset.name, m.counts.missed) for m in report.misses.rows] == [("滑梯B", 2)]
        assert report.misses.rows[0].counts.missed_on == [date(2025, 10, 20), date(2025, 10, 27)]
        assert [(p.path, p.counts.due, p.counts.done) for p in report.places] == [
            ("阳光幼儿园 › 操场", 8, 6),
            ("阳光幼儿园 › 教学楼 › 101室", 1, 1),
        ]
        assert len(report.asset_rows) == 3

        # Faults reported in October: not the one at 23:59 on 30 September, nor 00:30 on 1 Nov.
        assert report.faults_raised == 2
        assert report.faults_by_urgency[Urgency.UNSAFE][FaultStatus.ACCEPTED] == 1
        assert report.faults_by_urgency[Urgency.NEEDS_REPAIR][FaultStatus.REPORTED] == 1
        # Repairs finished in October: including the one reported in September.
        assert report.repairs_finished == 2
        assert [(c.cause, c.repairs, str(c.cost)) for c in report.causes] == [
            (Cause.NATURAL_WEAR, 1, "30.00"),
            (Cause.ACCIDENTAL, 1, "120.50"),
        ]
        assert "照价赔偿" in report.causes[1].rule  # the default rule, in Chinese
        assert str(report.total_cost) == "150.50"
        assert [(s.name, s.signed) for s in report.signers] == [("Inspector", 8)]
        assert len(report.inspections) == 8
        assert len(report.signature_ids()) == 2  # the drawn repair and acceptance
        assert not report.nothing_happened


def test_one_place_and_one_routine(app, history):
    with app.test_request_context():
        from app.models import Place

        playground = db.session.get(Place, history["playground"])
        report = figures.build_report(month_choice(2025, 10, place=playground), TODAY)
        assert (report.total.due, report.total.done, report.total.missed) == (8, 6, 2)
        assert report.faults_raised == 1 and report.repairs_finished == 1
        assert str(report.total_cost) == "120.50"

        building = db.session.get(Place, history["building"])
        inside = figures.build_report(month_choice(2025, 10, place=building), TODAY)
        assert (inside.total.due, inside.total.done, inside.failed) == (1, 1, 1)
        assert inside.faults_raised == 1 and str(inside.total_cost) == "30.00"

        fans = db.session.get(Checklist, history["fans"])
        routine = figures.build_report(month_choice(2025, 10, checklist=fans), TODAY)
        assert [row.checklist.key for row in routine.routines] == ["fans"]
        assert (routine.total.due, routine.recorded, routine.corrections) == (1, 1, 0)
        assert routine.faults_raised == 1 and routine.repairs_finished == 1


def test_a_term_counts_up_to_today_and_takes_in_both_month_ends(app, history):
    with app.test_request_context():
        report = figures.build_report(term_choice(date(2025, 10, 1)), TODAY)
        assert report.choice.period.start == date(2025, 9, 1)
        assert report.counted_until == TODAY
        # Mondays from 1 September to 10 November: 11 for each slide; the fan on the 1st of
        # September, October and November.
        assert report.total.due == 11 * 2 + 3
        assert (report.total.done, report.total.missed) == (8, 17)  # October's 7, and 3 Nov
        assert report.faults_raised == 4
        assert report.recorded == 8
        assert report.repairs_finished == 2


def test_an_empty_period_says_so(app, history, client, auth, prepared_pdf):
    with app.test_request_context():
        report = figures.build_report(month_choice(2025, 6), TODAY)
        assert report.nothing_happened
    auth.login()
    page = client.get("/reports/report?period=month&month=2025-06")
    assert page.status_code == 200
    assert "Nothing was due and nothing happened in this period" in page.text
    document = prepared_pdf("period=month&month=2025-06")
    assert document.status_code == 200
    assert "Nothing was due and nothing happened" in pdf_text(document.data)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_page_in_english(app, history, client, auth):
    set_school(app, name="阳光幼儿园", name_en="Sunshine Kindergarten")
    auth.login()
    page = client.get("/reports/report?period=month&month=2025-10")
    assert page.status_code == 200
    text = page.text
    assert "Monthly report: checks, faults and repairs" in text
    assert "Sunshine Kindergarten" in text and "October 2025" in text
    assert "Generated" in text and "by Admin" in text
    assert "Weekly slide check" in text and "¥150.50" in text
    assert "/faults/signatures/" in text  # the drawn repair signature is shown
    assert '<nav class="actions no-print">' in text
    assert "Missed on 20 Oct 2025, 27 Oct 2025" in text


def test_the_title_block_has_no_school_name_until_one_is_set(app, history, client, auth):
    auth.login()
    text = client.get("/reports/report?period=month&month=2025-10").text
    assert '<p class="school">' not in text and "Patrol ·" not in text


def test_the_page_and_pdf_in_chinese(app, history, client, auth, prepared_pdf):
    set_school(app, name="阳光幼儿园")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    page = client.get("/reports/report?period=month&month=2025-10")
    assert "月度报表" in page.text and "2025年10月" in page.text and "阳光幼儿园" in page.text
    assert "滑梯每周检查" in page.text
    document = prepared_pdf("period=month&month=2025-10")
    assert document.status_code == 200
    assert document.mimetype == "application/pdf"
    assert "attachment" in document.headers["Content-Disposition"]
    text = pdf_text(document.data)
    assert "月度报表" in text and "2025年10月" in text and "阳光幼儿园" in text
    assert "滑梯每周检查" in text and "150.50" in text
    assert "漏检日期：2025/10/20, 2025/10/27" in text
    reader = PdfReader(io.BytesIO(document.data))
    assert all(_fonts_embedded(page) for page in reader.pages)
    images = [name for page in reader.pages for name in _images(page)]
    assert len(images) >= 2  # the drawn repair and acceptance signatures


def test_the_pdf_is_laid_out_by_the_report_stylesheet(app, history, client, auth, prepared_pdf,
                                                      static_url):
    """The page names report.css by its hashed name; the PDF's fetcher finds the file by it."""
    auth.login()
    page = client.get("/reports/report?period=month&month=2025-10").text
    assert static_url("css/report.css") in page
    document = prepared_pdf("period=month&month=2025-10")
    pages = PdfReader(io.BytesIO(document.data)).pages
    # report.css numbers the pages at their foot: "1 / 3".
    assert f"1 / {len(pages)}" in pages[0].extract_text()


def _fonts_embedded(page) -> bool:
    fonts = page["/Resources"].get("/Font", {})
    for font in fonts.values():
        font = font.get_object()
        descriptor = (
            font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if "/DescendantFonts" in font
            else font["/FontDescriptor"]
        ).get_object()
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            return False
    return True


def _images(page):
    resources = page["/Resources"]
    objects = resources.get("/XObject", {})
    return [name for name, item in objects.items() if item.get_object()["/Subtype"] == "/Image"]


def test_a_pdf_without_a_chinese_font_is_still_made(app, history, client, auth, prepared_pdf,
                                                    monkeypatch, caplog):
    monkeypatch.setattr(pdf, "cjk_font_installed", lambda: False)
    auth.login()
    page = client.get("/reports/report?period=month&month=2025-10")
    assert "The server has no Chinese font" in page.text
    document = prepared_pdf("period=month&month=2025-10")
    assert document.status_code == 200 and document.data.startswith(b"%PDF")
    assert "No CJK font is installed" in caplog.text


def test_the_font_check_agrees_with_fontconfig():
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig's fc-list is not installed")
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert pdf.cjk_font_installed() is bool(listed.strip())
    if os.environ.get("CI"):
        assert listed.strip(), ".ci/run installs fonts-noto-cjk"


@pytest.mark.parametrize(
    "url",
    [
        "/reports/",
        "/reports/report?period=month&month=2025-10",
        "/reports/report.pdf?period=month&month=2025-10",
        "/reports/inspections.csv?period=month&month=2025-10",
        "/reports/faults.csv?period=month&month=2025-10",
        "/reports/register.csv",
    ],
)
def test_only_admins_see_reports(app, client, auth, url):
    signed_out = client.get(url)
    assert signed_out.status_code == 302 and signed_out.location.startswith("/login?next=")
    for username in ("inspector", "repairer"):
        auth.login(username)
        assert client.get(url).status_code == 403
        auth.logout()
    auth.login("admin")
    assert client.get(url).status_code == 200


BAD_INPUT = [
    ({"period": "month", "month": "2025-13"}, "month", "There is no month 13"),
    ({"period": "month", "month": "0-05"}, "month", "There is no report for the year 0"),
    ({"period": "month", "month": "last month"}, "month", "Write the month as year-month"),
    ({"period": "month", "month": "99999-01"}, "month", "There is no report for the year 99999"),
    ({"period": "month", "month": "2100-01"}, "month", "That month has not begun yet"),
    ({"period": "month", "month": "9999-01"}, "month", "There is no report for the year 9999"),
    ({"period": "month", "month": ""}, "month", "Choose the month."),
    ({"period": "term", "term": "2025-02-30"}, "term", "Choose a term from the list."),
    ({"period": "term", "term": "autumn"}, "term", "Choose a term from the list."),
    ({"period": "week"}, "period", "Choose a month or a term."),
    ({**OCTOBER, "place": "999999"}, "place", "There is no such place"),
    ({**OCTOBER, "place": "99999999999999999999"}, "place", "There is no such place"),
    ({**OCTOBER, "place": "-1"}, "place", "There is no such place"),
    ({**OCTOBER, "routine": "abc"}, "routine", "There is no such routine"),
]


@pytest.mark.parametrize(("args", "field", "message"), BAD_INPUT)
@pytest.mark.parametrize(
    "path", ["/reports/report", "/reports/report.pdf", "/reports/inspections.csv", "/reports/"]
)
def test_bad_input_is_refused_in_words_and_kept(app, client, auth, args, field, message, path):
    auth.login()
    response = client.get(path, query_string=args)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in response.text
    typed = args.get(field)
    if typed and field in ("month", "place", "routine"):
        assert f'value="{typed}"' in response.text


def test_a_future_month_or_term_is_refused(app, client, auth):
    auth.login()
    with app.app_context():
        next_term = term_containing(term_containing(date.today()).end + timedelta(days=1))
    today = date.today()
    next_month = f"{today.year + (today.month == 12)}-{today.month % 12 + 1:02d}"
    response = client.get("/reports/report", query_string={"period": "month",
                                                           "month": next_month})
    assert response.status_code == 400
    assert "That month has not begun yet" in response.text
    assert f'value="{next_month}"' in response.text
    response = client.get("/reports/report", query_string={"period": "term",
                                                           "term": next_term.start.isoformat()})
    assert response.status_code == 400 and "That term has not begun yet" in response.text


def test_bad_input_in_chinese(app, client, auth):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    response = client.get("/reports/report", query_string={"period": "month", "month": "2025-13"})
    assert response.status_code == 400
    assert "没有 13 月" in response.text
    assert 'value="2025-13"' in response.text


def test_months_written_by_hand(app):
    with app.test_request_context():
        for typed in ("2025-10", "2025/10", "2025.10", "2025年10月", " 2025-10-17 "):
            form = ReportChoiceForm(TODAY, MultiDict({"period": "month", "month": typed}))
            assert form.validate() and form.errors == {}, typed
            assert form.choice.period.start == date(2025, 10, 1)
            assert form.choice.period.end == date(2025, 10, 31)
        form = ReportChoiceForm(TODAY, MultiDict({"period": "term", "term": "2025-10-15"}))
        assert form.validate()
        term = form.choice.period
        assert (term.start, term.end) == (date(2025, 9, 1), date(2026, 1, 31))


def test_the_picker_offers_months_terms_places_and_routines(app, history, client, auth):
    auth.login()
    page = client.get("/reports/")
    assert page.status_code == 200
    assert 'type="month"' in page.text
    assert 'name="term"' in page.text and 'value="2025-09-01"' in page.text
    assert "Room 101" in page.text and "Weekly slide check" in page.text
    assert re.search(r'<a href="/reports/">Reports</a>', client.get("/").text)


def test_queries_do_not_grow_with_the_history(app, history):
    counted = []

    def count(*_args):
        counted.append(1)

    with app.test_request_context():
        choice = month_choice(2025, 10)
        figures.build_report(choice, TODAY)  # warm: the routines and settings are read once
        sa.event.listen(db.engine, "before_cursor_execute", count)
        figures.build_report(choice, TODAY)
        small = len(counted)
        sa.event.remove(db.engine, "before_cursor_execute", count)

        from app.models import Asset

        slide = db.session.scalar(sa.select(Asset).where(Asset.name == "滑梯B"))
        routine = db.session.get(Checklist, history["slides"])
        for day in range(1, 31):
            make_inspection(slide, routine, date(2025, 10, day), at=datetime(2025, 10, day, 5))
            make_fault_at(
                FaultStatus.REPAIRED,
                slide,
                at=datetime(2025, 10, day, 3),
                done_at=datetime(2025, 10, day, 6),
                cost="1",
                cause=Cause.DELIBERATE,
                drawn=drawn_signature(),
            )
        db.session.commit()
        db.session.expire_all()
        figures.build_report(choice, TODAY)
        counted.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        bigger = figures.build_report(choice, TODAY)
        sa.event.remove(db.engine, "before_cursor_execute", count)
        assert bigger.repairs_finished == 32
        assert len(counted) == small


def test_the_page_prints_on_a4_without_menus(app, history, client, auth, static_url):
    auth.login()
    page = client.get("/reports/report?period=month&month=2025-10").text
    assert static_url("css/report.css") in page
    stylesheet = client.get("/static/css/report.css").text
    assert "size: A4" in stylesheet
    assert ".topbar, .no-print" in stylesheet and "display: table-header-group" in stylesheet
    assert page.count("<thead>") >= 5
