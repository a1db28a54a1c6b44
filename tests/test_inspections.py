"""The inspection form and its submission: the Monday check, failures, bad input, repeats."""

import base64
import re
import uuid
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from app.checklists.versions import update_item
from app.extensions import db
from app.models import (
    Answer,
    Asset,
    AssetStatus,
    Checklist,
    ChecklistItem,
    Fault,
    FaultEvent,
    Frequency,
    Inspection,
    Outcome,
    Signature,
    Urgency,
)
from app.routines import today
from tests.factories import (
    SLIDE_ITEMS,
    make_asset,
    make_checklist,
    make_kind,
    make_slide,
    user,
)

# The slide's routine as these tests name it, checked every school day.
SLIDE_CHECK = ("滑梯每周检查", "Weekly slide check")


@pytest.fixture
def slide(app):
    return make_slide(app)


def form_url(slide):
    return f"/assets/{slide['asset_id']}/checklists/{slide['checklist_id']}/inspect"


def all_ok(slide, **fields):
    """What the form sends for a Monday check where everything is fine."""
    check_1, check_2, reading, text, photo = slide["items"]
    data = {
        "client_id": uuid.uuid4().hex,
        "version_id": str(slide["version_id"]),
        "signer_name": "Inspector",
        f"item-{check_1}-outcome": "pass",
        f"item-{check_2}-outcome": "pass",
        f"item-{reading}-reading": "0.1",
        f"item-{text}-text": "",
    }
    data.update(fields)
    return data


def image_file(size=(40, 30), fmt="PNG", name="photo.png"):
    buffer = BytesIO()
    Image.new("RGB", size, "orange").save(buffer, fmt)
    buffer.seek(0)
    return buffer, name


def drawn_signature(size=(300, 120)):
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 30)], fill="black", width=3)
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def post(client, slide, data, url=None):
    return client.post(url or form_url(slide), data=data, content_type="multipart/form-data")


def inspections(app):
    with app.app_context():
        return db.session.scalars(sa.select(Inspection).order_by(Inspection.id)).all()


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def flashes(client):
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


# The form


def test_form_shows_the_asset_the_routine_and_the_items_in_order(client, auth, slide, static_url):
    auth.login("inspector")
    response = client.get(form_url(slide))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Weekly slide check" in page
    assert "Slide 1" in page and "Playground" in page
    positions = [page.index(text) for text in (
        "Ladder and steps secure", "Sliding surface smooth", "Crack width", "Anything else",
        "Photo of the whole slide",
    )]
    assert positions == sorted(positions)
    # Three big choices for each check, a number field with its range for the reading.
    assert page.count('type="radio"') == 6
    assert 'type="number" step="any" inputmode="decimal"' in page
    assert 'data-max="0.3"' in page and "Allowed: 0–0.3 mm" in page
    assert 'accept="image/*" capture="environment"' in page
    assert 'name="all_ok"' in page
    assert "Type your name to sign" in page
    # All OK first; the name signs at the end, beside the pad, and only without JavaScript.
    assert page.index('name="all_ok"') < page.index('name="signer_name"')
    assert page.index('name="signer_name"') < page.index("data-send")
    name_field = page.split('name="signer_name"')[0].rsplit("<div", 1)[1]
    assert "data-nojs" in name_field and "nojs-only" in name_field
    # The signature pad and the form's script are Patrol's own files.
    assert static_url("vendor/signature_pad.umd.min.js") in page
    assert static_url("js/inspection.js") in page
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert f'name="version_id" value="{slide["version_id"]}"' in page
    client_id = re.search(r'name="client_id" value="([0-9a-f]+)"', page).group(1)
    assert len(client_id) == 32
    assert "Critical" in page


def test_each_rendering_gets_a_new_client_id(client, auth, slide):
    auth.login("inspector")
    ids = {
        re.search(r'name="client_id" value="(\w+)"', client.get(form_url(slide)).text).group(1)
        for _ in range(2)
    }
    assert len(ids) == 2


def test_form_in_chinese(client, auth, slide):
    auth.login("inspector")
    client.set_cookie("lang", "zh")
    page = client.get(form_url(slide)).get_data(as_text=True)
    assert "滑梯每周检查" in page and "梯子和台阶牢固" in page


def test_vendored_signature_pad_is_served_with_its_licence(client):
    script = client.get("/static/vendor/signature_pad.umd.min.js")
    assert script.status_code == 200
    assert b"Signature Pad v5.1.4" in script.data
    assert b"MIT License" in client.get("/static/vendor/signature_pad.LICENSE").data
    inspection_js = client.get("/static/js/inspection.js")
    assert inspection_js.status_code == 200
    assert b"randomUUID" in inspection_js.data


