"""A form's client id is only a repeat of the same form: the same sender (user, or browser for
a public report) about the same thing. Sent by anyone else, or about anything else, it is
refused with 409, records nothing and tells nothing of the record that has the id. Every kind
of form that carries an id, as a plain form and as the outbox sends it."""

import re
import uuid

import pytest
import sqlalchemy as sa

from app.core import sent_forms
from app.extensions import db
from app.faults import reporting
from app.models import (
    Asset,
    Fault,
    FaultPhoto,
    Frequency,
    Inspection,
    Place,
    Role,
    Signature,
    Stocktake,
    Urgency,
    User,
)
from app.stocktakes import counting
from tests.factories import (
    SLIDE_ITEMS,
    make_asset,
    make_checklist,
    make_place,
    make_slide,
    make_user,
    user,
)
from tests.test_inspections import all_ok
from tests.test_outbox import OUTBOX, photo

HOW = ["form", "outbox"]
REUSED = "This form was already used for something else. Nothing was recorded."
REUSED_ZH = "这张表单已经用于别的记录，本次没有记录任何内容。"
PASSWORD = "correct horse"
NOTE = "Bolt loose under the third step"
DESCRIPTION = "Chain of the left swing is rusted through"
NAME = "王老师"
PHONE = "138 0000 1234"


def browser(app, username=None):
    """A browser of its own: its own cookies, and signed in as username if given."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if username:
        client.post("/login", data={"username": username, "password": PASSWORD})
    return client


def send(client, url, data, how, language="en"):
    headers = {"Accept-Language": language, **(OUTBOX if how == "outbox" else {})}
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers)


def repeated(first, again, how):
    if how == "outbox":
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.get_json()["url"] == first.get_json()["url"]
    else:
        assert first.status_code == again.status_code == 303
        assert again.location == first.location


def refused(response, how, *secrets, message=REUSED):
    """409 with the rule's words, and nothing of the other record in it."""
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    if how == "outbox":
        assert response.get_json() == {"error": "refused", "message": message}
    else:
        assert message in body
    for secret in secrets:
        assert secret not in body


def miss_the_first_look(monkeypatch) -> list:
    """The look for an earlier send finds nothing the first time, as when two sends race;
    the list it returns counts the looks."""
    real_lookup = sent_forms.SentForm.earlier
    lookups = []

    def lookup_that_misses_once(sent):
        lookups.append(sent.client_id)
        return None if len(lookups) == 1 else real_lookup(sent)

    monkeypatch.setattr(sent_forms.SentForm, "earlier", lookup_that_misses_once)
    return lookups


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


# Inspections


@pytest.fixture
def slides(app):
    """Slide 1 with its checklist; a second slide it applies to; a second checklist for both."""
    first = make_slide(app)
    with app.app_context():
        slide_1 = db.session.get(Asset, first["asset_id"])
        slide_2 = make_asset("滑梯 2", "Slide 2", kind=slide_1.kind, place=slide_1.place)
        monthly = make_checklist(
            slide_1.kind, ("滑梯每周检查", "Weekly slide check"), Frequency.DAILY, SLIDE_ITEMS
        )
        make_user("zhao", Role.INSPECTOR, display_name="赵老师")
        # The name each signs with is their own: another's is refused before anything else.
        user("inspector").display_name = "李老师"
        db.session.commit()
        second_asset = {**first, "asset_id": slide_2.id}
        second_checklist = {
            **first,
            "checklist_id": monthly.id,
            "version_id": monthly.current_version.id,
            "items": [item.id for item in monthly.current_version.items],
        }
    return first, second_asset, second_checklist


def inspect_url(slide):
    return f"/assets/{slide['asset_id']}/checklists/{slide['checklist_id']}/inspect"


def signed_check(slide, client_id, signer="李老师"):
    return all_ok(slide, client_id=client_id, note=NOTE, signer_name=signer)


