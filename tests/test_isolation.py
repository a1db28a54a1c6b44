"""One school never sees nor changes another's records (issue 15, part 2).

School A is the first school, "main", with the fixture's admin, inspector and repairer.
School B is a second school holding one of everything, each text of it carrying a marker:
PUBLIC on what a plate's public page shows anyone (the asset, its place, a visitor's own
report), SECRET on everything else. The walk reads the URL map, like tests/test_security.py,
so routes added later are walked too: every route, as each of A's roles and signed out, with
B's ids, codes, tokens and photos in its URL, GET and (for POST routes) B's own forms as B's
admin sees them. Nothing of B may be shown (the plate's public page aside), nothing of B may
change, nothing may answer 5xx, and no record of A may come to point at one of B's.
"""

import io
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from PIL import Image
from werkzeug.datastructures import FileStorage

from app import settings, tenancy
from app.core.photos import photo_folder, save_photo, thumbnail_name
from app.extensions import db
from app.faults import lifecycle
from app.faults.views import ACTIONS
from app.models import (
    Answer,
    Asset,
    AssetStatus,
    Cause,
    ChecklistItem,
    FaultPhoto,
    Frequency,
    ItemType,
    PlaceKind,
    PreparedReport,
    PreparedStatus,
    Role,
    ScanCode,
    School,
    SignIn,
    StocktakeScan,
    User,
)
from app.models.common import SchoolOwned, utcnow
from tests.conftest import POSTGRES_URL, _psycopg
from tests.factories import (
    make_asset,
    make_attempt,
    make_blank_code,
    make_channel,
    make_checklist,
    make_closed_period,
    make_delivery,
    make_district,
    make_duty,
    make_inspection,
    make_kind,
    make_notice,
    make_place,
    make_public_report,
    make_school,
    make_staff_report,
    make_stocktake,
    make_template,
    make_user,
)
from tests.test_hostile_input import FormReader, client_as
from tests.test_security import VARIABLE

PUBLIC = "PUBZQX"
SECRET = "SECZQX"
# Shown by design to anyone holding B's plate or a visitor's report link: B's public page.
PUBLIC_PAGES = {"scan.door", "faults.report", "faults.reported", "faults.public_photo"}
SKIPPED = {"static", "auth.logout", "auth.end_all_phones", "auth.login"}
# A visitor's report of B's plate is recorded in B, by design.
CHANGES_B_BY_DESIGN = {("POST", "faults.report")}
WALKERS = (None, "admin", "inspector", "repairer")
SCHOOL_OWNED = sorted(
    (mapper.class_ for mapper in db.Model.registry.mappers
     if issubclass(mapper.class_, SchoolOwned)),
    key=lambda model: model.__tablename__,
)


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return FileStorage(stream=io.BytesIO(buffer.getvalue()), filename="photo.jpg")


def fill_school_a():
    """A little of A's own, so A's pages list something and B's ids are not A's."""
    place = make_place("A 操场", "A playground", code="AAAA22")
    asset = make_asset("A 滑梯", "A slide", place=place, code="AAAA33")
    make_checklist(asset.kind)
    make_public_report(asset, description="A's own report")