def test_form_for_a_checklist_that_does_not_cover_the_asset_is_not_found(app, client, auth, slide):
    with app.app_context():
        other = make_checklist(
            make_kind("fan", "电风扇", "Electric fan"), SLIDE_CHECK, Frequency.DAILY, SLIDE_ITEMS
        )
        db.session.commit()
        other_id = other.id
    auth.login("inspector")
    url = f"/assets/{slide['asset_id']}/checklists/{other_id}/inspect"
    assert client.get(url).status_code == 404
    assert client.get(f"/assets/999/checklists/{slide['checklist_id']}/inspect").status_code == 404
    assert post(client, slide, all_ok(slide), url=url).status_code == 404
    assert count(app, Inspection) == 0


def test_form_of_an_inactive_checklist_is_not_offered(app, client, auth, slide):
    with app.app_context():
        db.session.get(Checklist, slide["checklist_id"]).active = False
        db.session.commit()
    auth.login("inspector")
    assert client.get(form_url(slide)).status_code == 404
    # A form already filled in when the routine was switched off is still accepted.
    assert post(client, slide, all_ok(slide)).status_code == 303


# Who may inspect


def test_signed_out_is_sent_to_sign_in(app, client, slide):
    response = client.get(form_url(slide))
    assert response.status_code == 302 and "/login" in response.location
    response = post(client, slide, all_ok(slide))
    assert response.status_code == 302 and "/login" in response.location
    assert count(app, Inspection) == 0


def test_repairer_cannot_inspect(app, client, auth, slide):
    auth.login("repairer")
    assert client.get(form_url(slide)).status_code == 403
    assert post(client, slide, all_ok(slide)).status_code == 403
    assert count(app, Inspection) == 0


def test_admin_can_inspect(app, client, auth, slide):
    auth.login("admin")
    assert client.get(form_url(slide)).status_code == 200
    assert post(client, slide, all_ok(slide, signer_name="Admin")).status_code == 303
    assert count(app, Inspection) == 1


def test_post_without_csrf_token_is_refused(csrf_app, slide):
    client = csrf_app.test_client()
    client.post("/login", data={"username": "inspector", "password": "correct horse"})
    response = post(client, slide, all_ok(slide))
    assert response.status_code == 400
    assert count(csrf_app, Inspection) == 0


def test_form_with_csrf_token_is_accepted(csrf_app, slide):
    client = csrf_app.test_client()
    login_page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    client.post("/login", data={
        "username": "inspector", "password": "correct horse", "csrf_token": token.group(1),
    })
    page = client.get(form_url(slide)).text
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = post(client, slide, all_ok(slide, csrf_token=csrf_token))
    assert response.status_code == 303
    assert count(csrf_app, Inspection) == 1


# The Monday check: all OK


def test_all_ok_submission_is_recorded_and_signed(app, client, auth, slide):
    auth.login("inspector")
    data = all_ok(slide)
    response = post(client, slide, data)
    assert response.status_code == 303
    [inspection] = inspections(app)
    assert response.location == f"/today/next?after={inspection.id}"
    assert flashes(client) == ["Inspection signed and sent"]
    with app.app_context():
        inspection = db.session.get(Inspection, inspection.id)
        assert inspection.client_id == data["client_id"]
        assert inspection.passed is True
        assert inspection.off_schedule is False
        assert inspection.inspector.username == "inspector"
        assert inspection.version_id == slide["version_id"]
        assert inspection.local_date == today()
        assert inspection.signature.signer_name == "Inspector"
        assert inspection.signature.signer.username == "inspector"
        assert inspection.signature.image is None
        answers = inspection.answers
        assert [a.item_id for a in answers] == slide["items"]
        assert [a.position for a in answers] == [1, 2, 3, 4, 5]
        assert [a.outcome for a in answers[:2]] == [Outcome.PASS, Outcome.PASS]
        assert answers[2].reading == pytest.approx(0.1) and not answers[2].out_of_range
        assert answers[3].outcome is None and answers[3].text == ""
        assert answers[4].photo is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Fault)) == 0
        asset = db.session.get(Asset, slide["asset_id"])
        assert asset.status == AssetStatus.IN_SERVICE


def test_all_ok_without_javascript_marks_the_checks_and_records_nothing(app, client, auth, slide):
    """Without JavaScript, All OK sends the form to be marked: it comes back with every check
    not yet answered marked OK and no error at all, for changes and the name; Send records."""
    with app.app_context():
        # A routine of checks only, the way most of the seeded ones are.
        checklist = make_checklist(
            db.session.get(Asset, slide["asset_id"]).kind, SLIDE_CHECK, Frequency.DAILY,
            SLIDE_ITEMS[:2],
        )
        db.session.commit()
        checklist_id, version_id = checklist.id, checklist.current_version.id
    url = f"/assets/{slide['asset_id']}/checklists/{checklist_id}/inspect"
    auth.login("inspector")
    page = client.get(url).text
    client_id = re.search(r'name="client_id" value="(\w+)"', page).group(1)
    # Even with a name typed first, All OK does not sign for anyone.
    marked = client.post(url, data={
        "client_id": client_id, "version_id": version_id, "signer_name": "Inspector",
        "all_ok": "1",
    })
    assert marked.status_code == 200
    assert count(app, Inspection) == 0 and count(app, Signature) == 0
    assert marked.text.count('value="pass" checked') == 2
    assert 'role="alert"' not in marked.text.split("<main>")[1]
    assert "Every check not yet answered is marked OK" in marked.text
    assert f'name="client_id" value="{client_id}"' in marked.text
    assert 'name="signer_name" value="Inspector"' in marked.text

    outcomes = dict(re.findall(r'name="(item-\d+-outcome)" value="(pass)" checked', marked.text))
    sent = client.post(url, data={
        "client_id": client_id, "version_id": version_id, "signer_name": "Inspector", **outcomes,
    })
    assert sent.status_code == 303
    [inspection] = inspections(app)
    with app.app_context():
        answers = db.session.get(Inspection, inspection.id).answers
        assert [a.outcome for a in answers] == [Outcome.PASS, Outcome.PASS]