@pytest.mark.parametrize("how", HOW)
def test_an_inspection_sent_again_by_its_inspector_is_a_repeat(app, slides, how):
    slide = slides[0]
    inspector = browser(app, "inspector")
    data = signed_check(slide, uuid.uuid4().hex)
    first = send(inspector, inspect_url(slide), data, how)
    again = send(inspector, inspect_url(slide), dict(data), how)
    repeated(first, again, how)
    assert count(app, Inspection) == 1 and count(app, Signature) == 1


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("other", ["inspector", "asset", "checklist"])
def test_an_inspections_id_on_another_form_is_refused(app, slides, how, other):
    slide, other_asset, other_checklist = slides
    client_id = uuid.uuid4().hex
    first = send(browser(app, "inspector"), inspect_url(slide), signed_check(slide, client_id), how)
    assert first.status_code in (201, 303)
    [inspection_id] = [i.id for i in _inspections(app)]

    sender, target = {
        "inspector": (browser(app, "zhao"), slide),
        "asset": (browser(app, "inspector"), other_asset),
        "checklist": (browser(app, "inspector"), other_checklist),
    }[other]
    signer = "赵老师" if other == "inspector" else "李老师"
    response = send(sender, inspect_url(target), signed_check(target, client_id, signer), how)
    # Another inspector learns nothing of the record, not even who signed it.
    secrets = ["李老师"] if other == "inspector" else []
    refused(response, how, NOTE, *secrets, f"/inspections/{inspection_id}", "/rounds/next")
    assert [i.id for i in _inspections(app)] == [inspection_id]
    assert count(app, Signature) == 1


def test_the_refusal_is_in_chinese_for_a_chinese_phone(app, slides):
    slide, other_asset, _ = slides
    client_id = uuid.uuid4().hex
    inspector = browser(app, "inspector")
    send(inspector, inspect_url(slide), signed_check(slide, client_id), "form")
    for how in HOW:
        response = send(
            inspector, inspect_url(other_asset), signed_check(other_asset, client_id), how, "zh"
        )
        refused(response, how, NOTE, message=REUSED_ZH)


@pytest.mark.parametrize("how", ["form", "outbox"])
def test_an_inspections_id_on_a_correction_is_refused(app, slides, how):
    slide = slides[0]
    inspector = browser(app, "inspector")
    send(inspector, inspect_url(slide), signed_check(slide, uuid.uuid4().hex), "form")
    reused = uuid.uuid4().hex
    send(inspector, inspect_url(slide), signed_check(slide, reused), "form")
    corrected = _inspections(app)[0].id
    response = send(
        inspector, f"/inspections/{corrected}/correct", signed_check(slide, reused), how
    )
    refused(response, how, NOTE)
    assert count(app, Inspection) == 2


def test_a_race_lost_to_another_inspectors_form_is_refused(app, slides, monkeypatch):
    """Both sends passed the look for the id before either committed; the unique id decides."""
    slide = slides[0]
    client_id = uuid.uuid4().hex
    send(browser(app, "inspector"), inspect_url(slide), signed_check(slide, client_id), "form")
    lookups = miss_the_first_look(monkeypatch)
    response = send(
        browser(app, "zhao"), inspect_url(slide), signed_check(slide, client_id, "赵老师"),
        "outbox",
    )
    assert len(lookups) == 2
    refused(response, "outbox", NOTE)
    assert count(app, Inspection) == 1 and count(app, Signature) == 1


def _inspections(app):
    with app.app_context():
        return db.session.scalars(sa.select(Inspection).order_by(Inspection.id)).all()


# Fault reports


@pytest.fixture
def swings(app):
    with app.app_context():
        make_asset("秋千", "Swing", code="SWG234")
        make_asset("跷跷板", "Seesaw", code="SSW234")
        db.session.commit()
    return "/q/SWG234/report", "/q/SSW234/report"


def report(client_id, **fields):
    return {
        "client_id": client_id,
        "description": DESCRIPTION,
        "urgency": "unsafe",
        "public_name": NAME,
        "public_phone": PHONE,
        **fields,
    }


