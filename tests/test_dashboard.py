"""The admin's dashboard: every figure against a hand-made history, and the lists behind them.

The school, on Wednesday 25 November 2026 (the week began on Monday the 23rd):
- Weekly slide check (Mondays): slide 1 done Monday, slide 2 done Tuesday, slide 3 not done:
  2 of 3 done, 1 overdue. A retired slide 4 is not counted.
- Monthly fan check (the 1st, 7 days' grace): fan 1 done on the 2nd, fan 2 never: 1 of 2
  done, 1 overdue (since 1 November), so it is still in this week.
- Monthly light check on the 24th with 3 days' grace: fan 1 done yesterday, fan 2 not yet:
  1 of 2 done, 1 due.
- Monthly tidy on the 10th: both fans done on the 10th, nothing due this week: not shown.
- Yearly gauge reading (1 January): every gauge read this year, so not in the week either;
  its readings are what the rising flag looks at.
- Open faults, as of now: unsafe 2 hours old, needs repair 3 days old, needs repair 10 days
  old, unsafe 8 days old (it took slide 3 out of service). Fan 1 is out of service with no
  open fault.
- Repairs accepted in November (school time, Asia/Shanghai): 48 h and 24 h, mean 36 h; one
  accepted on 31 October local time and one on 1 December local time are not counted.
"""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import routines
from app import settings as school_settings
from app.dashboard.figures import (
    build_dashboard,
    faults_per_week,
    in_walking_order,
    unsafe_not_taken,
    week_checks,
)
from app.dashboard.readings import rising_readings, rose_too_fast
from app.extensions import db
from app.faults.lifecycle import assign
from app.models import (
    Asset,
    AssetStatus,
    Checklist,
    Fault,
    FaultStatus,
    Frequency,
    ItemType,
    PlaceKind,
    Urgency,
)
from app.models.common import utcnow
from tests.factories import (
    make_asset,
    make_checklist,
    make_fault_at,
    make_inspection,
    make_kind,
    make_place,
    make_public_report,
    make_staff_report,
    user,
)
from tests.test_demo_routines import MONDAY as DEMO_MONDAY
from tests.test_demo_routines import seeded  # noqa: F401  (the seeded demo, for a test)
from tests.test_inspections_records import queries

MONDAY = date(2026, 11, 23)
TODAY = date(2026, 11, 25)
TIMEZONE = "Asia/Shanghai"
REGISTERED = datetime(2026, 8, 1)
GAUGE_ITEMS = [
    {"type": ItemType.READING, "text": "裂缝宽度", "text_en": "Crack width", "unit": "mm",
     "min_value": 0, "max_value": 3.0},
    {"type": ItemType.READING, "text": "室温", "text_en": "Room temperature", "unit": "°C"},
]
# Gauge readings (crack width, room temperature) in date order: what each case is.
GAUGES = {
    "exactly the share": [(1.2, 10), (1.8, 50)],  # +0.6 of 3.0: 20 %, not more
    "steep rise": [(1.0, 10), (1.7, 11)],  # +0.7: 23.3 %
    "a fall": [(2.0, 10), (1.5, 10)],
    "first reading": [(1.0, 10)],
    "already over": [(1.0, 10), (3.2, 10)],  # a fault already, not a warning
}