def test_all_ok_in_chinese_says_what_it_did(client, auth, slide):
    auth.login("inspector")
    data = all_ok(slide, all_ok="1")
    response = client.post(form_url(slide), data=data, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    assert "所有尚未回答的检查项已标为正常" in response.text


def test_all_ok_keeps_a_photo_chosen_before_it(photo_store, app, client, auth, slide):
    photo = slide["items"][4]
    auth.login("inspector")
    data = all_ok(slide, all_ok="1", **{f"item-{photo}-photo": image_file()})
    marked = post(client, slide, data)
    assert marked.status_code == 200 and "A photo is kept." in marked.text
    token = re.search(r'name="item-\d+-photo_token" value="([^"]+)"', marked.text).group(1)
    del data["all_ok"]
    del data[f"item-{photo}-photo"]
    assert post(client, slide, {**data, f"item-{photo}-photo_token": token}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Answer.photo).where(Answer.item_id == photo))


def test_three_taps_with_a_drawn_signature(app, client, auth, slide):
    """With JavaScript: All OK fills the choices, the pad writes the drawing, Send sends."""
    auth.login("inspector")
    data = all_ok(slide, signature_data=drawn_signature())
    del data["signer_name"]
    response = post(client, slide, data)
    assert response.status_code == 303
    [inspection] = inspections(app)
    with app.app_context():
        signature = db.session.get(Inspection, inspection.id).signature
        # The signer is the person signed in; the name is theirs.
        assert signature.signer_name == "Inspector"
        image = Image.open(BytesIO(signature.image))
        assert image.format == "PNG" and image.size == (300, 120)


def test_all_ok_does_not_overrule_an_answer_already_given(app, client, auth, slide):
    check_1, check_2, *_ = slide["items"]
    auth.login("inspector")
    data = all_ok(slide, all_ok="1", **{f"item-{check_1}-note": "Step loose"})
    data[f"item-{check_1}-outcome"] = "fail"
    del data[f"item-{check_2}-outcome"]
    response = post(client, slide, data)
    assert response.status_code == 200
    assert f'name="item-{check_1}-outcome" value="fail" checked' in response.text
    assert f'name="item-{check_2}-outcome" value="pass" checked' in response.text
    assert "Step loose" in response.text
    assert count(app, Inspection) == 0


def test_all_ok_does_not_invent_a_reading(app, client, auth, slide):
    reading = slide["items"][2]
    auth.login("inspector")
    data = all_ok(slide, all_ok="1")
    data[f"item-{reading}-reading"] = ""
    for item in slide["items"][:2]:
        del data[f"item-{item}-outcome"]
    response = post(client, slide, data)
    assert response.status_code == 200
    assert response.text.count('value="pass" checked') == 2
    assert f'name="item-{reading}-reading"' in response.text
    assert 'value=""' in response.text.split(f'name="item-{reading}-reading"')[1].split(">")[0]
    # Sent as it is, the reading still missing is the one thing to correct.
    del data["all_ok"]
    data.update({f"item-{item}-outcome": "pass" for item in slide["items"][:2]})
    refused = post(client, slide, data)
    assert refused.status_code == 400 and "Enter the reading." in refused.text
    assert count(app, Inspection) == 0


def test_not_applicable_answers_a_required_check(app, client, auth, slide):
    check_1 = slide["items"][0]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{check_1}-outcome": "na"})
    assert post(client, slide, data).status_code == 303
    [inspection] = inspections(app)
    assert inspection.passed is True


def test_inspection_note_and_text_answer_are_kept(app, client, auth, slide):
    text = slide["items"][3]
    auth.login("inspector")
    data = all_ok(slide, note="Rain last night", **{f"item-{text}-text": "Leaves on the slide"})
    assert post(client, slide, data).status_code == 303
    [inspection] = inspections(app)
    assert inspection.note == "Rain last night"
    with app.app_context():
        assert db.session.get(Inspection, inspection.id).answers[3].text == "Leaves on the slide"


# Required items and bad input: a message, and everything entered kept