def fill_school_b(app):
    """School B with one of everything, its texts marked; what the walk puts in URLs."""
    with app.app_context():
        district = make_district("bdistrict", f"{SECRET} 区", None)
        b = make_school("bschool", name=f"{PUBLIC} 幼儿园", district=district)
        template = make_template(district, name=f"{SECRET} template")
        db.session.commit()
        with tenancy.in_school(b):
            head = make_user("bhead", role=Role.ADMIN, display_name=f"{SECRET} head")
            site = make_place(f"{PUBLIC} 园区", None, PlaceKind.SITE, code="BBBB22")
            room = make_place(f"{PUBLIC} 教室", None, PlaceKind.ROOM, parent=site, code="BBBB23")
            kind = make_kind("bslide", f"{PUBLIC} 滑梯", None)
            asset = make_asset(f"{PUBLIC} 滑梯 B", None, kind=kind, place=room, code="BBBB24",
                               asset_number=f"{SECRET}-1")
            asset.notes = f"{SECRET} notes"
            asset.photo = save_photo(jpeg())
            checklist = make_checklist(
                kind, (f"{SECRET} 每周检查", f"{SECRET} weekly"), Frequency.DAILY,
                ({"type": ItemType.CHECK, "text": f"{SECRET} 完好"},
                 {"type": ItemType.PHOTO, "text": f"{SECRET} photo", "required": False}),
            )
            make_duty(checklist, head)
            inspection = make_inspection(
                asset, checklist, date(2026, 11, 30), inspector=head, note=f"{SECRET} note",
                notes={1: f"{SECRET} answer"},
            )
            photo_answer = inspection.answers[1]
            # A signed answer refuses edits: its photo is written below the ORM.
            db.session.execute(
                sa.update(Answer).where(Answer.id == photo_answer.id)
                .values(photo=save_photo(jpeg()))
            )
            fault = make_staff_report(asset, description=f"{SECRET} fault", reporter=head)
            fault.photo = save_photo(jpeg())
            fault_photo = FaultPhoto(fault=fault, filename=save_photo(jpeg()))
            db.session.add(fault_photo)
            fixer = make_user("brepairer", role=Role.REPAIRER, display_name=f"{SECRET} fixer")
            repaired = make_staff_report(asset, description=f"{SECRET} repaired", reporter=head)
            lifecycle.assign(repaired, fixer, head)
            lifecycle.start(repaired, fixer)
            lifecycle.complete(
                repaired, fixer, f"{SECRET} repair note", "", "", Cause.NATURAL_WEAR, "",
                typed_name=fixer.display_name,
            )
            public = make_public_report(asset, description=f"{PUBLIC} visitor report")
            public_photo = FaultPhoto(fault=public, filename=save_photo(jpeg()))
            db.session.add(public_photo)
            stocktake = make_stocktake(room, by=head, codes=[asset.code])
            channel = make_channel(name=f"{SECRET} chat")
            notice = make_notice(title=f"{SECRET} notice", recipients=[head])
            delivery = make_delivery(notice, channel)
            make_attempt(delivery, ok=False, answer=f"{SECRET} answer")
            report = PreparedReport(
                user=head, choice="kind=checks&period=month&month=2026-11", language="zh",
                status=PreparedStatus.READY, filename=f"{SECRET}.pdf",
                content=b"%PDF " + SECRET.encode(), ready_at=utcnow(),
                expires_at=utcnow() + timedelta(days=1),
            )
            db.session.add(report)
            period = make_closed_period(name=f"{SECRET} 假期")
            settings.put("cause_rule.accidental", f"{SECRET} rule")
            blank = make_blank_code("BBBB25")
            db.session.commit()
            scan = db.session.scalar(sa.select(StocktakeScan))
            item = db.session.scalar(
                sa.select(ChecklistItem).where(ChecklistItem.version_id == inspection.version_id)
            )
            ids = {
                "asset_id": asset.id, "place_id": room.id, "kind_id": kind.id,
                "checklist_id": checklist.id, "item_id": item.id, "number": 1,
                "inspection_id": inspection.id, "answer_id": photo_answer.id,
                "fault_id": fault.id, "photo_id": fault_photo.id,
                "signature_id": repaired.repair_signature_id,
                "stocktake_id": stocktake.id, "scan_id": scan.id,
                "channel_id": channel.id, "delivery_id": delivery.id,
                "prepared_id": report.id, "period_id": period.id, "user_id": head.id,
                "code": asset.code, "token": public.public_token,
                "public_fault_id": public.id, "public_photo_id": public_photo.id,
                "blank": blank.value, "school_id": b.id, "head": head.id,
                "notice": notice.id, "template_id": template.id,
                "district_id": district.id, "school_code": b.code,
            }
        main = db.session.scalar(sa.select(School.id).where(School.code == "main"))
        with tenancy.in_school(main):
            fill_school_a()
            db.session.commit()
        # B's head on a phone: the walkers try to end its sign-in.
        ids["sign_in_id"] = client_sign_in(head)
        return ids