@pytest.fixture
def school(app):
    with app.app_context():
        playground = make_place(name="操场", name_en="Playground")
        building = make_place(name="教学楼", name_en="Teaching building", kind=PlaceKind.BUILDING)
        room = make_place(name="101", name_en="Room 101", kind=PlaceKind.ROOM, parent=building)
        slide, fan, gauge = make_kind(), make_kind("fan", "风扇", "Fan"), make_kind(
            "gauge", "观测点", "Gauge"
        )
        slides = [
            make_asset(f"滑梯 {n}", f"Slide {n}", kind=slide, place=playground) for n in (1, 2, 3)
        ]
        make_asset("滑梯 4", "Slide 4", kind=slide, place=playground, status=AssetStatus.RETIRED)
        fans = [make_asset(f"风扇 {n}", f"Fan {n}", kind=fan, place=room) for n in (1, 2)]
        gauges = {
            case: make_asset(f"观测点 {n}", f"Gauge {n}", kind=gauge, place=building)
            for n, case in enumerate(GAUGES, start=1)
        }

        slide_check = make_checklist(slide, ("滑梯周检", "Weekly slide check"))
        fan_check = make_checklist(
            fan, ("风扇月检", "Monthly fan check"), Frequency.MONTHLY, day_of_month=1, grace_days=7
        )
        light_check = make_checklist(
            fan, ("灯具月检", "Monthly light check"), Frequency.MONTHLY, day_of_month=24,
            grace_days=3,
        )
        tidy = make_checklist(
            fan, ("月度整理", "Monthly tidy"), Frequency.MONTHLY, day_of_month=10
        )
        reading = make_checklist(
            gauge, ("观测读数", "Yearly gauge reading"), Frequency.YEARLY, month=1, day_of_month=1,
            items=GAUGE_ITEMS,
        )
        make_inspection(slides[0], slide_check, MONDAY)
        make_inspection(slides[1], slide_check, MONDAY + timedelta(days=1))
        # Last week's: not this week's.
        make_inspection(slides[2], slide_check, MONDAY - timedelta(days=7))
        make_inspection(fans[0], fan_check, date(2026, 11, 2))
        make_inspection(fans[1], fan_check, date(2026, 10, 2))
        make_inspection(fans[0], light_check, date(2026, 11, 24))
        for one in fans:
            make_inspection(one, tidy, date(2026, 11, 10))
        for case, series in GAUGES.items():
            for month, (width, temperature) in enumerate(series, start=9):
                make_inspection(gauges[case], reading, date(2026, month, 3),
                                readings={1: width, 2: temperature})
        # A steep rise that was corrected: the correction's reading stands, and it is no rise.
        corrected_gauge = make_asset("观测点 9", "Gauge 9", kind=gauge, place=building)
        make_inspection(corrected_gauge, reading, date(2026, 9, 3), readings={1: 1.0, 2: 10})
        wrong = make_inspection(
            corrected_gauge, reading, date(2026, 10, 3), readings={1: 2.5, 2: 10}
        )
        make_inspection(corrected_gauge, reading, date(2026, 10, 3), readings={1: 1.1, 2: 10},
                        at=datetime(2026, 10, 3, 2, 0), corrects=wrong)

        # In the register and the routines since before the term, so the term counts them all.
        for record in (*slides, *fans, *gauges.values(), corrected_gauge):
            record.created_at = record.updated_at = REGISTERED
        for routine in (slide_check, fan_check, light_check, tidy, reading):
            routine.created_at = REGISTERED
        retired = db.session.scalar(sa.select(Asset).where(Asset.name_en == "Slide 4"))
        retired.created_at = retired.retired_at = REGISTERED

        now = utcnow()

        def fault(asset, urgency, age, **extra):
            return make_staff_report(
                asset, f"{asset.name_en} broken", urgency, at=now - age, **extra
            )

        fault(slides[0], Urgency.UNSAFE, timedelta(hours=2))
        fault(slides[2], Urgency.NEEDS_REPAIR, timedelta(days=3))
        fault(fans[1], Urgency.NEEDS_REPAIR, timedelta(days=10))
        why = fault(slides[2], Urgency.UNSAFE, timedelta(days=8), take_out_of_service=True)
        fans[0].status = AssetStatus.OUT_OF_SERVICE
        for reported, accepted in (
            (datetime(2026, 11, 2, 8), datetime(2026, 11, 4, 8)),  # 48 h
            (datetime(2026, 11, 10), datetime(2026, 11, 11)),  # 24 h
            (datetime(2026, 10, 20), datetime(2026, 10, 31, 15)),  # 31 Oct 23:00 in Shanghai
            (datetime(2026, 11, 20), datetime(2026, 11, 30, 17)),  # 1 Dec 01:00 in Shanghai
        ):
            make_fault_at(FaultStatus.ACCEPTED, fans[1], description="Fan 2 broken",
                          at=reported, done_at=accepted)
        db.session.commit()
        yield {
            "routines": {
                "slide": slide_check.id, "fan": fan_check.id, "light": light_check.id,
                "tidy": tidy.id,
            },
            "slides": [s.id for s in slides],
            "fans": [f.id for f in fans],
            "gauges": {case: g.id for case, g in gauges.items()},
            "why": why.id,
        }