def test_missing_required_answer_keeps_everything_entered(app, client, auth, slide):
    check_1, check_2, reading, text, _photo = slide["items"]
    auth.login("inspector")
    data = all_ok(
        slide,
        signer_name="Inspector",
        note="General note kept",
        signature_data=drawn_signature(),
        **{
            f"item-{reading}-reading": "0,2",
            f"item-{text}-text": "Some text kept",
            f"item-{check_2}-note": "A note kept",
        },
    )
    del data[f"item-{check_1}-outcome"]
    response = post(client, slide, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose OK, Fail or N/A." in page
    assert "Nothing was sent yet" in page
    assert 'name="signer_name" value="Inspector"' in page
    assert "General note kept" in page and "Some text kept" in page and "A note kept" in page
    # A comma decimal is not a number to the browser: it comes back as typed, in a text field.
    assert 'type="text" step="any" inputmode="decimal"\n                value="0,2"' in page
    assert f'name="item-{check_2}-outcome" value="pass" checked' in page
    assert data["signature_data"] in page
    assert f'name="client_id" value="{data["client_id"]}"' in page
    assert count(app, Inspection) == 0 and count(app, Signature) == 0


def test_required_text_and_photo_items(app, client, auth, slide):
    with app.app_context():
        for item in db.session.scalars(
            sa.select(ChecklistItem).where(ChecklistItem.id.in_(slide["items"][3:]))
        ):
            item.required = True
        db.session.commit()
    auth.login("inspector")
    response = post(client, slide, all_ok(slide))
    assert response.status_code == 400
    assert "Write your answer here." in response.text
    assert "Take a photo." in response.text
    assert count(app, Inspection) == 0


def test_reading_that_is_not_a_number_is_refused(app, client, auth, slide):
    reading = slide["items"][2]
    auth.login("inspector")
    for typed in ("abc", "0.1.2", "1e999", "nan", "0,1,2", "1_0"):
        response = post(client, slide, all_ok(slide, **{f"item-{reading}-reading": typed}))
        assert response.status_code == 400, typed
        assert "Enter a number, for example 0.3." in response.text
        assert f'value="{typed}"' in response.text
    assert count(app, Inspection) == 0


@pytest.mark.parametrize(
    ("typed", "value"), [("0,3", 0.3), ("０．２", 0.2), (" 0.25 ", 0.25), ("-0", 0.0), (".1", 0.1)]
)
def test_reading_accepts_a_comma_and_full_width_digits(app, client, auth, slide, typed, value):
    reading = slide["items"][2]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{reading}-reading": typed})
    assert post(client, slide, data).status_code == 303
    [inspection] = inspections(app)
    assert inspection.passed is True
    with app.app_context():
        answer = db.session.get(Inspection, inspection.id).answers[2]
        assert answer.reading == pytest.approx(value) and answer.out_of_range is False


def test_out_of_range_reading_is_flagged_and_raises_a_fault(app, client, auth, slide):
    reading = slide["items"][2]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{reading}-reading": "0,5", f"item-{reading}-note": "Wider"})
    response = post(client, slide, data)
    assert response.status_code == 303
    assert flashes(client) == ["Inspection signed and sent", "1 fault raised"]
    [inspection] = inspections(app)
    assert inspection.passed is False
    with app.app_context():
        answer = db.session.get(Inspection, inspection.id).answers[2]
        assert answer.out_of_range is True and answer.reading == pytest.approx(0.5)
        [fault] = db.session.scalars(sa.select(Fault)).all()
        assert fault.urgency == Urgency.NEEDS_REPAIR
        assert fault.item_id == reading and fault.inspection_id == inspection.id
        assert fault.description == "基础裂缝宽度: 0.5 mm (0–0.3 mm) — Wider"
        assert fault.took_out_of_service is False
        assert [e.action for e in fault.events] == ["reported"]
        assert db.session.get(Asset, slide["asset_id"]).status == AssetStatus.IN_SERVICE


def test_out_of_range_reading_needs_no_note(app, client, auth, slide):
    reading = slide["items"][2]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{reading}-reading": "-1"})
    assert post(client, slide, data).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Fault.description)) == "基础裂缝宽度: -1 mm (0–0.3 mm)"


def test_out_of_range_is_shown_again_on_a_refused_form(client, auth, slide):
    check_1, _check_2, reading, *_ = slide["items"]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{reading}-reading": "0.9"})
    del data[f"item-{check_1}-outcome"]
    page = post(client, slide, data).text
    warning = re.search(r'<small class="error out-of-range"([^>]*)>', page).group(1)
    assert "hidden" not in warning


def test_failed_check_needs_a_note(app, client, auth, slide):
    check_1 = slide["items"][0]
    auth.login("inspector")
    response = post(client, slide, all_ok(slide, **{f"item-{check_1}-outcome": "fail"}))
    assert response.status_code == 400
    assert "Say what is wrong in the note." in response.text
    assert f'name="item-{check_1}-outcome" value="fail" checked' in response.text
    assert count(app, Inspection) == 0 and count(app, Fault) == 0