@pytest.mark.parametrize("how", HOW)
def test_a_public_report_sent_again_from_its_browser_is_a_repeat(app, swings, how):
    reporter = browser(app)
    reporter.get(swings[0])
    data = report(uuid.uuid4().hex)
    first = send(reporter, swings[0], {**data, "photos": [photo()]}, how)
    again = send(reporter, swings[0], {**data, "photos": [photo()]}, how)
    repeated(first, again, how)
    assert count(app, Fault) == 1 and count(app, FaultPhoto) == 1


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("other", ["browser", "asset", "staff"])
def test_a_public_reports_id_on_another_form_is_refused(app, swings, how, other):
    client_id = uuid.uuid4().hex
    reporter = browser(app)
    first = send(reporter, swings[0], {**report(client_id), "photos": [photo()]}, how)
    assert first.status_code in (201, 303)
    with app.app_context():
        (fault,) = db.session.scalars(sa.select(Fault))
        token = fault.public_token

    sender, url = {
        "browser": (browser(app), swings[0]),
        "asset": (reporter, swings[1]),
        "staff": (browser(app, "inspector"), swings[0]),
    }[other]
    response = send(sender, url, report(client_id, description="Something else"), how)
    refused(response, how, NAME, DESCRIPTION, PHONE, token, "/faults/reported")
    assert count(app, Fault) == 1 and count(app, FaultPhoto) == 1


@pytest.mark.parametrize("how", HOW)
def test_a_staff_report_sent_again_by_its_reporter_is_a_repeat(app, swings, how):
    inspector = browser(app, "inspector")
    data = report(uuid.uuid4().hex)
    first = send(inspector, swings[0], data, how)
    again = send(inspector, swings[0], dict(data), how)
    repeated(first, again, how)
    assert count(app, Fault) == 1


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("other", ["user", "asset", "public"])
def test_a_staff_reports_id_on_another_form_is_refused(app, swings, how, other):
    client_id = uuid.uuid4().hex
    inspector = browser(app, "inspector")
    first = send(inspector, swings[0], report(client_id), how)
    assert first.status_code in (201, 303)
    with app.app_context():
        fault_id = db.session.scalar(sa.select(Fault.id))

    sender, url = {
        "user": (browser(app, "repairer"), swings[0]),
        "asset": (inspector, swings[1]),
        "public": (browser(app), swings[0]),
    }[other]
    response = send(sender, url, report(client_id, description="Something else"), how)
    refused(response, how, DESCRIPTION, f"/faults/{fault_id}")
    assert count(app, Fault) == 1


def test_a_kept_public_report_sent_after_a_sign_in_on_the_same_phone_is_a_repeat(app, swings):
    """The browser's id is its own cookie: signing in on the phone does not change it."""
    phone = browser(app)
    phone.get(swings[0])
    data = report(uuid.uuid4().hex)
    first = send(phone, swings[0], data, "outbox")
    phone.post("/login", data={"username": "inspector", "password": PASSWORD})
    again = phone.post(
        swings[0], data=dict(data), content_type="multipart/form-data",
        headers={**OUTBOX, "X-Patrol-Entered-By": "public"},
    )
    repeated(first, again, "outbox")
    assert count(app, Fault) == 1


def test_a_race_lost_to_another_browsers_report_is_refused(app, swings):
    """Both sends passed the view's look for the id; the unique id lets one commit."""
    with app.app_context():
        swing = db.session.scalar(sa.select(Asset).where(Asset.code == "SWG234"))
        reporting.report_fault(
            swing, DESCRIPTION, Urgency.UNSAFE, False, [], public_name=NAME,
            client_id="c" * 32, browser="1" * 64,
        )
        with pytest.raises(sent_forms.FormReused):
            reporting.report_fault(
                swing, "Other", Urgency.UNSAFE, True, [], public_name="Other",
                client_id="c" * 32, browser="2" * 64,
            )
        assert db.session.scalar(sa.select(sa.func.count(Fault.id))) == 1


# Stocktakes


@pytest.fixture
def rooms(app):
    with app.app_context():
        junior = make_place("小一班", "Junior Class 1")
        yard = make_place("操场", "Playground")
        make_user("deputy", Role.ADMIN)
        db.session.commit()
        return str(junior.id), str(yard.id)


def start_stocktake(client, client_id, place, how="form"):
    return send(client, "/stocktakes/new", {"client_id": client_id, "place": place}, how)