def on(monkeypatch, day=TODAY):
    monkeypatch.setattr(routines, "today", lambda: day)


def figures():
    return build_dashboard(TODAY, utcnow(), TIMEZONE)


@pytest.mark.parametrize("whole_school", [500, 1])
def test_this_weeks_routines_done_due_and_overdue(app, school, monkeypatch, whole_school):
    # With a threshold of 1, the last inspections are read for every asset, not by id.
    monkeypatch.setattr(routines, "WHOLE_SCHOOL", whole_school)
    with app.app_context():
        weeks = {
            w.checklist.name_en: (w.done, w.due, w.overdue, w.total) for w in figures().routines
        }
    assert weeks == {
        "Weekly slide check": (2, 0, 1, 3),
        "Monthly fan check": (1, 0, 1, 2),
        "Monthly light check": (1, 1, 0, 2),
    }


def test_routines_done_this_week_are_counted_not_listed(app, school):
    with app.app_context():
        make_inspection(db.session.get(Asset, school["fans"][1]),
                        db.session.get(Checklist, school["routines"]["light"]), TODAY)
        db.session.commit()
        dashboard = figures()
    assert [w.checklist.name_en for w in dashboard.routines] == [
        "Monthly fan check",
        "Weekly slide check",
    ]
    assert dashboard.routines_done == 1


def test_routines_with_a_check_overdue_are_listed_before_those_only_due(app, school):
    with app.app_context():
        due_only = make_checklist(
            db.session.get(Checklist, school["routines"]["slide"]).kind,
            ("滑梯日查", "A daily slide look"), Frequency.DAILY,
        )
        due_only.created_at = REGISTERED
        db.session.commit()
        names = [w.checklist.name_en for w in figures().routines]
    assert names == [
        "Monthly fan check", "Weekly slide check", "A daily slide look", "Monthly light check"
    ]


def test_unsafe_faults_nobody_has_taken_oldest_first(app, school):
    with app.app_context():
        count, faults = unsafe_not_taken()
        assert count == 2
        assert [f.asset.name_en for f in faults] == ["Slide 3", "Slide 1"]
        taken = db.session.get(Fault, school["why"])
        assign(taken, user("repairer"), user("admin"))
        db.session.commit()
        count, faults = unsafe_not_taken()
        assert (count, [f.asset.name_en for f in faults]) == (1, ["Slide 1"])


def test_faults_per_week_count_school_weeks_and_the_unsafe_among_them(app):
    with app.app_context():
        slide = make_asset()
        for reported_at, urgency, status in (
            # Sunday 22 Nov 17:00 UTC is Monday 23 Nov 01:00 at the school: this week's.
            (datetime(2026, 11, 22, 17), Urgency.UNSAFE, FaultStatus.REPORTED),
            (datetime(2026, 11, 24, 3), Urgency.NEEDS_REPAIR, FaultStatus.ACCEPTED),
            (datetime(2026, 11, 24, 4), Urgency.NEEDS_REPAIR, FaultStatus.DISMISSED),  # a prank
            (datetime(2026, 11, 22, 15), Urgency.NEEDS_REPAIR, FaultStatus.REPORTED),  # Sun 23:00
            (datetime(2026, 11, 2), Urgency.UNSAFE, FaultStatus.REPORTED),
            (datetime(2026, 9, 1), Urgency.UNSAFE, FaultStatus.REPORTED),  # before the weeks shown
            (datetime(2026, 11, 25, 17), Urgency.UNSAFE, FaultStatus.REPORTED),  # tomorrow there
        ):
            if status == FaultStatus.DISMISSED:
                make_fault_at(status, fault=make_public_report(
                    slide, "broken", take_out_of_service=False, at=reported_at
                ))
            else:
                make_fault_at(status, slide, description="broken", urgency=urgency,
                              at=reported_at)
        db.session.commit()
        weeks = faults_per_week(TODAY, TIMEZONE, weeks=4)
    assert [(w.monday, w.reported, w.unsafe) for w in weeks] == [
        (date(2026, 11, 2), 1, 1),
        (date(2026, 11, 9), 0, 0),
        (date(2026, 11, 16), 1, 0),
        (MONDAY, 2, 1),
    ]