def test_unknown_outcome_is_refused(app, client, auth, slide):
    check_1 = slide["items"][0]
    auth.login("inspector")
    response = post(client, slide, all_ok(slide, **{f"item-{check_1}-outcome": "maybe"}))
    assert response.status_code == 400
    assert "Choose OK, Fail or N/A." in response.text
    assert count(app, Inspection) == 0


def test_overlong_note_is_refused_and_kept(app, client, auth, slide):
    check_1 = slide["items"][0]
    auth.login("inspector")
    long_note = "x" * 2001
    response = post(client, slide, all_ok(slide, **{f"item-{check_1}-note": long_note}))
    assert response.status_code == 400
    assert "Too long: at most 2000 characters." in response.text
    assert long_note in response.text


def test_failed_check_raises_a_fault_with_its_photo(app, client, auth, slide):
    check_1 = slide["items"][0]
    auth.login("inspector")
    data = all_ok(slide, **{
        f"item-{check_1}-outcome": "fail",
        f"item-{check_1}-note": "Second step loose",
        f"item-{check_1}-photo": image_file(),
    })
    response = post(client, slide, data)
    assert response.status_code == 303
    assert flashes(client) == ["Inspection signed and sent", "1 fault raised"]
    [inspection] = inspections(app)
    assert inspection.passed is False
    with app.app_context():
        answer = db.session.get(Inspection, inspection.id).answers[0]
        assert answer.outcome == Outcome.FAIL and answer.note == "Second step loose"
        assert answer.photo and answer.photo.endswith(".jpg")
        [fault] = db.session.scalars(sa.select(Fault)).all()
        assert fault.description == "梯子和台阶牢固 — Second step loose"
        assert fault.photo == answer.photo
        assert fault.reported_by.username == "inspector"
        assert fault.urgency == Urgency.NEEDS_REPAIR
        assert db.session.get(Asset, slide["asset_id"]).status == AssetStatus.IN_SERVICE


def test_failed_critical_item_takes_the_asset_out_of_service(app, client, auth, slide):
    check_1, check_2, reading, *_ = slide["items"]
    auth.login("inspector")
    data = all_ok(slide, **{
        f"item-{check_1}-outcome": "fail",
        f"item-{check_1}-note": "Step loose",
        f"item-{check_2}-outcome": "fail",
        f"item-{check_2}-note": "Crack in the sliding surface",
        f"item-{reading}-reading": "0.4",
    })
    response = post(client, slide, data)
    assert response.status_code == 303
    assert flashes(client) == [
        "Inspection signed and sent",
        "3 faults raised",
        "Slide 1 is now out of service: Do not use",
    ]
    with app.app_context():
        asset = db.session.get(Asset, slide["asset_id"])
        assert asset.status == AssetStatus.OUT_OF_SERVICE
        faults = {f.item_id: f for f in db.session.scalars(sa.select(Fault))}
        assert faults[check_2].urgency == Urgency.UNSAFE
        assert faults[check_2].took_out_of_service is True
        assert [e.action for e in faults[check_2].events] == ["reported", "taken_out_of_service"]
        assert all(e.actor.username == "inspector" for e in faults[check_2].events)
        assert faults[check_1].urgency == Urgency.NEEDS_REPAIR
        assert faults[check_1].took_out_of_service is False
        assert [e.action for e in faults[check_1].events] == ["reported"]
        assert faults[reading].urgency == Urgency.NEEDS_REPAIR
    # Everyone who scans it now sees "Do not use".
    assert "Do not use" in client.get(f"/q/{slide['code']}").text


def test_critical_reading_out_of_range_takes_the_asset_out_of_service(app, client, auth, slide):
    reading = slide["items"][2]
    with app.app_context():
        db.session.get(ChecklistItem, reading).critical = True
        db.session.commit()
    auth.login("inspector")
    assert post(client, slide, all_ok(slide, **{f"item-{reading}-reading": "2"})).status_code == 303
    with app.app_context():
        assert db.session.get(Asset, slide["asset_id"]).status == AssetStatus.OUT_OF_SERVICE
        fault = db.session.scalar(sa.select(Fault))
        assert fault.urgency == Urgency.UNSAFE and fault.took_out_of_service


def test_nothing_is_half_recorded_when_recording_fails(app, client, auth, slide, monkeypatch):
    check_2 = slide["items"][1]
    auth.login("inspector")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("app.inspections.submit.raise_fault", broken)
    data = all_ok(slide, **{f"item-{check_2}-outcome": "fail", f"item-{check_2}-note": "Crack"})
    with pytest.raises(RuntimeError):
        post(client, slide, data)
    with app.app_context():
        db.session.rollback()
        assert db.session.get(Asset, slide["asset_id"]).status == AssetStatus.IN_SERVICE
    assert count(app, Inspection) == 0 and count(app, Signature) == 0
    assert count(app, Answer) == 0 and count(app, Fault) == 0