def client_sign_in(user):
    from app.auth import sign_ins

    sign_in = sign_ins.start(user, "B's phone")
    db.session.commit()
    return sign_in.id


def snapshot(app, school_id):
    """Every row of the school, and its people and their sign-ins, as read past the scoping."""
    with app.app_context(), tenancy.everywhere():
        found = {}
        for model in SCHOOL_OWNED:
            table = model.__table__
            found[table.name] = db.session.execute(
                sa.select(table).where(table.c.school_id == school_id)
                .order_by(*table.primary_key.columns)
            ).all()
        people = db.session.execute(
            sa.select(User.__table__).where(User.username == "bhead")).all()
        found["users"] = people
        found["sign_ins"] = db.session.execute(
            sa.select(SignIn.__table__).where(SignIn.user_id == people[0].id)
            .order_by(SignIn.id)).all()
        db.session.rollback()
        return found


def crossings(app):
    """Records pointing at a record of another school: table.column -> how many."""
    found = {}
    owned = {model.__tablename__ for model in SCHOOL_OWNED}
    with app.app_context(), tenancy.everywhere():
        for model in SCHOOL_OWNED:
            table = model.__table__
            for key in table.foreign_keys:
                target = key.column.table
                if target.name not in owned or target is table:
                    continue
                other = target.alias()
                count = db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(table.join(other, key.parent == other.c[key.column.name]))
                    .where(other.c.school_id != table.c.school_id)
                )
                if count:
                    found[f"{table.name}.{key.parent.name}"] = count
        db.session.rollback()
    return found


def path_values(rule, ids):
    values = {}
    for _converter, name in VARIABLE.findall(rule.rule):
        if name in (rule.defaults or {}):
            continue
        if name == "fmt":
            values[name] = "svg"
        elif name == "code" and rule.endpoint.startswith("district."):
            values[name] = ids["school_code"]
        elif name == "photo_id" and rule.endpoint == "faults.public_photo":
            values[name] = ids["public_photo_id"]
        else:
            values[name] = ids.get(name, "x")
    return values


def walked_targets(app, ids):
    """(endpoint, method, path) of every route but the skipped, with B's values."""
    targets = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIPPED:
                continue
            values = path_values(rule, ids)
            variants = (
                [{**values, "action": action} for action in ACTIONS]
                if "action" in values else [values]
            )
            for each in variants:
                url = url_for(rule.endpoint, **each)
                for method in sorted(rule.methods & {"GET", "POST"}):
                    targets.append((rule.endpoint, method, url))
    return targets


def b_forms(app, ids, targets):
    """B's own forms as B's head sees them: the plausible data the walkers post."""
    head = client_as(app, "bhead", {"bhead": ids["head"]})
    forms = {}
    for _endpoint, method, url in targets:
        if method != "GET":
            continue
        response = head.get(url)
        if not response.content_type.startswith("text/html"):
            continue
        reader = FormReader(urlsplit(url).path)
        reader.feed(response.get_data(as_text=True))
        for form in reader.forms:
            forms.setdefault((form.method, form.path), form.fields)
    return forms


@pytest.fixture
def school_b(app):
    return fill_school_b(app)