def test_overdue_list_longest_overdue_first(app, school):
    with app.app_context():
        dashboard = figures()
        shown = [(e.asset.name_en, e.checklist.name_en, e.occurrence.due_date)
                 for e in dashboard.overdue]
    assert dashboard.overdue_count == 2
    assert shown == [
        ("Fan 2", "Monthly fan check", date(2026, 11, 1)),
        ("Slide 3", "Weekly slide check", MONDAY),
    ]


def test_open_faults_by_urgency_and_age(app, school):
    with app.app_context():
        faults = figures().faults
    assert faults.total == 4
    assert faults.by_urgency == {Urgency.UNSAFE: 2, Urgency.NEEDS_REPAIR: 2}
    assert faults.by_age == {"day": 1, "week": 1, "older": 2}


def test_repair_time_this_school_month(app, school):
    with app.app_context():
        repairs = figures().repairs
        december = build_dashboard(date(2026, 12, 3), utcnow(), TIMEZONE).repairs
        september = build_dashboard(date(2026, 9, 3), utcnow(), TIMEZONE).repairs
    assert (repairs.month, repairs.count, repairs.mean) == ("2026-11", 2, timedelta(hours=36))
    assert (december.count, december.mean) == (1, timedelta(days=10, hours=17))
    assert (september.count, september.mean) == (0, None)


def test_out_of_service_with_why(app, school):
    with app.app_context():
        dashboard = figures()
        shown = {o.asset.name_en: o.fault.id if o.fault else None for o in dashboard.out_of_service}
    assert dashboard.out_of_service_count == 2
    assert shown == {"Slide 3": school["why"], "Fan 1": None}


def test_completion_over_the_term_so_far(app, school):
    """Autumn term from 1 September; as of 25 November (see the module for the history)."""
    with app.app_context():
        term = figures().term
        shown = {
            r.checklist.name_en: (r.due, r.done, r.open, r.missed, round(r.rate * 100, 1))
            for r in term.routines
        }
    assert (term.term.start, term.term.end) == (date(2026, 9, 1), date(2027, 1, 31))
    assert shown == {
        # 12 Mondays from 7 September, three slides (the retired one left out).
        "Weekly slide check": (36, 3, 0, 33, 8.3),
        # 1 September, October and November, two fans.
        "Monthly fan check": (6, 2, 0, 4, 33.3),
        # Fan 2's check of the 24th is in its days of grace: still due, out of the rate.
        "Monthly light check": (6, 1, 1, 4, 20.0),
        "Monthly tidy": (6, 2, 0, 4, 33.3),
    }  # the yearly gauge reading has no due date in the term


def test_rising_readings_flag_only_a_rise_beyond_the_share(app, school):
    gauges = school["gauges"]
    with app.app_context():
        flagged = rising_readings(20)
        assert [(r.asset.id, r.item.text_en, r.previous, r.latest) for r in flagged] == [
            (gauges["steep rise"], "Crack width", 1.0, 1.7)
        ]
        assert round(flagged[0].share_of_limit, 1) == 23.3
        assert flagged[0].previous_day == date(2026, 9, 3)
        assert flagged[0].latest_day == date(2026, 10, 3)
        # Just below the share, the rise of exactly 20 % is flagged too; nothing else is.
        assert {r.asset.id for r in rising_readings(19)} == {
            gauges["steep rise"], gauges["exactly the share"]
        }
        assert rising_readings(24) == []