# Photos


def test_photo_item_is_stored_clean(app, client, auth, slide):
    photo = slide["items"][4]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{photo}-photo": image_file(fmt="JPEG", name="x.jpg")})
    assert post(client, slide, data).status_code == 303
    [inspection] = inspections(app)
    with app.app_context():
        answer = db.session.get(Inspection, inspection.id).answers[4]
        assert answer.photo


def test_photo_that_is_not_an_image_is_refused(app, client, auth, slide):
    photo = slide["items"][4]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{photo}-photo": (BytesIO(b"<script>x</script>"), "x.jpg")})
    response = post(client, slide, data)
    assert response.status_code == 400
    assert "This file is not a photo Patrol can read" in response.text
    assert count(app, Inspection) == 0


def test_photo_that_is_too_big_is_refused(app, client, auth, slide):
    photo = slide["items"][4]
    app.config["PHOTO_MAX_BYTES"] = 1000
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{photo}-photo": (BytesIO(b"\x89PNG" + b"0" * 2000), "big.png")})
    response = post(client, slide, data)
    assert response.status_code == 400
    assert "The photo is too large" in response.text
    assert count(app, Inspection) == 0


def test_valid_photo_is_kept_when_the_form_is_refused(photo_store, app, client, auth, slide):
    check_1, check_2, *_rest, photo = slide["items"]
    auth.login("inspector")
    data = all_ok(slide, **{
        f"item-{photo}-photo": image_file(),
        f"item-{check_2}-outcome": "fail",
        f"item-{check_2}-note": "Crack",
        f"item-{check_2}-photo": image_file(),
    })
    del data[f"item-{check_1}-outcome"]
    response = post(client, slide, data)
    assert response.status_code == 400
    assert response.text.count("A photo is kept") == 2
    tokens = dict(re.findall(r'name="(item-\d+-photo_token)" value="([^"]+)"', response.text))
    assert set(tokens) == {f"item-{photo}-photo_token", f"item-{check_2}-photo_token"}

    # Sent again with the first item answered, without taking the photos again.
    retry = all_ok(slide, client_id=data["client_id"], **tokens, **{
        f"item-{check_2}-outcome": "fail", f"item-{check_2}-note": "Crack",
    })
    assert post(client, slide, retry).status_code == 303
    [inspection] = inspections(app)
    with app.app_context():
        answers = db.session.get(Inspection, inspection.id).answers
        assert answers[4].photo and answers[1].photo
        assert db.session.scalar(sa.select(Fault.photo)) == answers[1].photo
        assert photo_store.read(answers[4].photo) and photo_store.read(answers[1].photo)


def test_photo_reference_from_another_form_or_person_is_ignored(
    photo_store, app, client, auth, slide
):
    check_1, *_rest, photo = slide["items"]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{photo}-photo": image_file()})
    del data[f"item-{check_1}-outcome"]
    page = post(client, slide, data).text
    token = re.search(r'name="item-\d+-photo_token" value="([^"]+)"', page).group(1)

    # Another form (another client id) cannot borrow it.
    other_form = all_ok(slide, **{f"item-{photo}-photo_token": token})
    assert post(client, slide, other_form).status_code == 303
    # Nor can another person with the same client id.
    auth.logout()
    auth.login("admin")
    other_person = all_ok(
        slide, client_id=data["client_id"], signer_name="Admin",
        **{f"item-{photo}-photo_token": token},
    )
    assert post(client, slide, other_person).status_code == 303
    # A forged reference is ignored too.
    forged = all_ok(
        slide, signer_name="Admin", **{f"item-{photo}-photo_token": "../../secret_key"}
    )
    assert post(client, slide, forged).status_code == 303
    with app.app_context():
        assert db.session.scalars(sa.select(Answer.photo).where(Answer.item_id == photo)).all() == [
            None, None, None
        ]


# Signatures


def test_blank_drawn_signature_is_refused(app, client, auth, slide):
    auth.login("inspector")
    buffer = BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(buffer, "PNG")
    blank = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    data = all_ok(slide, signature_data=blank, signer_name="")
    response = post(client, slide, data)
    assert response.status_code == 400
    assert "The signature is empty" in response.text
    # A drawing that cannot be used is not sent back: the signer draws a new one.
    assert blank not in response.text
    assert count(app, Inspection) == 0


def test_garbage_signature_is_refused(app, client, auth, slide):
    auth.login("inspector")
    for garbage in (
        "data:image/png;base64,!!!notbase64",
        "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(),
        "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode(),
        "javascript:alert(1)",
    ):
        response = post(client, slide, all_ok(slide, signature_data=garbage))
        assert response.status_code == 400
        assert "The drawn signature could not be read" in response.text
    assert count(app, Inspection) == 0


