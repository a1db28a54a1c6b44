"""District checklist templates: published by the district, adopted and extended by a school,
a new version offered and taken with the school's own items kept, and who may do what."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app import tenancy
from app.checklists.versions import add_item
from app.extensions import db
from app.models import (
    AssetKind,
    Checklist,
    ChecklistTemplate,
    District,
    DistrictMember,
    DistrictRole,
    ItemType,
    Role,
    School,
    TemplateVersion,
    User,
)
from app.routine_templates import adoption
from app.routine_templates.adoption import (
    AlreadyAdopted,
    NothingChanged,
    NotNewer,
    StaleTemplate,
    TemplateItemDraft,
    adopt,
    adopted_routine,
    offered_version,
    publish,
    take,
    version_table,
)
from app.routine_templates.seeded import seed_district_templates
from app.standard_checks import GAS_APPLIANCES, PLAY_EQUIPMENT
from tests.factories import make_kind, make_template, make_user

TEMPLATES = "/templates/"
DISTRICT = "/templates/district"


@pytest.fixture
def world(app):
    """District D holds the test's school "main" and "east"; district F holds "far". Each
    school has an admin; D has its office and its admin, F its admin; one template each."""
    with app.app_context():
        main = db.session.scalar(sa.select(School).where(School.code == "main"))
        with tenancy.in_school(main):
            make_kind()  # main's slide kind: 滑梯
        district = District(code="d", name="东区", name_en="East district")
        far_district = District(code="f", name="远区", name_en="Far district")
        main.district = district
        east = School(
            code="east",
            name="东幼",
            name_en="East kindergarten",
            timezone="Asia/Shanghai",
            language="zh",
            district=district,
        )
        far = School(
            code="far",
            name="远幼",
            name_en="Far kindergarten",
            timezone="Asia/Shanghai",
            language="zh",
            district=far_district,
        )
        db.session.add_all([east, far])
        db.session.flush()
        with tenancy.in_school(east):
            make_user("east_admin", role=Role.ADMIN)
        with tenancy.in_school(far):
            make_user("far_admin", role=Role.ADMIN)
        for username, owner, role in (
            ("office", district, DistrictRole.OFFICE),
            ("district_admin", district, DistrictRole.ADMIN),
            ("far_district_admin", far_district, DistrictRole.ADMIN),
        ):
            with tenancy.everywhere():
                person = User(username=username, display_name=username.title(), password_hash="!")
                db.session.add(person)
            db.session.add(DistrictMember(user=person, district=owner, role=role))
        template = make_template(district)
        far_template = make_template(far_district, items=("远区检查",))
        db.session.commit()
        ids = SimpleNamespace(
            district=district.id,
            far_district=far_district.id,
            main=main.id,
            east=east.id,
            far=far.id,
            template=template.id,
            far_template=far_template.id,
        )
    return ids


def sign_in(client, username):
    """Sign in without a password: the district's people in the fixture have none."""
    from app.auth import sign_ins

    with client.application.app_context():
        with tenancy.everywhere():
            user = db.session.scalar(sa.select(User).where(User.username == username))
        token = sign_ins.start(user, "test").token
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
    return client


def template_of(template_id):
    return db.session.get(ChecklistTemplate, template_id)


def admin_of(username):
    with tenancy.everywhere():
        return db.session.scalar(sa.select(User).where(User.username == username))


def texts(version):
    return [item.text for item in version.items]


# The rules ---------------------------------------------------------------------------------


def test_adopting_makes_the_schools_routine_with_copies_of_the_items(app, world):
    with app.app_context(), tenancy.in_school(world.main):
        template = template_of(world.template)
        routine = adopt(template.current_version, admin_of("admin"))
        db.session.commit()

        slide = db.session.scalar(sa.select(AssetKind).where(AssetKind.name == "滑梯"))
        assert routine.kind == slide  # the school's own kind of that name
        assert routine.school_id == world.main
        assert routine.template_version.number == 1
        assert routine.weekday == 0
        assert texts(routine.current_version) == ["滑道表面光滑", "螺栓紧固"]
        assert [i.lineage for i in routine.current_version.items] == [
            i.lineage for i in template.current_version.items
        ]
        assert db.session.scalar(sa.select(sa.func.count(AssetKind.id))) == 1


def test_adopting_a_template_of_a_kind_the_school_lacks_adds_the_kind(app, world):
    with app.app_context(), tenancy.in_school(world.east):
        routine = adopt(template_of(world.template).current_version, None)
        db.session.commit()
        assert routine.kind.name == "滑梯"
        assert routine.kind.school_id == world.east


