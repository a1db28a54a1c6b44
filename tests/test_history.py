"""An asset's history: inspections and faults on one timeline, paginated, and its readings."""

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.checklists.versions import update_item
from app.extensions import db
from app.models import (
    Answer,
    Asset,
    Checklist,
    Inspection,
    ItemType,
)
from app.rounds.history import PER_PAGE, reading_series, timeline_page
from tests.factories import (
    make_asset,
    make_checklist,
    make_history,
    make_inspection,
    make_kind,
    make_staff_report,
    user,
)
from tests.test_rounds import count_queries

START = date(2026, 9, 7)
CRACK = {
    "type": ItemType.READING,
    "text": "裂缝宽度",
    "text_en": "Crack width",
    "unit": "mm",
    "max_value": 0.3,
}
LOOK = {"type": ItemType.CHECK, "text": "墙面完好", "text_en": "Wall intact"}


def text_of(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def wall(app):
    """A wall with a monthly crack check: one reading item, one check item."""
    with app.app_context():
        asset = make_asset("东墙", "East wall", make_kind("wall", "墙体", "Wall"), code="WALL01")
        checklist = make_checklist(asset.kind, ("墙体裂缝检查", "Crack check"), items=[LOOK, CRACK])
        db.session.commit()
        return {"asset": asset.id, "checklist": checklist.id}


def load(wall):
    return db.session.get(Asset, wall["asset"]), db.session.get(Checklist, wall["checklist"])


def weekly_inspections(wall, count, start=START, readings=None):
    asset, checklist = load(wall)
    made = [
        make_inspection(
            asset,
            checklist,
            start + timedelta(days=7 * n),
            readings={2: (readings or [0.1])[n % len(readings or [0.1])]},
        )
        for n in range(count)
    ]
    db.session.commit()
    return made


def add_fault(asset_id, at, description="墙面开裂", **fields):
    fault = make_staff_report(db.session.get(Asset, asset_id), description, at=at, **fields)
    db.session.commit()
    return fault


def bulk_history(wall, count, start):
    """`count` signed inspections, a day apart, with their crack readings."""
    asset, checklist = load(wall)
    days = [start + timedelta(days=n) for n in range(count)]
    make_history(asset, checklist, days, readings={2: [0.1 + n / 10 for n in range(3)]})
    db.session.commit()


# --- the timeline ---------------------------------------------------------------------------


def test_timeline_merges_inspections_and_faults_newest_first(app, wall):
    with app.test_request_context():
        first, second = weekly_inspections(wall, 2)
        fault = add_fault(wall["asset"], datetime.combine(START, time(3)))
        page = timeline_page(wall["asset"], 1)
        kinds = [
            ("fault", e.fault.id) if hasattr(e, "fault") else e.inspection.id for e in page.entries
        ]
        assert kinds == [second.id, ("fault", fault.id), first.id]
        assert not page.has_next and not page.has_previous


def test_timeline_pages_by_thirty(app, wall):
    with app.test_request_context():
        weekly_inspections(wall, PER_PAGE + 5)
        first = timeline_page(wall["asset"], 1)
        second = timeline_page(wall["asset"], 2)
        assert len(first.entries) == PER_PAGE and first.has_next
        assert len(second.entries) == 5 and not second.has_next and second.has_previous
        assert first.entries[-1].at > second.entries[0].at


def test_history_page_shows_inspections_faults_and_marks(app, client, auth, wall):
    with app.app_context():
        original, typed = weekly_inspections(wall, 2)
        asset, checklist = load(wall)
        typed_only = make_inspection(asset, checklist, START + timedelta(days=20), drawn=False)
        correction = make_inspection(
            asset, checklist, START + timedelta(days=21), corrects=original, passed=False
        )
        db.session.commit()
        fault = add_fault(
            wall["asset"],
            datetime.combine(START + timedelta(days=22), time(2)),
            description="<b>裂缝</b> grew",
            inspection=correction,
            photo="crack.jpg",
        )
        ids = {
            "original": original.id,
            "typed_only": typed_only.id,
            "correction": correction.id,
            "fault": fault.id,
        }
    auth.login("repairer")
    response = client.get(f"/assets/{wall['asset']}/history")
    assert response.status_code == 200
    text = text_of(response)
    assert f'href="/inspections/{ids["correction"]}"' in text
    assert f'href="/faults/{ids["fault"]}"' in text
    assert f'src="/faults/{ids["fault"]}/photo?size=thumb"' in text
    assert f"Correction of #{ids['original']}" in text
    assert f"Corrected by #{ids['correction']}" in text
    assert f'src="/inspections/{ids["original"]}/signature.png"' in text
    assert f'src="/inspections/{ids["typed_only"]}/signature.png"' not in text
    assert "&lt;b&gt;裂缝&lt;/b&gt; grew" in text
    assert "Needs repair" in text and "Failed" in text and "Passed" in text
    assert "Inspector" in text
    # Newest first: the fault, then the correction, then the typed signature.
    assert (
        text.index(f'/faults/{ids["fault"]}"')
        < text.index(f'/inspections/{ids["correction"]}"')
        < text.index(f'/inspections/{ids["typed_only"]}"')
    )
    # Shown in the school's time zone: 02:00 UTC is 10:00 in Shanghai.
    assert "10:00" in text


def test_history_shows_answer_photos(app, client, auth, wall):
    with app.app_context():
        (inspection,) = weekly_inspections(wall, 1)
        answer_id = db.session.scalar(
            sa.select(Answer.id).where(Answer.inspection_id == inspection.id, Answer.position == 1)
        )
        # Answers are immutable through the ORM; the test writes the photo's name directly.
        db.session.execute(
            sa.update(Answer).where(Answer.id == answer_id).values(photo="crack.jpg")
        )
        db.session.commit()
    auth.login("inspector")
    text = text_of(client.get(f"/assets/{wall['asset']}/history"))
    assert f'src="/inspections/answers/{answer_id}/photo?size=thumb"' in text


def test_history_page_links_between_pages(app, client, auth, wall):
    with app.app_context():
        weekly_inspections(wall, PER_PAGE + 1)
    auth.login("inspector")
    url = f"/assets/{wall['asset']}/history"
    first = text_of(client.get(url))
    assert f'href="{url}?page=2"' in first and "Older" in first
    second = client.get(url, query_string={"page": 2})
    assert second.status_code == 200
    assert f'href="{url}?page=1"' in text_of(second) and "Newer" in text_of(second)
    assert text_of(second).count('href="/inspections/') == 1


@pytest.mark.parametrize("page", ["0", "-1", "3", "100001", "9" * 40])
def test_pages_that_cannot_exist_are_not_found(app, client, auth, wall, page):
    with app.app_context():
        weekly_inspections(wall, PER_PAGE + 1)
    auth.login("inspector")
    response = client.get(f"/assets/{wall['asset']}/history", query_string={"page": page})
    assert response.status_code == 404


def test_a_page_that_is_not_a_number_is_the_first(app, client, auth, wall):
    auth.login("inspector")
    response = client.get(f"/assets/{wall['asset']}/history", query_string={"page": "x<"})
    assert response.status_code == 200
    assert "Nothing recorded yet." in text_of(response)


@pytest.mark.parametrize("asset_id", ["99999", "9" * 30])
def test_unknown_asset_is_not_found(client, auth, asset_id):
    auth.login("inspector")
    assert client.get(f"/assets/{asset_id}/history").status_code == 404


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_every_staff_role_may_see_the_history(client, auth, wall, role):
    auth.login(role)
    assert client.get(f"/assets/{wall['asset']}/history").status_code == 200


def test_history_runs_the_same_queries_with_500_inspections_as_with_5(app, client, auth, wall):
    url = f"/assets/{wall['asset']}/history"
    with app.app_context():
        weekly_inspections(wall, 5, readings=[0.1, 0.4])
        add_fault(wall["asset"], datetime(2026, 9, 8, 2))
    auth.login("inspector")
    with_five = count_queries(app, lambda: client.get(url))
    with app.app_context():
        bulk_history(wall, 495, date(2024, 1, 1))
        assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 500
    with_five_hundred = count_queries(app, lambda: client.get(url))
    assert with_five_hundred == with_five
    assert count_queries(app, lambda: client.get(url + "?page=10")) <= with_five


# --- the readings ---------------------------------------------------------------------------


def test_readings_chart_as_one_series_across_versions_with_the_newest_limit(app, wall):
    with app.test_request_context():
        weekly_inspections(wall, 3, readings=[0.1, 0.2])
        asset, checklist = load(wall)
        update_item(checklist.current_version.items[1], user("admin"), max_value=0.5)
        db.session.flush()
        db.session.refresh(checklist)
        make_inspection(asset, checklist, START + timedelta(days=30), readings={2: 0.45})
        db.session.commit()
        (series,) = reading_series(asset)
        assert series.item.max_value == 0.5
        assert [value for _, value in series.points] == [0.1, 0.2, 0.1, 0.45]
        assert series.points[0][0] == START


def test_readings_keep_only_the_latest_and_drop_corrected_ones(app, wall):
    with app.test_request_context():
        asset, checklist = load(wall)
        made = weekly_inspections(wall, 6, readings=[0.1, 0.2, 0.3])
        make_inspection(
            asset, checklist, START + timedelta(days=60), corrects=made[-1], readings={2: 0.25}
        )
        db.session.commit()
        (series,) = reading_series(asset, limit=4)
        # Six readings; the last was corrected from 0.3 to 0.25; the latest four are charted.
        assert [value for _, value in series.points] == [0.3, 0.1, 0.2, 0.25]


def test_a_reading_item_without_readings_is_listed_without_a_chart(app, client, auth, wall):
    with app.app_context():
        asset, _ = load(wall)
        assert [s.points for s in reading_series(asset)] == [[]]
    auth.login("inspector")
    text = text_of(client.get(f"/assets/{wall['asset']}/history"))
    assert "Crack width</strong> (mm)" in text
    assert "No readings yet" in text
    assert '<svg class="chart"' not in text


def test_history_page_draws_the_chart_with_its_limit(app, client, auth, wall):
    with app.app_context():
        weekly_inspections(wall, 4, readings=[0.1, 0.35])
    auth.login("inspector")
    text = text_of(client.get(f"/assets/{wall['asset']}/history"))
    assert '<svg class="chart"' in text
    assert 'class="limit max"' in text
    assert text.count('class="point out"') == 2
    assert "at most 0.3" in text


def test_routines_of_other_kinds_draw_no_chart(app, wall):
    with app.test_request_context():
        other = make_kind("boiler", "锅炉", "Boiler")
        make_checklist(other, ("锅炉压力", "Boiler pressure"), items=[CRACK])
        db.session.commit()
        asset, _ = load(wall)
        assert [s.checklist_title for s in reading_series(asset)] == ["墙体裂缝检查"]
