"""The fault list with its filters, and the repairer's "My jobs"."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import FaultStatus, Role, Urgency
from app.models.common import utcnow
from tests.factories import (
    make_asset,
    make_fault_at,
    make_place,
    make_staff_report,
    make_user,
    user,
)
from tests.test_inspections_records import QueryCounter


@pytest.fixture
def school(app):
    """Faults in a building and its room, and on the playground, of every kind."""
    with app.app_context():
        building = make_place(name="教学楼", name_en="Teaching building")
        room = make_place(name="101", name_en="Room 101", parent=building)
        playground = make_place(name="操场", name_en="Playground")
        now = utcnow()

        def fault(name, place, urgency, days, step=FaultStatus.REPORTED):
            return make_fault_at(
                step, make_asset(name=name, name_en=name, place=place),
                description=f"{name} broken", urgency=urgency, at=now - timedelta(days=days),
            )

        faults = {
            "fan": fault("Fan", room, Urgency.NEEDS_REPAIR, 10),
            "door": fault("Door", building, Urgency.UNSAFE, 1),
            "slide": fault("Slide", playground, Urgency.UNSAFE, 5, FaultStatus.ASSIGNED),
            "bench": fault("Bench", playground, Urgency.NEEDS_REPAIR, 2),
            "swing": fault("Swing", playground, Urgency.NEEDS_REPAIR, 20, FaultStatus.ACCEPTED),
        }
        db.session.commit()
        yield {
            "ids": {name: f.id for name, f in faults.items()},
            "building": building.id,
            "playground": playground.id,
        }


def order(page, school, names=None):
    ids = school["ids"]
    shown = [(page.find(f'href="/faults/{ids[n]}"'), n) for n in names or ids]
    return [name for position, name in sorted(shown) if position >= 0]


def test_open_faults_unassigned_unsafe_first_then_newest(client, auth, school):
    auth.login("admin")
    page = client.get("/faults/").text
    # The door is unsafe and nobody has it; the slide is unsafe but assigned.
    assert order(page, school) == ["door", "bench", "slide", "fan"]
    assert page.count("Nobody has taken it") == 1
    assert "unassigned-unsafe" in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=accepted", ["swing"]),
        ("status=all", ["door", "bench", "slide", "fan", "swing"]),
        ("status=assigned", ["slide"]),
        ("urgency=unsafe", ["door", "slide"]),
        ("urgency=needs_repair", ["bench", "fan"]),
        ("age=3", ["slide", "fan"]),
        ("status=all&age=15", ["swing"]),
        ("status=bogus&urgency=bogus&age=-4&place=999", ["door", "bench", "slide", "fan"]),
    ],
)
def test_filters(client, auth, school, query, expected):
    auth.login("admin")
    response = client.get(f"/faults/?{query}")
    assert response.status_code == 200
    assert order(response.text, school) == expected


def test_place_filter_includes_places_inside(client, auth, school):
    auth.login("inspector")
    page = client.get(f"/faults/?place={school['building']}").text
    assert order(page, school) == ["door", "fan"]
    page = client.get(f"/faults/?place={school['playground']}&status=all").text
    assert order(page, school) == ["bench", "slide", "swing"]


def test_nothing_matches(client, auth, school):
    auth.login("admin")
    assert "No faults match." in client.get("/faults/?status=in_progress").text


def test_pages_of_fifty(app, client, auth):
    with app.app_context():
        asset = make_asset()
        for n in range(55):
            make_staff_report(asset, f"Fault {n}")
        db.session.commit()
    auth.login("admin")
    first = client.get("/faults/").text
    assert first.count('<li class="') == 50 and "Page 1 of 2" in first
    second = client.get("/faults/?page=2").text
    assert second.count('<li class="') == 5 and "Previous" in second


def test_list_queries_do_not_grow_with_faults(app, client, auth):
    auth.login("admin")

    def add(how_many):
        with app.app_context():
            place = make_place(name=f"P{how_many}")
            for n in range(how_many):
                asset = make_asset(name=f"A{how_many}-{n}", place=place)
                make_fault_at(FaultStatus.ASSIGNED, asset, description="x", urgency=Urgency.UNSAFE)
            db.session.commit()

    def measure(url):
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            assert client.get(url).status_code == 200
        return len(counter)

    add(2)
    few = [measure("/faults/"), measure("/faults/mine")]
    add(20)
    assert [measure("/faults/"), measure("/faults/mine")] == few


# My jobs


def test_my_jobs_unsafe_first_then_oldest(app, client, auth):
    with app.app_context():
        repairer, other = user("repairer"), make_user("other", Role.REPAIRER)
        now = utcnow()
        made = {}
        for name, urgency, days, step, whose in [
            ("old-paint", Urgency.NEEDS_REPAIR, 9, FaultStatus.ASSIGNED, repairer),
            ("new-unsafe", Urgency.UNSAFE, 1, FaultStatus.ASSIGNED, repairer),
            ("old-unsafe", Urgency.UNSAFE, 4, FaultStatus.ASSIGNED, repairer),
            ("newer-paint", Urgency.NEEDS_REPAIR, 2, FaultStatus.IN_PROGRESS, repairer),
            ("theirs", Urgency.UNSAFE, 8, FaultStatus.ASSIGNED, other),
            ("untaken-paint", Urgency.NEEDS_REPAIR, 6, FaultStatus.REPORTED, None),
            ("untaken-unsafe", Urgency.UNSAFE, 3, FaultStatus.REPORTED, None),
            ("repaired", Urgency.UNSAFE, 30, FaultStatus.REPAIRED, repairer),
        ]:
            made[name] = make_fault_at(
                step, make_asset(name=name, name_en=name), repairer=whose,
                description=name, urgency=urgency, at=now - timedelta(days=days),
            )
        db.session.commit()
        ids = {name: fault.id for name, fault in made.items()}
    auth.login("repairer")
    page = client.get("/faults/mine").text
    mine, _, untaken = page.partition("Jobs nobody has taken")

    def listed(text):
        found = [(text.find(f'href="/faults/{i}"'), name) for name, i in ids.items()]
        return [name for position, name in sorted(found) if position >= 0]

    assert listed(mine) == ["old-unsafe", "new-unsafe", "old-paint", "newer-paint"]
    assert listed(untaken) == ["untaken-unsafe", "untaken-paint"]


def test_my_jobs_when_there_are_none(client, auth):
    auth.login("repairer")
    page = client.get("/faults/mine").text
    assert "No jobs in your hands." in page and "Jobs nobody has taken" not in page


def test_my_jobs_is_for_repairers_and_admins(client, auth, school):
    auth.login("admin")
    page = client.get("/faults/mine")
    assert page.status_code == 200 and "Jobs nobody has taken" not in page.text
    assert '<a href="/faults/mine">My jobs</a>' in page.text
    auth.logout()
    auth.login("repairer")
    assert '<a href="/faults/mine">My jobs</a>' in client.get("/faults/").text
    auth.logout()
    auth.login("inspector")
    assert client.get("/faults/mine").status_code == 403
    assert '<a href="/faults/mine">My jobs</a>' not in client.get("/faults/").text
    auth.logout()
    response = client.get("/faults/mine")
    assert response.status_code == 302 and "/login" in response.location


def test_hostile_names_are_escaped(app, client, auth):
    with app.app_context():
        make_fault_at(
            FaultStatus.ASSIGNED, make_asset(name="<i>x</i>", name_en="<i>x</i>"),
            description="<script>alert(1)</script>", urgency=Urgency.UNSAFE,
        )
        db.session.commit()
    auth.login("repairer")
    for url in ("/faults/mine", "/faults/?status=all"):
        page = client.get(url).text
        assert "<script>alert(1)</script>" not in page and "<i>x</i>" not in page
        assert "&lt;script&gt;" in page


def test_lists_show_a_thumbnail_of_the_faults_photo(app, client, auth):
    with app.app_context():
        fault = make_staff_report(make_asset(), "座板开裂", Urgency.UNSAFE, photo="abc123.jpg")
        db.session.commit()
        fault_id = fault.id
    auth.login("admin")
    page = client.get("/faults/").get_data(as_text=True)
    assert f'src="/faults/{fault_id}/photo?size=thumb"' in page