def test_a_new_version_is_offered_and_taken_with_the_schools_own_items_kept(app, world):
    with app.app_context(), tenancy.in_school(world.main):
        admin = admin_of("admin")
        template = template_of(world.template)
        routine = adopt(template.current_version, admin)
        db.session.commit()
        # The school extends its routine through the checklists' own editing.
        add_item(routine, admin, 1, type=ItemType.CHECK, text="本园自加：沙坑无异物")
        db.session.commit()
        own_lineage = routine.current_version.items[-1].lineage
        assert offered_version(routine, template) is None

        first, second = template.current_version.items
        publish(
            template,
            None,
            1,
            [
                TemplateItemDraft(
                    type=ItemType.CHECK, text="滑道表面光滑，无裂缝", lineage=first.lineage
                ),
                TemplateItemDraft(type=ItemType.CHECK, text="护栏完好", critical=True),
            ],
        )
        db.session.commit()
        newest = template.current_version
        assert offered_version(routine, template) == newest
        # Never forced: the routine still runs version 1 until the school takes version 2.
        assert routine.template_version.number == 1
        assert texts(routine.current_version) == [
            "滑道表面光滑",
            "螺栓紧固",
            "本园自加：沙坑无异物",
        ]

        taken = take(routine, newest, admin)
        db.session.commit()
        assert taken.number == 3
        assert texts(taken) == ["滑道表面光滑，无裂缝", "护栏完好", "本园自加：沙坑无异物"]
        assert [item.lineage for item in taken.items] == [
            first.lineage,
            newest.items[1].lineage,
            own_lineage,
        ]
        assert taken.items[1].critical
        assert routine.template_version == newest
        assert offered_version(routine, template) is None
        with pytest.raises(NotNewer):
            take(routine, newest, admin)
        # Version 1 of the template was never edited.
        assert texts(template.versions[0]) == ["滑道表面光滑", "螺栓紧固"]


def test_the_district_sees_which_school_runs_which_version(app, world):
    with app.app_context():
        template = template_of(world.template)
        for school_id in (world.main, world.east):
            with tenancy.in_school(school_id):
                adopt(template.current_version, None)
                db.session.commit()
        publish(template, None, 1, [TemplateItemDraft(type=ItemType.CHECK, text="新的一项")])
        db.session.commit()
        with tenancy.in_school(world.east):
            take(adopted_routine(template), template.current_version, None)
            db.session.commit()

        district = db.session.get(District, world.district)
        table = version_table(district, [template])
        assert [school.code for school in table.schools] == ["east", "main"]
        by_code = {school.code: table.version(school, template) for school in table.schools}
        assert by_code == {"east": 2, "main": 1}
        assert [school.code for school in table.behind(template)] == ["main"]


def test_publishing_refuses_a_stale_page_an_unknown_item_and_no_change(app, world):
    with app.app_context():
        template = template_of(world.template)
        same = [
            TemplateItemDraft(type=item.type, text=item.text, lineage=item.lineage)
            for item in template.current_version.items
        ]
        with pytest.raises(NothingChanged):
            publish(template, None, 1, same)
        with pytest.raises(StaleTemplate):
            publish(template, None, 0, same)
        with pytest.raises(ValueError):
            publish(
                template,
                None,
                1,
                [TemplateItemDraft(type=ItemType.CHECK, text="x", lineage="f" * 32)],
            )
        with pytest.raises(ValueError):
            publish(template, None, 1, [])
        assert len(template.versions) == 1


def test_adopting_twice_leaves_one_routine(app, world):
    with app.app_context(), tenancy.in_school(world.main):
        template = template_of(world.template)
        adopt(template.current_version, None)
        db.session.commit()
        with pytest.raises(AlreadyAdopted):
            adopt(template.current_version, None)


def test_two_adoptions_at_once_meet_the_unique_routine_per_school(app, world, client, monkeypatch):
    """Both admins' requests passed the "already adopted?" check before either committed:
    the database keeps one routine and the second admin is told it is already adopted."""
    with app.app_context(), tenancy.in_school(world.main):
        adopt(template_of(world.template).current_version, None)
        db.session.commit()
    monkeypatch.setattr(adoption, "adopted_routine", lambda template: None)
    sign_in(client, "admin")
    response = client.post(f"/templates/{world.template}/adopt", data={"version": "1"})
    assert response.status_code == 409
    assert "already adopted" in response.get_data(as_text=True)
    with app.app_context(), tenancy.in_school(world.main):
        assert db.session.scalar(sa.select(sa.func.count(Checklist.id))) == 1