def walk(app, ids, username, user_ids):
    """What went wrong, one line per request, walking every route as `username`."""
    targets = walked_targets(app, ids)
    forms = b_forms(app, ids, targets)
    client = client_as(app, username, user_ids)
    before = snapshot(app, ids["school_id"])
    wrong = []
    for endpoint, method, url in targets:
        path = urlsplit(url).path
        data = forms.get((method, path), {}) if method == "POST" else None
        response = client.open(url, method=method, data=data)
        text = response.get_data(as_text=True)
        shown = [SECRET] if endpoint in PUBLIC_PAGES else [SECRET, PUBLIC]
        where = f"{username or 'signed out'} {method} {url} ({endpoint})"
        if response.status_code >= 500:
            wrong.append(f"{where}: {response.status_code}")
        for marker in shown:
            if marker in text or marker.encode() in response.get_data():
                wrong.append(f"{where}: shows {marker}")
        if method == "POST" and (method, endpoint) not in CHANGES_B_BY_DESIGN:
            after = snapshot(app, ids["school_id"])
            changed = [name for name in after if after[name] != before[name]]
            if changed:
                wrong.append(f"{where}: changed B's {', '.join(changed)}")
            before = after
    return wrong


@pytest.mark.parametrize("username", WALKERS)
def test_every_route_with_b_values_shows_and_changes_nothing_of_b(app, school_b, username):
    with app.app_context():
        user_ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    photos = {photo_folder_path(app) / name for name in b_photo_names(app)}
    wrong = walk(app, school_b, username, user_ids)
    assert not wrong, "\n".join(wrong)
    assert crossings(app) == {}
    assert all(photo.exists() for photo in photos)


def photo_folder_path(app):
    with app.app_context():
        return photo_folder()


def b_photo_names(app):
    with app.app_context(), tenancy.everywhere():
        names = set(db.session.scalars(sa.select(FaultPhoto.filename)))
        names |= {name for name in db.session.scalars(sa.select(Asset.photo)) if name}
        return names | {thumbnail_name(name) for name in names}