@pytest.mark.parametrize(
    ("previous", "latest", "low", "high", "share", "flagged"),
    [
        (1.2, 1.8, 0, 3.0, 20, False),  # exactly the share: not more than it
        (1.2, 1.81, 0, 3.0, 20, True),
        (0.1, 0.7, None, 3.0, 20, False),  # 0.1 → 0.7 is 0.6 exactly, whatever floats say
        (1.8, 1.2, 0, 3.0, 20, False),  # a fall
        (1.0, 3.2, 0, 3.0, 20, False),  # over the limit: a fault already
        (1.0, 3.0, 0, 3.0, 20, True),  # at the limit is still in range
        (-5.0, -1.0, -10, None, 20, False),  # no upper limit
        (1.0, 9.0, None, None, 20, False),  # no limit at all
        (-3.0, -1.0, None, 0.0, 20, False),  # a limit of zero has no share to measure
        (121, 125, 121, None, 1, False),  # only a lower limit
        (1.0, 1.1, 0, 3.0, 1, True),  # 3.3 % > 1 %
        (1.0, 4.0, 0, 3.0, 100, False),
        (0.0, 3.0, 0, 3.0, 99, True),
    ],
)
def test_rose_too_fast_edges(previous, latest, low, high, share, flagged):
    assert rose_too_fast(previous, latest, low, high, share) is flagged


def test_dashboard_queries_do_not_grow_with_history(app, client, auth, school, monkeypatch):
    on(monkeypatch)
    auth.login()
    client.get("/")  # the first page after signing in also loads what the session caches
    _, before = queries(app, lambda: client.get("/"))
    with app.app_context():
        check = db.session.get(Checklist, school["routines"]["slide"])
        for asset_id in school["slides"]:
            for weeks in range(2, 40):
                make_inspection(
                    db.session.get(Asset, asset_id), check, MONDAY - timedelta(weeks=weeks)
                )
        for _ in range(30):
            make_fault_at(FaultStatus.ACCEPTED, db.session.get(Asset, school["fans"][1]),
                          description="old", at=datetime(2026, 5, 1),
                          done_at=datetime(2026, 5, 2))
        db.session.commit()
    response, after = queries(app, lambda: client.get("/"))
    assert response.status_code == 200
    assert after == before


# The page and the lists behind its numbers.


def links(page):
    return {html_unescape(m) for m in re.findall(r'href="([^"]+)"', page)}


def html_unescape(text):
    return text.replace("&amp;", "&")


def listed_assets(client, url):
    """The asset names a list shows (the checks list, the register)."""
    page = client.get(url).get_data(as_text=True)
    return sorted(re.findall(r"<strong>((?:Slide|Fan|Gauge) \d)</strong>", page))


def listed_faults(client, url):
    page = client.get(url).get_data(as_text=True)
    return sorted(set(int(i) for i in re.findall(r'href="/faults/(\d+)"', page)))