def test_the_seeded_templates_are_the_kindergartens_checks_and_seed_once(app, world):
    with app.app_context():
        district = db.session.get(District, world.district)
        first = seed_district_templates(district)
        db.session.commit()
        again = seed_district_templates(district)
        db.session.commit()
        assert [t.id for t in first] == [t.id for t in again]
        toys, gas = first
        assert (toys.kind_key, gas.kind_key) == ("large_toy", "gas_appliance")
        assert texts(toys.current_version) == [item.text for item in PLAY_EQUIPMENT]
        assert texts(gas.current_version) == [item.text for item in GAS_APPLIANCES]
        assert (
            db.session.scalar(
                sa.select(sa.func.count(TemplateVersion.id)).where(
                    TemplateVersion.template_id.in_([toys.id, gas.id])
                )
            )
            == 2
        )


# The pages ---------------------------------------------------------------------------------


def test_a_school_admin_adopts_extends_and_updates_on_the_pages(app, world, client):
    sign_in(client, "east_admin")
    page = client.get(TEMPLATES)
    assert page.status_code == 200
    assert "Weekly play equipment check" in page.get_data(as_text=True)
    assert "远区检查" not in page.get_data(as_text=True)

    response = client.post(f"/templates/{world.template}/adopt", data={"version": "1"})
    assert response.status_code == 302
    routine_url = response.headers["Location"]
    assert "/checklists/" in routine_url
    assert client.get(routine_url).status_code == 200

    again = client.post(f"/templates/{world.template}/adopt", data={"version": "1"})
    assert again.status_code == 409

    with app.app_context():
        template = template_of(world.template)
        publish(template, None, 1, [TemplateItemDraft(type=ItemType.CHECK, text="第二版")])
        db.session.commit()
    page = client.get(TEMPLATES).get_data(as_text=True)
    assert "Update to version 2" in page
    taken = client.post(f"/templates/{world.template}/take", data={"version": "2"})
    assert taken.status_code == 302
    assert (
        client.post(f"/templates/{world.template}/take", data={"version": "2"}).status_code == 409
    )
    assert "Up to date" in client.get(TEMPLATES).get_data(as_text=True)


def test_a_school_without_a_district_is_told_so(app, client, auth):
    auth.login()
    page = client.get(TEMPLATES)
    assert page.status_code == 200
    assert "belongs to no district" in page.get_data(as_text=True)