def test_missing_signature_is_refused(app, client, auth, slide):
    auth.login("inspector")
    response = post(client, slide, all_ok(slide, signer_name="   "))
    assert response.status_code == 400
    assert "Sign with your finger, or type your name to sign." in response.text
    assert count(app, Inspection) == 0


@pytest.mark.parametrize("typed", ["  Inspector ", "inspector", "INSPECTOR", "ｉｎｓｐｅｃｔｏｒ"])
def test_own_name_typed_is_accepted_without_javascript(app, client, auth, slide, typed):
    auth.login("inspector")
    assert post(client, slide, all_ok(slide, signer_name=typed)).status_code == 303
    [inspection] = inspections(app)
    with app.app_context():
        signature = db.session.get(Inspection, inspection.id).signature
        assert signature.signer_name == typed.strip() and signature.image is None
        assert signature.signer_id == inspection.inspector_id


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "“Wang Wei” is not your name. Type your own name, Inspector"),
        ("zh-CN", "“Wang Wei”不是您的名字。请输入您自己的名字：Inspector"),
    ],
)
def test_someone_elses_name_is_refused_and_the_answers_kept(
    app, client, auth, slide, language, message
):
    check_1, check_2, *_ = slide["items"]
    auth.login("inspector")
    data = all_ok(slide, signer_name="Wang Wei", note="Rain last night", **{
        f"item-{check_2}-outcome": "fail", f"item-{check_2}-note": "Crack at the bottom",
    })
    response = client.post(
        form_url(slide), data=data, headers={"Accept-Language": language},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.text
    assert 'name="signer_name" value="Wang Wei"' in response.text
    assert f'name="item-{check_1}-outcome" value="pass" checked' in response.text
    assert f'name="item-{check_2}-outcome" value="fail" checked' in response.text
    assert "Crack at the bottom" in response.text and "Rain last night" in response.text
    assert count(app, Inspection) == 0 and count(app, Signature) == 0


def test_someone_elses_name_is_refused_beside_a_drawing_too(app, client, auth, slide):
    auth.login("inspector")
    data = all_ok(slide, signer_name="Wang Wei", signature_data=drawn_signature())
    response = post(client, slide, data)
    assert response.status_code == 400 and "is not your name" in response.text
    assert count(app, Inspection) == 0


def test_overlong_typed_name_is_refused(app, client, auth, slide):
    auth.login("inspector")
    response = post(client, slide, all_ok(slide, signer_name="x" * 81))
    assert response.status_code == 400
    assert "at most 80 characters" in response.text


# Retired, out of service, not due


def test_retired_asset_is_refused_and_nothing_recorded(app, client, auth, slide):
    with app.app_context():
        db.session.get(Asset, slide["asset_id"]).status = AssetStatus.RETIRED
        db.session.commit()
    auth.login("inspector")
    page = client.get(form_url(slide))
    assert page.status_code == 409
    assert "Slide 1 is retired: it is no longer inspected." in page.text
    response = post(client, slide, all_ok(slide))
    assert response.status_code == 409
    assert "Nothing was recorded" in response.text
    assert count(app, Inspection) == 0 and count(app, Signature) == 0


def test_out_of_service_asset_can_be_inspected_and_it_is_said(app, client, auth, slide):
    with app.app_context():
        db.session.get(Asset, slide["asset_id"]).status = AssetStatus.OUT_OF_SERVICE
        db.session.commit()
    auth.login("inspector")
    page = client.get(form_url(slide)).text
    assert "Do not use" in page and "You can still inspect it." in page
    assert post(client, slide, all_ok(slide)).status_code == 303
    assert count(app, Inspection) == 1


def test_check_that_is_not_due_is_allowed_said_and_flagged(app, client, auth):
    with app.app_context():
        asset = make_asset()
        starts = today() + timedelta(days=3)
        checklist = make_checklist(
            asset.kind, SLIDE_CHECK, Frequency.EVERY_N_DAYS, SLIDE_ITEMS, interval_days=7,
            anchor_date=starts,
        )
        db.session.commit()
        slide = dict(
            asset_id=asset.id, checklist_id=checklist.id,
            version_id=checklist.current_version.id,
            items=[item.id for item in checklist.current_version.items],
        )
    auth.login("inspector")
    page = client.get(form_url(slide)).text
    assert "This check is not due until" in page and "you can still do it" in page
    assert starts.strftime("%b") in page and str(starts.day) in page
    assert post(client, slide, all_ok(slide)).status_code == 303
    [inspection] = inspections(app)
    assert inspection.off_schedule is True


def test_second_check_the_same_day_is_off_schedule(app, client, auth, slide):
    auth.login("inspector")
    assert post(client, slide, all_ok(slide)).status_code == 303
    assert "This check is not due until" in client.get(form_url(slide)).text
    assert post(client, slide, all_ok(slide)).status_code == 303
    assert [i.off_schedule for i in inspections(app)] == [False, True]


# The same form sent twice


def test_same_client_id_twice_records_once_and_answers_the_same(app, client, auth, slide):
    check_2 = slide["items"][1]
    auth.login("inspector")
    data = all_ok(slide, **{f"item-{check_2}-outcome": "fail", f"item-{check_2}-note": "Crack"})
    first = post(client, slide, data)
    first_flashes = flashes(client)
    client.get("/faults/")  # shows and clears the messages
    second = post(client, slide, dict(data))
    assert second.status_code == first.status_code == 303
    assert second.location == first.location
    assert flashes(client) == first_flashes
    assert count(app, Inspection) == 1 and count(app, Signature) == 1
    assert count(app, Fault) == 1 and count(app, FaultEvent) == 2


def test_repeat_is_answered_as_the_first_even_if_the_asset_was_retired_since(
    app, client, auth, slide
):
    auth.login("inspector")
    data = all_ok(slide)
    first = post(client, slide, data)
    with app.app_context():
        db.session.get(Asset, slide["asset_id"]).status = AssetStatus.RETIRED
        db.session.commit()
    assert post(client, slide, data).location == first.location
    assert count(app, Inspection) == 1


def test_concurrent_double_submit_records_once(app, client, auth, slide, monkeypatch):
    """The other send won the race between our look-up and our insert: the unique id decides."""
    auth.login("inspector")
    data = all_ok(slide)
    first = post(client, slide, data)
    [recorded] = inspections(app)

    from tests.test_form_ids import miss_the_first_look

    lookups = miss_the_first_look(monkeypatch)
    second = post(client, slide, data)
    assert len(lookups) == 2  # the IntegrityError path looked again
    assert second.status_code == 303 and second.location == first.location
    assert [i.id for i in inspections(app)] == [recorded.id]
    assert count(app, Signature) == 1 and count(app, Answer) == 5




def test_crypto_random_uuid_is_a_good_client_id(app, client, auth, slide):
    auth.login("inspector")
    client_id = str(uuid.uuid4())
    assert post(client, slide, all_ok(slide, client_id=client_id)).status_code == 303
    assert inspections(app)[0].client_id == client_id


def test_version_from_another_checklist_is_a_bad_request(app, client, auth, slide):
    with app.app_context():
        other = make_checklist(
            make_kind("fan", "电风扇", "Electric fan"), SLIDE_CHECK, Frequency.DAILY, SLIDE_ITEMS
        )
        db.session.commit()
        other_version = other.current_version.id
    auth.login("inspector")
    assert post(client, slide, all_ok(slide, version_id=str(other_version))).status_code == 400
    assert post(client, slide, all_ok(slide, version_id="x")).status_code == 400
    assert count(app, Inspection) == 0


def test_form_sent_against_the_version_shown_keeps_its_wording(app, client, auth, slide):
    """The checklist changed while the inspector had the form open: the answers go with what
    they read."""
    auth.login("inspector")
    with app.app_context():
        checklist = db.session.get(Checklist, slide["checklist_id"])
        update_item(checklist.current_version.items[0], user("admin"), text="新", text_en="New")
        db.session.commit()
    assert post(client, slide, all_ok(slide)).status_code == 303
    [inspection] = inspections(app)
    assert inspection.version_id == slide["version_id"]


# Hostile input


def test_hostile_input_is_escaped_on_the_refused_form(app, client, auth, slide):
    check_1, check_2, _reading, text, _photo = slide["items"]
    auth.login("inspector")
    hostile = '"><script>alert(1)</script>'
    data = all_ok(slide, signer_name=hostile, note=hostile, **{
        f"item-{text}-text": hostile, f"item-{check_2}-note": hostile,
    })
    del data[f"item-{check_1}-outcome"]
    page = post(client, slide, data).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_user_names_are_escaped_on_the_form(app, client, auth, slide):
    with app.app_context():
        user().display_name = "<img src=x onerror=alert(1)>"
        db.session.commit()
    auth.login("inspector")
    page = client.get(form_url(slide)).text
    assert "<img src=x" not in page


@pytest.mark.parametrize(
    ("utc", "school_day"),
    [
        # 23:50 on Monday in Shanghai is still Monday; ten past midnight is Tuesday.
        (datetime(2026, 11, 23, 15, 50), date(2026, 11, 23)),
        (datetime(2026, 11, 23, 16, 10), date(2026, 11, 24)),
        # 00:10 on Monday in Shanghai is Sunday in UTC.
        (datetime(2026, 11, 22, 16, 10), date(2026, 11, 23)),
    ],
)
def test_school_day_is_counted_in_the_school_time_zone(
    app, client, auth, slide, monkeypatch, utc, school_day
):
    monkeypatch.setattr("app.inspections.submit.utcnow", lambda: utc)
    auth.login("inspector")
    assert post(client, slide, all_ok(slide)).status_code == 303
    [inspection] = inspections(app)
    assert inspection.submitted_at == utc
    assert inspection.local_date == school_day
    with app.app_context():
        assert db.session.get(Inspection, inspection.id).signature.signed_at == utc