def test_dashboard_page_shows_every_figure_with_its_link(app, client, auth, school, monkeypatch):
    on(monkeypatch)
    auth.login()
    page = client.get("/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Weekly slide check 2 of 3 done, 1 overdue" in text
    assert "Monthly fan check 1 of 2 done, 1 overdue" in text
    assert "Monthly light check 1 of 2 done" in text
    week = page[page.index('id="dash-week"'):page.index('id="dash-term"')]
    assert "Monthly tidy" not in week and "Yearly gauge reading" not in week
    assert "Weekly slide check 3 of 36 done · 33 missed 8%" in text
    assert "Monthly light check 1 of 5 done · 4 missed · 1 still due 20%" in text
    assert "2 checks overdue" in text
    assert "4 open faults" in text
    assert "Unsafe now 2" in text and "Needs repair 2" in text
    assert "Under a day 1" in text and "1 to 7 days 1" in text and "Over a week 2" in text
    assert "36 h" in text and "over 2 accepted repairs" in text
    assert "2 assets out of service" in text
    assert "Slide 4" not in text
    assert "1 reading rising fast" in text
    assert "1 → 1.7 mm" in text and "up 23.3% of the limit" in text
    assert 'action="/scan/' in page or "code-entry" in page  # the code field stays
    assert 'class="tiles"' in page  # and so do the tiles

    routes = school["routines"]
    hrefs = links(page)
    slide = f"/dashboard/checks?routine={routes['slide']}"
    assert {slide, f"{slide}&state=done", f"{slide}&state=due", f"{slide}&state=overdue"} <= hrefs
    assert listed_assets(client, f"{slide}&state=done") == ["Slide 1", "Slide 2"]
    assert listed_assets(client, f"{slide}&state=overdue") == ["Slide 3"]
    assert listed_assets(client, f"{slide}&state=due") == []
    assert listed_assets(client, slide) == ["Slide 1", "Slide 2", "Slide 3"]
    light = f"/dashboard/checks?routine={routes['light']}&state=due"
    assert listed_assets(client, light) == ["Fan 2"]
    assert "/dashboard/checks?state=overdue" in hrefs
    assert listed_assets(client, "/dashboard/checks?state=overdue") == ["Fan 2", "Slide 3"]

    with app.app_context():
        open_faults = {
            (f.urgency, f.id, f.reported_at)
            for f in db.session.scalars(sa.select(Fault).where(Fault.status != "accepted"))
        }
        accepted_in_november = sorted(
            f.id for f in db.session.scalars(sa.select(Fault).where(Fault.status == "accepted"))
            if datetime(2026, 10, 31, 16) <= f.accepted_at < datetime(2026, 11, 30, 16)
        )
    now = utcnow()
    expected = {
        "/faults/?status=open": sorted(i for _, i, _ in open_faults),
        "/faults/?status=open&urgency=unsafe": sorted(
            i for u, i, _ in open_faults if u == Urgency.UNSAFE
        ),
        "/faults/?status=open&urgency=needs_repair": sorted(
            i for u, i, _ in open_faults if u == Urgency.NEEDS_REPAIR
        ),
        "/faults/?status=open&newer=1": sorted(
            i for _, i, at in open_faults if now - at < timedelta(days=1)
        ),
        "/faults/?status=open&age=1&newer=7": sorted(
            i for _, i, at in open_faults if timedelta(days=1) <= now - at < timedelta(days=7)
        ),
        "/faults/?status=open&age=7": sorted(
            i for _, i, at in open_faults if now - at >= timedelta(days=7)
        ),
        "/faults/?status=accepted&accepted=2026-11": accepted_in_november,
    }
    for url, ids in expected.items():
        assert url in hrefs, url
        assert listed_faults(client, url) == ids, url
    assert [len(expected[u]) for u in list(expected)[:6]] == [4, 2, 2, 1, 1, 2]
    assert len(accepted_in_november) == 2

    register = "/register/assets?status=out_of_service"
    assert register in hrefs
    assert listed_assets(client, register) == ["Fan 1", "Slide 3"]
    assert f"/faults/{school['why']}" in hrefs
    gauge = school["gauges"]["steep rise"]
    assert any(h.startswith(f"/assets/{gauge}/history#reading-") for h in hrefs)
    history = client.get(f"/assets/{gauge}/history").get_data(as_text=True)
    anchor = next(h for h in hrefs if h.startswith(f"/assets/{gauge}/history#"))
    assert f'id="{anchor.split("#")[1]}"' in history
    assert "/dashboard/readings" in hrefs

    term = f"/dashboard/term?routine={routes['light']}"
    assert term in hrefs
    term_page = client.get(term).get_data(as_text=True)
    assert listed_assets(client, term) == ["Fan 1", "Fan 2"]
    term_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", term_page))
    assert "Fan 1 · Room 101 1 of 3 done · 2 missed 33%" in term_text
    assert "Fan 2 · Room 101 0 of 2 done · 2 missed · 1 still due 0%" in term_text
    assert "1 of 5 done · 4 missed · 1 still due" in term_text  # the routine's total
    assert listed_assets(client, f"/dashboard/term?routine={routes['slide']}") == [
        "Slide 1", "Slide 2", "Slide 3"
    ]
    assert client.get("/dashboard/term?routine=999999").status_code == 404
    assert client.get("/dashboard/term").status_code == 404
    readings = client.get("/dashboard/readings").get_data(as_text=True)
    assert "Gauge 2" in readings and "Gauge 1" not in readings


def test_dashboard_in_chinese(app, client, auth, school, monkeypatch):
    on(monkeypatch)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/").get_data(as_text=True)))
    assert "滑梯周检 已完成 2 / 3，1 项逾期" in text
    assert "4 个未结故障" in text and "2 件资产停用中" in text and "1 项读数上升过快" in text
    assert "36 小时" in text
    for url in ("/dashboard/checks?state=overdue", "/dashboard/readings", "/dashboard/settings",
                "/dashboard/term?routine=1"):
        assert client.get(url).status_code == 200


def test_dashboard_leads_with_what_needs_action(app, client, auth, school, monkeypatch):
    on(monkeypatch)
    auth.login()
    page = client.get("/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    order = [page.index(marker) for marker in (
        'id="dash-action"', 'id="dash-unsafe"', 'id="dash-overdue"', 'id="dash-out"',
        'id="dash-readings"', 'id="dash-week"', 'id="dash-term"', 'id="dash-faults"',
        'scan-start"',
    )]
    assert order == sorted(order)
    assert "2 unsafe faults not taken" in text and "2 checks overdue" in text
    assert "2 assets out of service" in text and "1 reading rising fast" in text
    unsafe = page[page.index('id="dash-unsafe"'):page.index('id="dash-overdue"')]
    assert unsafe.index("Slide 3") < unsafe.index("Slide 1")
    assert "Overdue since Mon 23 Nov" in text