def test_the_walk_reaches_b_through_its_own_head(app, school_b):
    """B's head sees B's records on the same addresses: the walk's markers and ids are real."""
    with app.app_context():
        user_ids = {"bhead": school_b["head"]}
    client = client_as(app, "bhead", user_ids)
    for url in (f"/faults/{school_b['fault_id']}", f"/inspections/{school_b['inspection_id']}",
                f"/stocktakes/{school_b['stocktake_id']}", "/register/assets",
                f"/notices/channels/{school_b['channel_id']}", "/checklists/closed-periods"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET in response.text or PUBLIC in response.text, url


def test_the_walk_catches_a_route_that_reads_past_the_school(app, school_b):
    def careless():
        with tenancy.everywhere():
            return db.session.scalar(sa.select(Asset.name).where(Asset.name.contains(PUBLIC)))

    app.add_url_rule("/careless", "careless", careless)
    with app.app_context():
        user_ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    wrong = walk(app, school_b, "admin", user_ids)
    assert wrong == [f"admin GET /careless (careless): shows {PUBLIC}"]


# The plate's own page: B's public face, never B's records.


@pytest.mark.parametrize("username", WALKERS)
def test_a_plate_of_b_shows_only_its_public_page(app, school_b, username):
    with app.app_context():
        user_ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    client = client_as(app, username, user_ids)
    response = client.get(f"/q/{school_b['code']}")
    assert response.status_code == 200
    assert f"{PUBLIC} 滑梯 B" in response.text
    assert SECRET not in response.text


@pytest.mark.parametrize("method, path", [
    ("GET", "/q/ZZZZ22"), ("GET", "/q/ZZZZ22/report"), ("POST", "/q/ZZZZ22/report"),
])
def test_a_code_of_no_school_is_unknown_to_a_visitor_of_a_deployment_of_several(
    app, school_b, client, method, path
):
    assert client.open(path, method=method, data={}).status_code == 404


def test_a_plate_of_b_is_not_claimed_nor_replaced_from_a(app, school_b, client, auth):
    auth.login()
    before = snapshot(app, school_b["school_id"])
    assert client.post(f"/q/{school_b['code']}/replace").status_code == 404
    assert client.post(f"/q/{school_b['blank']}/replace").status_code == 404
    assert snapshot(app, school_b["school_id"]) == before


# The bad input of issue 15 that crosses schools.


def test_moving_an_asset_to_a_place_of_another_school_is_refused(app, school_b, client, auth):
    auth.login()
    with app.app_context(), tenancy.in_school(1):
        asset = db.session.scalar(sa.select(Asset).where(Asset.code == "AAAA33"))
        form = {"name": asset.name, "name_en": asset.name_en or "", "kind_id": asset.kind_id,
                "place_id": school_b["place_id"], "status": asset.status.value,
                "asset_number": "", "notes": ""}
        asset_id, place_id = asset.id, asset.place_id
    before = snapshot(app, school_b["school_id"])
    response = client.post(f"/register/assets/{asset_id}/edit", data=form)
    assert response.status_code == 400
    assert "Not a valid choice" in response.text
    assert PUBLIC not in response.text
    with app.app_context(), tenancy.in_school(1):
        assert db.session.get(Asset, asset_id).place_id == place_id
    assert snapshot(app, school_b["school_id"]) == before


def test_a_stocktake_of_a_moves_nothing_of_b(app, school_b, client, auth):
    auth.login()
    with app.app_context(), tenancy.in_school(1):
        from tests.factories import user

        stocktake = make_stocktake(None, by=user("admin"))
        db.session.commit()
        stocktake_id = stocktake.id
    before = snapshot(app, school_b["school_id"])
    response = client.post(f"/stocktakes/{stocktake_id}/count", data={"code": school_b["code"]})
    assert response.status_code in (200, 303, 400)
    assert SECRET not in response.text
    assert snapshot(app, school_b["school_id"]) == before
    assert crossings(app) == {}


CSV_HEADER = "code,name,name_en,kind,place,asset_number,status,notes\n"


@pytest.mark.parametrize(
    "row, message",
    [
        ("BBBB24,滑梯,,slide,AAAA22,,,", "BBBB24 belongs to another school"),
        ("BBBB25,滑梯,,slide,AAAA22,,,", "BBBB25 belongs to another school"),
        (",滑梯,,slide,BBBB23,,,", "Unknown place “BBBB23”"),
        (",滑梯,,bslide,AAAA22,,,", "Unknown kind “bslide”"),
    ],
)
def test_an_import_naming_what_another_school_owns_is_refused_per_row(
    app, school_b, client, auth, row, message
):
    auth.login()
    before = snapshot(app, school_b["school_id"])
    with app.app_context(), tenancy.in_school(1):
        a_assets = db.session.scalar(sa.select(sa.func.count(Asset.id)))
    data = (CSV_HEADER + "AAAA33,A 滑梯,A slide,slide,AAAA22,,,\n" + row + "\n").encode()
    response = client.post(
        "/register/import", data={"file": (io.BytesIO(data), "assets.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Line 3" in response.text and message in response.text
    assert PUBLIC not in response.text and SECRET not in response.text
    assert snapshot(app, school_b["school_id"]) == before
    with app.app_context(), tenancy.in_school(1):
        assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == a_assets


def test_an_import_writes_its_new_assets_and_codes_into_the_current_school(
    app, school_b, client, auth
):
    auth.login()
    data = (CSV_HEADER + ",新滑梯,,slide,AAAA22,,,\nAAAA44,另一个,,slide,AAAA22,,,\n").encode()
    response = client.post(
        "/register/import", data={"file": (io.BytesIO(data), "assets.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    with app.app_context(), tenancy.everywhere():
        made = db.session.execute(
            sa.select(Asset.school_id, ScanCode.school_id)
            .join(ScanCode, ScanCode.asset_id == Asset.id)
            .where(Asset.name.in_(("新滑梯", "另一个")))
        ).all()
    assert made == [(1, 1), (1, 1)]
    assert crossings(app) == {}


def test_a_blank_label_of_b_is_not_claimed_from_a(app, school_b, client, auth):
    auth.login()
    before = snapshot(app, school_b["school_id"])
    with app.app_context(), tenancy.in_school(1):
        kind_id = db.session.scalar(sa.select(Asset.kind_id).where(Asset.code == "AAAA33"))
        place_id = db.session.scalar(sa.select(Asset.place_id).where(Asset.code == "AAAA33"))
    response = client.post(
        "/register/assets/new",
        data={"code": school_b["blank"], "name": "新的", "kind_id": kind_id, "place_id": place_id,
              "status": AssetStatus.IN_SERVICE.value},
    )
    assert response.status_code == 400
    assert "belongs to another school" in response.text
    assert 'value="新的"' in response.text
    assert snapshot(app, school_b["school_id"]) == before
    with app.app_context(), tenancy.in_school(1):
        assert db.session.scalar(sa.select(Asset.id).where(Asset.name == "新的")) is None


def test_a_record_read_across_schools_is_not_handed_out_by_id_afterwards(app, school_b):
    """session.get answers from the identity map without a query: not past the school."""
    with app.app_context(), tenancy.in_school(1):
        with tenancy.everywhere():
            seen = db.session.get(Asset, school_b["asset_id"])
        assert seen is not None
        assert db.session.get(Asset, school_b["asset_id"]) is None
        assert db.session.scalar(sa.select(Asset).where(Asset.id == school_b["asset_id"])) is None
        with tenancy.in_school(school_b["school_id"]):
            assert db.session.get(Asset, school_b["asset_id"]) is seen


def test_the_hourly_photo_clean_up_keeps_every_school_s_photos(app, school_b):
    """The folder is the deployment's: run in A, the clean-up still sees B's records."""
    from app.core.photos.cleanup import clean_unclaimed

    photos = {photo_folder_path(app) / name for name in b_photo_names(app)}
    with app.app_context(), tenancy.in_school(1):
        cleaned = clean_unclaimed(now=9_999_999_999)
    assert cleaned.deleted == []
    assert all(photo.exists() for photo in photos)


def test_commands_on_a_school_s_records_ask_which_school_when_there_are_several(
    app, school_b, runner
):
    refused = runner.invoke(args=["assets", "export", "-"])
    assert refused.exit_code == 2
    assert "Name the school with --school: one of bschool, main." in refused.output
    unknown = runner.invoke(args=["assets", "export", "-", "--school", "nope"])
    assert "No school has the code nope: one of bschool, main." in unknown.output
    mine = runner.invoke(args=["assets", "export", "-", "--school", "main"])
    theirs = runner.invoke(args=["assets", "export", "-", "--school", "bschool"])
    assert mine.exit_code == theirs.exit_code == 0
    assert "AAAA33" in mine.output and PUBLIC not in mine.output
    assert f"{PUBLIC} 滑梯 B" in theirs.output and "AAAA33" not in theirs.output
    assert runner.invoke(args=["qr", "export"]).exit_code == 2


def test_commands_need_no_school_in_a_one_school_install(app, runner):
    with app.app_context():
        make_asset(code="ONLY22")
        db.session.commit()
    exported = runner.invoke(args=["assets", "export", "-"])
    assert exported.exit_code == 0 and "ONLY22" in exported.output


# PostgreSQL holds the tables to the current school though the application forgot.

postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="row-level security is PostgreSQL's")


@postgres_only
def test_postgres_returns_nothing_of_b_with_the_application_s_scoping_off(app, school_b):
    session_class = db.session.session_factory.class_
    sa.event.remove(session_class, "do_orm_execute", tenancy._keep_to_current_schools)
    try:
        with app.app_context(), tenancy.in_school(1):
            assert not sa.event.contains(
                session_class, "do_orm_execute", tenancy._keep_to_current_schools
            )
            seen = {
                model.__tablename__: set(db.session.scalars(sa.select(model.school_id)))
                for model in SCHOOL_OWNED
            }
            # Core statements on the session's connection, below the ORM, too.
            raw = db.session.execute(sa.text("SELECT school_id FROM faults")).scalars().all()
            recipients_of_b = db.session.execute(
                sa.text("SELECT count(*) FROM notice_recipients WHERE notice_id = :b"),
                {"b": school_b["notice"]},
            ).scalar()
            with tenancy.everywhere():
                everyone = set(db.session.scalars(sa.select(SCHOOL_OWNED[0].school_id)))
            db.session.rollback()
    finally:
        sa.event.listen(session_class, "do_orm_execute", tenancy._keep_to_current_schools)
    assert {name: ids for name, ids in seen.items() if ids - {1}} == {}
    assert seen["places"] == seen["memberships"] == {1}
    assert set(raw) == {1}
    assert recipients_of_b == 0
    # Told every school, the same session sees B's rows: the policies are what hid them.
    assert everyone == {1, school_b["school_id"]}


@postgres_only
def test_postgres_refuses_a_row_of_b_written_while_a_is_current(app, school_b):
    with app.app_context(), tenancy.in_school(1):
        db.session.execute(sa.text("SELECT 1"))
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            db.session.execute(
                sa.text("INSERT INTO closed_periods (name, start_date, end_date, school_id)"
                        " VALUES ('x', '2027-01-01', '2027-01-02', :b)"),
                {"b": school_b["school_id"]},
            )
        db.session.rollback()
    with app.app_context(), tenancy.in_school(1):
        changed = db.session.execute(
            sa.text("UPDATE places SET name = 'taken' WHERE school_id = :b"),
            {"b": school_b["school_id"]},
        ).rowcount
        db.session.rollback()
    assert changed == 0


@postgres_only
def test_postgres_keeps_to_a_school_by_the_school_id_index_not_row_by_row(app, school_b):
    """The policies work the school list out once a statement, which each table's school_id
    index answers: a table is never read whole and filtered row by row (5e8b1d2c9f47)."""
    with app.app_context(), tenancy.in_school(1):
        # Small test tables would be read whole anyway: only a plan the index can serve is left.
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        explain = "EXPLAIN SELECT id FROM {}"
        plans = {
            table: "\n".join(db.session.execute(sa.text(explain.format(table))).scalars())
            for table in ("places", "assets", "inspections", "faults", "checklists")
        }
        db.session.rollback()
    assert {table: plan for table, plan in plans.items() if "Seq Scan" in plan} == {}


@postgres_only
def test_postgres_binds_the_application_by_a_policy_on_every_school_owned_table(app):
    with app.app_context(), tenancy.in_school(1):
        role = db.session.execute(
            sa.text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles"
                    " WHERE rolname = current_user")
        ).one()
        policies = set(db.session.execute(
            sa.text("SELECT tablename FROM pg_policies WHERE policyname = 'school_only'")
        ).scalars())
        secured = set(db.session.execute(
            sa.text("SELECT relname FROM pg_class WHERE relrowsecurity AND relkind = 'r'")
        ).scalars())
        db.session.rollback()
    assert role == (app.config["DATABASE_APP_ROLE"], False, False)
    tables = {model.__tablename__ for model in SCHOOL_OWNED}
    assert len(tables) == 28
    assert tables | {"notice_recipients"} <= policies
    assert tables <= secured


def test_every_school_owned_record_gets_the_current_school_or_none(app):
    with app.app_context():
        make_school("second")
        db.session.commit()
    with app.app_context():
        with pytest.raises(sa.exc.StatementError, match="No single school is current"):
            make_place("无校", code="CCCC22")
        db.session.rollback()


# An install of one school upgrades into its first school, and back.

BEFORE_SCHOOLS = "b85228d0714f"
# School-owned tables no install before schools holds.
MADE_WITH_SCHOOLS_OR_AFTER = {"memberships", "school_figures", "stored_photos"}
# What a table's checks ask beyond its NOT NULL columns.
OLD_ROW_EXTRAS = {"checklists": {"kind_id": 1}, "stocktake_scans": {"asset_id": 1}}


def _value_for(table, column, enum_types):
    """A value an old row may hold: a foreign key points at row 1 of its table."""
    if column["name"] in enum_types:
        return enum_types[column["name"]]
    kind = column["type"]
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.DateTime):
        return "2026-11-30 08:00:00"
    if isinstance(kind, sa.Date):
        return "2026-11-30"
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.0
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    if isinstance(kind, sa.JSON):
        return "{}"
    text = "X22222" if column["name"] in ("code", "value") else f"{table} {column['name']}"
    return text[: getattr(kind, "length", None) or len(text)]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_install(request, tmp_path):
    """An empty database for the migrations: a SQLite file, or a schema of its own in
    TEST_DATABASE_URL's database, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    engine = sa.create_engine(_psycopg(POSTGRES_URL))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {OLD_SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {OLD_SCHEMA}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{OLD_SCHEMA}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {OLD_SCHEMA} CASCADE"))
    engine.dispose()


OLD_SCHEMA = "patrol_old_install"


def test_an_install_upgrades_into_its_first_school_and_back(old_install):
    from flask_migrate import downgrade, upgrade

    from app import create_app

    owned = [
        model.__tablename__ for model in SCHOOL_OWNED
        if model.__tablename__ not in MADE_WITH_SCHOOLS_OR_AFTER
    ]
    app = create_app({"DATABASE_URL": old_install, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision=BEFORE_SCHOOLS)
        with db.engine.begin() as connection:
            fill_old_install(connection, owned)
        upgrade()
        with db.engine.connect() as connection:
            def found(sql):
                return [tuple(row) for row in connection.execute(sa.text(sql)).all()]

            for table in owned:
                assert found(f"SELECT DISTINCT school_id FROM {table}") == [(1,)], table
            assert found("SELECT id, code FROM schools") == [(1, app.config["SCHOOL_CODE"])]
            assert found(
                "SELECT user_id, role, school_id FROM memberships ORDER BY user_id"
            ) == [(1, "admin", 1), (2, "repairer", 1)]
            assert found("SELECT school_id, key FROM settings") == [(1, "settings key")]
        downgrade(revision=BEFORE_SCHOOLS)
        with db.engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(
                sa.text("SELECT username, role FROM users ORDER BY id"))] == [
                ("wang", "admin"), ("liu", "repairer")]
            for table in owned:
                count = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                assert count == 1, table
        db.engine.dispose()


def fill_old_install(connection, owned):
    """One row in each school-owned table, as the install held them before schools."""
    inspector = sa.inspect(connection)
    connection.execute(sa.text(
        "INSERT INTO users (id, username, display_name, password_hash, role, active,"
        " created_at) VALUES (1, 'wang', 'Wang', 'x', 'admin', :yes, '2026-01-01'),"
        " (2, 'liu', 'Liu', 'x', 'repairer', :yes, '2026-01-01')"), {"yes": True})
    for table in db.metadata.sorted_tables:
        if table.name not in owned:
            continue
        enum_types = {
            column.name: column.type.enums[0]
            for column in table.columns if isinstance(column.type, sa.Enum)
        }
        values = {
            column["name"]: _value_for(table.name, column, enum_types)
            for column in inspector.get_columns(table.name)
            if not column["nullable"] and column["default"] is None
            and not (column.get("autoincrement") and column["name"] == "id")
        }
        values |= OLD_ROW_EXTRAS.get(table.name, {})
        if "id" in table.c and "id" not in values:
            values["id"] = 1
        connection.execute(
            sa.text(f"INSERT INTO {table.name} ({', '.join(values)}) VALUES "
                    f"({', '.join(':' + name for name in values)})"), values)