def test_the_district_admin_creates_and_publishes_and_the_office_reads(app, world, client):
    sign_in(client, "district_admin")
    assert client.get(f"/templates/district/{world.district}/new").status_code == 200
    response = client.post(
        f"/templates/district/{world.district}/new",
        data={
            "name": "食堂煤气每周检查",
            "kind_name": "煤气用具",
            "frequency": "weekly",
            "weekday": "4",
            "grace_days": "0",
            "items-0-text": "无燃气泄漏",
            "items-0-type": "check",
            "items-0-required": "y",
            "items-0-critical": "y",
            "items-1-text": "燃气压力",
            "items-1-type": "reading",
            "items-1-unit": "kPa",
            "items-1-min_value": "2",
            "items-1-max_value": "3",
            "items-1-required": "y",
            "items-2-text": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(
            sa.select(ChecklistTemplate).where(ChecklistTemplate.name == "食堂煤气每周检查")
        )
        assert made.weekday == 4
        items = made.current_version.items
        assert [(i.text, i.critical, i.unit) for i in items] == [
            ("无燃气泄漏", True, None),
            ("燃气压力", False, "kPa"),
        ]
        lineages = [item.lineage for item in items]

    page = client.get(f"/templates/district/templates/{made.id}/publish")
    assert page.status_code == 200
    assert "无燃气泄漏" in page.get_data(as_text=True)
    published = client.post(
        f"/templates/district/templates/{made.id}/publish",
        data={
            "version": "1",
            "items-0-lineage": lineages[0],
            "items-0-text": "无燃气泄漏（肥皂水）",
            "items-0-type": "check",
            "items-0-required": "y",
            "items-1-lineage": lineages[1],
            "items-1-text": "",
            "items-1-type": "reading",
        },
    )
    assert published.status_code == 302
    stale = client.post(
        f"/templates/district/templates/{made.id}/publish",
        data={
            "version": "1",
            "items-0-text": "又一项",
            "items-0-type": "check",
        },
    )
    assert stale.status_code == 409
    with app.app_context():
        made = db.session.get(ChecklistTemplate, made.id)
        assert [texts(v) for v in made.versions] == [
            ["无燃气泄漏", "燃气压力"],
            ["无燃气泄漏（肥皂水）"],
        ]
        assert made.versions[1].items[0].lineage == lineages[0]

    office = client.application.test_client()
    office.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(office, "office")
    listing = office.get(DISTRICT)
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "Which school runs which version" in text
    assert "East kindergarten" in text and "Far kindergarten" not in text
    assert "New template" not in text
    assert office.get(f"/templates/district/templates/{made.id}").status_code == 200
    assert office.get(f"/templates/district/{world.district}/new").status_code == 403
    assert office.post(f"/templates/district/{world.district}/new", data={}).status_code == 403
    assert (
        office.post(
            f"/templates/district/templates/{made.id}/publish", data={"version": "2"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("username", "method", "path", "status"),
    [
        ("inspector", "GET", TEMPLATES, 403),
        ("repairer", "GET", TEMPLATES, 403),
        ("admin", "GET", DISTRICT, 403),
        ("east_admin", "GET", DISTRICT, 403),
        ("office", "GET", DISTRICT, 200),
        ("district_admin", "GET", DISTRICT, 200),
        ("office", "POST", "/templates/{template}/adopt", 403),
        ("district_admin", "GET", "/templates/district/templates/{far_template}", 404),
        ("district_admin", "GET", "/templates/district/{far_district}/new", 404),
        ("far_district_admin", "GET", "/templates/district/templates/{template}/publish", 404),
        ("east_admin", "POST", "/templates/{far_template}/adopt", 404),
        ("east_admin", "POST", "/templates/{far_template}/take", 404),
        ("east_admin", "POST", "/templates/999999/adopt", 404),
        ("east_admin", "GET", "/templates/district/templates/{template}", 403),
    ],
)
def test_who_may_open_what(app, world, client, username, method, path, status):
    sign_in(client, username)
    url = path.format(**vars(world))
    response = client.open(url, method=method, data={"version": "1"})
    assert response.status_code == status


def test_signed_out_people_are_sent_to_sign_in(client, world):
    assert client.get(DISTRICT).status_code == 302
    assert client.get(TEMPLATES).status_code == 302


LONG = "长" * 121


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Type the template"),
        ({"name": LONG}, "120 characters"),
        ({"kind_name": ""}, "Type the kind of asset"),
        ({"items-0-text": "长" * 301}, "300 characters"),
        ({"items-0-text": ""}, "Type at least one item"),
        ({"weekday": ""}, "Choose the weekday"),
        ({"items-0-type": "text", "items-0-critical": "y"}, "Only check and reading items"),
        (
            {"items-0-type": "reading", "items-0-min_value": "5", "items-0-max_value": "1"},
            "below the lowest",
        ),
        ({"items-0-type": "nonsense"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_made(app, world, client, changes, message):
    sign_in(client, "district_admin")
    data = {
        "name": "新模板",
        "kind_name": "秋千",
        "frequency": "weekly",
        "weekday": "0",
        "grace_days": "0",
        "items-0-text": "秋千链条完好",
        "items-0-type": "check",
    } | changes
    response = client.post(f"/templates/district/{world.district}/new", data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text
    if changes.get("name") == LONG:
        assert LONG in text  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ChecklistTemplate.id))) == 2


def test_a_forged_item_or_an_unchanged_version_publishes_nothing(app, world, client):
    sign_in(client, "district_admin")
    url = f"/templates/district/templates/{world.template}/publish"
    forged = client.post(
        url,
        data={
            "version": "1",
            "items-0-lineage": "f" * 32,
            "items-0-text": "伪造",
            "items-0-type": "check",
        },
    )
    assert forged.status_code == 400
    assert "not one of this template" in forged.get_data(as_text=True)
    with app.app_context():
        items = template_of(world.template).current_version.items
        data = {"version": "1"}
        for index, item in enumerate(items):
            data |= {
                f"items-{index}-lineage": item.lineage,
                f"items-{index}-text": item.text,
                f"items-{index}-type": "check",
                f"items-{index}-required": "y",
            }
    unchanged = client.post(url, data=data)
    assert unchanged.status_code == 400
    assert "Nothing changed" in unchanged.get_data(as_text=True)
    with app.app_context():
        assert len(template_of(world.template).versions) == 1


def test_the_school_page_speaks_chinese(app, world, client):
    sign_in(client, "east_admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = client.get(TEMPLATES).get_data(as_text=True)
    assert "区级模板" in page
    assert "大型玩具每周检查" in page