def test_dashboard_draws_the_term_and_the_faults_per_week_with_words_for_them(
    app, client, auth, school, monkeypatch
):
    on(monkeypatch)
    auth.login()
    page = client.get("/").get_data(as_text=True)
    term = page[page.index('id="dash-term"'):page.index('id="dash-faults"')]
    assert '<svg class="chart" id="term-chart"' in term
    assert 'aria-labelledby="term-chart-title term-chart-desc"' in term
    assert "Done this term, routine by routine" in term
    assert '<details class="dash-table">' in term  # the list behind the bars
    faults = page[page.index('id="dash-faults"'):]
    assert '<svg class="chart" id="faults-chart"' in faults
    assert "Faults reported per week" in faults
    assert "<table>" in faults and "Week of" in faults


def test_dashboard_charts_and_days_in_chinese(app, client, auth, school, monkeypatch):
    on(monkeypatch)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "本学期各例行检查完成率" in page and "每周报修数" in page
    assert "待处理" in page and "11月23日 周一" in page


def test_nothing_accepted_this_month_is_said(app, client, auth, monkeypatch):
    on(monkeypatch)
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "No repair accepted this month." in page
    assert "0 open faults" in page and "Nothing is overdue." in page


def test_checks_list_is_paginated(app, client, auth, monkeypatch):
    on(monkeypatch)
    with app.app_context():
        place = make_place()
        kind = make_kind()
        for n in range(60):
            make_asset(f"滑梯 {n}", f"Slide {n}", kind=kind, place=place)
        make_checklist(kind, ("滑梯周检", "Weekly slide check"))
        db.session.commit()
    auth.login()
    first = client.get("/dashboard/checks?state=overdue").get_data(as_text=True)
    assert "60 checks" in first and "Page 1 of 2" in first
    assert first.count('<span class="badge overdue">') == 50
    second = client.get("/dashboard/checks?state=overdue&page=2").get_data(as_text=True)
    assert second.count('<span class="badge overdue">') == 10
    assert client.get("/dashboard/checks?page=3").status_code == 404
    assert client.get("/dashboard/checks?page=0").status_code == 404
    # Unknown filters are ignored, not an error.
    assert client.get("/dashboard/checks?state=nope&routine=999999").status_code == 200