def test_a_stocktake_started_again_by_its_admin_is_a_repeat(app, rooms):
    admin = browser(app, "admin")
    first = start_stocktake(admin, "a" * 32, rooms[0])
    again = start_stocktake(admin, "a" * 32, rooms[0])
    repeated(first, again, "form")
    assert count(app, Stocktake) == 1


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("other", ["admin", "place"])
def test_a_stocktakes_id_on_another_start_is_refused(app, rooms, how, other):
    first = start_stocktake(browser(app, "admin"), "a" * 32, rooms[0])
    assert first.status_code == 303
    sender, place = {
        "admin": (browser(app, "deputy"), rooms[0]),
        "place": (browser(app, "admin"), rooms[1]),
    }[other]
    response = start_stocktake(sender, "a" * 32, place, how)
    refused(response, how, first.location, "小一班", "Junior Class 1")
    assert count(app, Stocktake) == 1


def test_a_race_lost_to_another_admins_start_is_refused(app, rooms, monkeypatch):
    start_stocktake(browser(app, "admin"), "a" * 32, rooms[0])
    lookups = miss_the_first_look(monkeypatch)
    with app.app_context():
        deputy = db.session.scalar(sa.select(User).where(User.username == "deputy"))
        yard = db.session.get(Place, int(rooms[1]))
        with pytest.raises(sent_forms.FormReused):
            counting.start_stocktake(yard, deputy, "a" * 32)
    assert len(lookups) == 2
    assert count(app, Stocktake) == 1


# Every kind


def test_every_record_with_a_client_id_is_a_form_covered_here(app):
    """A new kind of form with a client id must follow the rule, and get its tests here."""
    with_client_id = {
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if "client_id" in mapper.columns
    }
    assert with_client_id == {"Inspection", "Fault", "Stocktake"}


# A missing or a malformed id: one rule for every kind (app.core.sent_forms.sent_client_id)

MALFORMED = ["short", "x" * 65, "../../etc", "<script>x</script>", "a b c d e f g h"]
DAMAGED = "This form is damaged. Reload the page and fill it in again. Nothing was recorded."


def every_kind(app, slides, swings, rooms, post=send):
    """Each kind of form with a client id: how to send it with an id, and its records' model."""
    slide = slides[0]
    return {
        "inspection": (
            lambda client_id, how: post(
                browser(app, "inspector"), inspect_url(slide), signed_check(slide, client_id),
                how,
            ),
            Inspection,
        ),
        "report": (
            lambda client_id, how: post(browser(app), swings[0], report(client_id), how),
            Fault,
        ),
        "stocktake": (
            lambda client_id, how: post(
                browser(app, "admin"), "/stocktakes/new",
                {"client_id": client_id, "place": rooms[0]}, how,
            ),
            Stocktake,
        ),
    }


def send_without_id(client, url, data, how):
    """The form as an old page kept in a cache sends it: no client id field at all."""
    return send(client, url, {k: v for k, v in data.items() if k != "client_id"}, how)


KINDS = ["inspection", "report", "stocktake"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("post", [send, send_without_id], ids=["empty", "left-out"])
def test_a_form_sent_without_an_id_is_recorded_once_with_a_fresh_one(
    app, slides, swings, rooms, kind, post
):
    """An old cached page, or one without JavaScript, must not lose the person's work."""
    sender, model = every_kind(app, slides, swings, rooms, post)[kind]
    assert sender("", "form").status_code == 303
    with app.app_context():
        [made] = db.session.scalars(sa.select(model.client_id)).all()
    assert re.fullmatch(r"[0-9a-f]{32}", made)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("typed", MALFORMED)
def test_a_form_sent_with_a_malformed_id_is_refused(app, slides, swings, rooms, kind, how, typed):
    """Nothing Patrol makes sends one: a fresh id would record each retry of it again."""
    sender, model = every_kind(app, slides, swings, rooms)[kind]
    response = sender(typed, how)
    assert response.status_code == 400
    if how == "outbox":
        assert response.get_json() == {"error": "malformed", "message": DAMAGED}
    else:
        assert DAMAGED in response.get_data(as_text=True)
    assert count(app, model) == 0


def test_a_good_id_is_kept_as_sent(app):
    with app.test_request_context():
        assert sent_forms.sent_client_id(f" {'b' * 32} ") == "b" * 32
        assert sent_forms.sent_client_id(str(uuid.UUID(int=7))) == str(uuid.UUID(int=7))