def test_in_walking_order_puts_overdue_first(app, school):
    with app.app_context():
        states = [e.state.value for e in in_walking_order(week_checks(TODAY))]
    assert states == sorted(states, key=["overdue", "due", "done"].index)


# Roles.


@pytest.mark.parametrize("username", ["inspector", "repairer"])
def test_staff_other_than_admins_still_go_to_today(client, auth, username):
    auth.login(username)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/today")
    for url in ("/dashboard/checks", "/dashboard/readings", "/dashboard/settings",
                "/dashboard/term?routine=1"):
        assert client.get(url).status_code == 403
    assert client.post("/dashboard/settings", data={"reading_rise_share": "5"}).status_code == 403


def test_signed_out_is_sent_to_sign_in(client):
    for url in ("/", "/dashboard/checks", "/dashboard/readings", "/dashboard/settings",
                "/dashboard/term?routine=1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# The rise setting.


def test_setting_the_share_changes_what_is_flagged(app, client, auth, school, monkeypatch):
    on(monkeypatch)
    auth.login()
    page = client.get("/dashboard/settings").get_data(as_text=True)
    assert 'value="20"' in page
    response = client.post("/dashboard/settings", data={
        "reading_rise_share": " 19 ", "autumn_month": "9", "autumn_day": "1",
        "spring_month": "2", "spring_day": "1",
    })
    assert response.status_code == 303
    with app.app_context():
        assert school_settings.reading_rise_share() == 19
    assert "2 readings rising fast" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "-5", "0", "101", "1000000000000000000000", "twenty", "20.5", "2e1",
     "<script>alert(1)</script>", "20; DROP TABLE settings"],
)
def test_setting_refuses_bad_input_and_keeps_it(app, client, auth, typed):
    auth.login()
    response = client.post("/dashboard/settings", data={"reading_rise_share": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Type a whole number from 1 to 100." in page
    assert "<script>alert" not in page
    if typed.strip():
        assert f'value="{escape(typed)}"' in page
    with app.app_context():
        assert school_settings.get(school_settings.READING_RISE_SHARE) is None


def test_setting_message_in_chinese(client, auth):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    page = client.post("/dashboard/settings", data={"reading_rise_share": "abc"}).get_data(
        as_text=True
    )
    assert "请输入 1 到 100 之间的整数。" in page


def test_a_stored_share_out_of_range_falls_back_to_the_default(app):
    with app.app_context():
        for stored in ("0", "250", "x", ""):
            school_settings.put(school_settings.READING_RISE_SHARE, stored)
            assert school_settings.reading_rise_share() == 20


def escape(text):
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&#34;")
    )


def test_fault_list_month_filter_ignores_nonsense(client, auth):
    auth.login()
    for value in ("2026-13", "0000-01", "nope", "2026-1", "<b>"):
        response = client.get(f"/faults/?status=accepted&accepted={value}")
        assert response.status_code == 200


def test_a_retired_assets_readings_are_not_flagged(app, school):
    with app.app_context():
        db.session.get(Asset, school["gauges"]["steep rise"]).status = AssetStatus.RETIRED
        db.session.commit()
        assert rising_readings(20) == []


@pytest.mark.usefixtures("seeded")
def test_the_demo_shows_the_west_walls_crack_rising_fast(client, auth, monkeypatch):
    on(monkeypatch, DEMO_MONDAY)
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "1 reading rising fast" in page
    west_wall = page[page.index('id="dash-readings"'):]
    assert "west wall crack" in west_wall and "0.18 → <strong" in west_wall
    assert "Monday play equipment check: slides" in page
