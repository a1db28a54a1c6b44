"""The outbox's sends: JSON answers with status codes, never a redirect, for the inspection
form and the fault report form (staff and public), and the OpenAPI file that documents them."""

import json
import re
import uuid
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app import settings
from app.extensions import db
from app.models import Asset, AssetStatus, Fault, FaultPhoto, Inspection, User
from tests.factories import make_asset, make_slide
from tests.test_inspections import all_ok, drawn_signature, form_url

OUTBOX = {"X-Patrol-Outbox": "1", "Accept": "application/json"}
OPENAPI = Path(__file__).resolve().parent.parent / "docs" / "outbox.openapi.json"
SWING = "SWG234"
RETIRED = "RTD234"


@pytest.fixture
def slide(app):
    return make_slide(app)


@pytest.fixture
def swing(app):
    with app.app_context():
        make_asset("秋千", "Swing", code=SWING)
        make_asset("旧滑梯", "Old slide", status=AssetStatus.RETIRED, code=RETIRED)
        db.session.commit()


def send(client, url, data, language="en", **headers):
    return client.post(
        url,
        data=data,
        content_type="multipart/form-data",
        headers={**OUTBOX, "Accept-Language": language, **headers},
    )


def photo(name="crack.png"):
    data = BytesIO()
    Image.new("RGB", (40, 30), "red").save(data, "PNG")
    data.seek(0)
    return data, name


def report_data(**fields):
    return {
        "client_id": fields.pop("client_id", uuid.uuid4().hex),
        "description": "The seat is cracked",
        "urgency": "unsafe",
        **fields,
    }


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# The inspection form


def test_inspection_is_recorded_and_a_repeat_gets_the_same_answer(app, client, auth, slide):
    auth.login("inspector")
    data = all_ok(slide, signature_data=drawn_signature())
    first = send(client, form_url(slide), dict(data))
    assert first.status_code == 201
    assert first.mimetype == "application/json"
    body = first.get_json()
    assert re.fullmatch(r"/inspections/\d+", body["url"]) and body["created"] is True

    again = send(client, form_url(slide), dict(data))
    assert again.status_code == 200
    assert again.get_json()["url"] == body["url"] and again.get_json()["created"] is False
    assert count(app, Inspection) == 1
    with app.app_context():
        (inspection,) = db.session.scalars(sa.select(Inspection))
        assert inspection.client_id == data["client_id"]
        assert inspection.signature.image, "the drawn signature is kept"
    # The answer is JSON only: nothing waits to be flashed on the next page.
    with client.session_transaction() as session:
        assert not session.get("_flashes")


def test_inspection_errors_come_back_by_field_in_the_users_language(app, client, auth, slide):
    auth.login("inspector")
    check_1 = slide["items"][0]
    data = all_ok(slide, signer_name="", **{f"item-{check_1}-outcome": "fail"})
    english = send(client, form_url(slide), dict(data))
    assert english.status_code == 400
    errors = english.get_json()["errors"]
    assert errors[f"item-{check_1}"] == ["Say what is wrong in the note."]
    assert "signature" in errors

    chinese = send(client, form_url(slide), dict(data), language="zh")
    assert chinese.status_code == 400
    body = chinese.get_json()
    assert body["errors"][f"item-{check_1}"] == ["请在备注中写明问题。"]
    assert re.search(r"[\u4e00-\u9fff]", body["message"])
    assert count(app, Inspection) == 0


def test_signed_out_send_gets_401_not_the_sign_in_page(app, client, slide):
    response = send(client, form_url(slide), all_ok(slide))
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert response.get_json()["error"] == "signed_out"
    zh = send(client, form_url(slide), all_ok(slide), language="zh")
    assert re.search(r"[\u4e00-\u9fff]", zh.get_json()["message"])
    # A browser without the outbox is still sent to sign in.
    plain = client.post(form_url(slide), data=all_ok(slide))
    assert plain.status_code == 302 and plain.headers["Location"].startswith("/login")
    assert count(app, Inspection) == 0


def test_wrong_role_gets_403(app, client, auth, slide):
    auth.login("repairer")
    response = send(client, form_url(slide), all_ok(slide))
    assert response.status_code == 403
    assert response.get_json()["message"]
    assert count(app, Inspection) == 0


def test_a_retired_asset_is_refused_with_409(app, client, auth, slide):
    auth.login("inspector")
    with app.app_context():
        db.session.get(Asset, slide["asset_id"]).status = AssetStatus.RETIRED
        db.session.commit()
    response = send(client, form_url(slide), all_ok(slide), language="zh")
    assert response.status_code == 409
    assert response.get_json()["error"] == "refused"
    assert "报废" in response.get_json()["message"]
    assert count(app, Inspection) == 0


def test_a_form_entered_by_someone_else_is_not_recorded_as_theirs(app, client, auth, slide):
    auth.login("admin")
    response = send(
        client, form_url(slide), all_ok(slide),
        **{"X-Patrol-Entered-By": str(user_id(app, "inspector"))},
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "someone_else"
    admin = {"X-Patrol-Entered-By": str(user_id(app, "admin"))}
    mine = send(client, form_url(slide), all_ok(slide, signer_name="Admin"), **admin)
    assert mine.status_code == 201
    assert count(app, Inspection) == 1


def test_all_ok_in_an_outbox_send_is_not_taken_for_a_tap(app, client, auth, slide):
    """The outbox sends what Send sends: an all_ok in it never turns into a page to look over."""
    auth.login("inspector")
    response = send(client, form_url(slide), all_ok(slide, all_ok="1"))
    assert response.status_code == 201
    assert count(app, Inspection) == 1


def test_a_send_without_a_client_id_gets_a_fresh_one(app, client, auth, slide):
    auth.login("inspector")
    response = send(client, form_url(slide), all_ok(slide, client_id=""))
    assert response.status_code == 201
    with app.app_context():
        (kept,) = db.session.scalars(sa.select(Inspection.client_id))
    assert re.fullmatch(r"[0-9a-f]{32}", kept)


@pytest.mark.parametrize("client_id", ["short", "x" * 65, "a/b../../etc", "<script>x</script>"])
def test_a_hostile_client_id_is_never_kept_the_send_is_refused(
    app, client, auth, slide, client_id
):
    auth.login("inspector")
    response = send(client, form_url(slide), all_ok(slide, client_id=client_id))
    assert response.status_code == 400 and response.get_json()["error"] == "malformed"
    assert count(app, Inspection) == 0


def test_oversized_send_gets_413_in_json(app, client, auth, slide):
    auth.login("inspector")
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    data = all_ok(slide, note="x" * 30_000)
    response = send(client, form_url(slide), data)
    assert response.status_code == 413
    assert response.get_json()["error"] == "413"
    assert count(app, Inspection) == 0


def test_csrf_stays_enforced_and_a_fresh_token_is_accepted(csrf_app, slide):
    client = csrf_app.test_client()
    login = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post(
        "/login", data={"username": "inspector", "password": "correct horse", "csrf_token": token}
    )
    refused = send(client, form_url(slide), all_ok(slide))
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    stale = send(client, form_url(slide), all_ok(slide, csrf_token="not-a-token"))
    assert stale.status_code == 400 and stale.get_json()["error"] == "csrf"
    assert count(csrf_app, Inspection) == 0

    fresh = client.get("/offline/csrf", headers=OUTBOX)
    assert fresh.headers["Cache-Control"] == "no-store"
    sent = send(client, form_url(slide), all_ok(slide, csrf_token=fresh.get_json()["csrf_token"]))
    assert sent.status_code == 201
    assert count(csrf_app, Inspection) == 1


# The fault report form


def test_staff_report_is_recorded_once(app, client, auth, swing):
    auth.login("inspector")
    data = report_data()
    first = send(client, f"/q/{SWING}/report", {**data, "photos": [photo()]})
    assert first.status_code == 201
    url = first.get_json()["url"]
    assert re.fullmatch(r"/faults/\d+", url)
    again = send(client, f"/q/{SWING}/report", {**data, "photos": [photo()]})
    assert again.status_code == 200 and again.get_json()["url"] == url
    with app.app_context():
        (fault,) = db.session.scalars(sa.select(Fault))
        assert len(fault.photos) == 1 and fault.reported_by.username == "inspector"


def test_public_report_answers_with_the_reporters_own_page(app, client, swing):
    data = report_data(public_name="王老师")
    first = send(client, f"/q/{SWING}/report", dict(data))
    assert first.status_code == 201
    assert re.fullmatch(r"/faults/reported/[A-Za-z0-9_-]+", first.get_json()["url"])
    again = send(client, f"/q/{SWING}/report", dict(data))
    assert again.status_code == 200 and again.get_json()["url"] == first.get_json()["url"]
    assert count(app, Fault) == 1


def test_too_many_public_reports_get_429_with_when_to_send_again(app, client, swing):
    for n in range(5):
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        data = report_data(public_name="王老师", public_phone="+86 138 0013 8000")
        assert send(client, f"/q/{SWING}/report", data).status_code == 201
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    data = report_data(public_name="王老师", public_phone="13800138000")
    response = send(client, f"/q/{SWING}/report", data, language="zh")
    assert response.status_code == 429
    answer = response.get_json()
    assert answer["error"] == "too_many"
    assert "短时间内报修次数过多" in answer["message"]
    assert answer["retry_after"] > 0
    assert response.headers["Retry-After"] == str(answer["retry_after"])
    assert count(app, Fault) == 5


def test_report_errors_in_chinese(app, client, swing):
    response = send(
        client, f"/q/{SWING}/report", report_data(description="", public_name=""), language="zh"
    )
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert set(errors) == {"description", "public_name"}
    assert all(re.search(r"[\u4e00-\u9fff]", m) for messages in errors.values() for m in messages)
    assert count(app, Fault) == 0


def test_a_photo_that_is_not_an_image_is_a_field_error(app, client, auth, swing):
    auth.login("inspector")
    fake = (BytesIO(b"<html>not a photo</html>"), "photo.jpg")
    response = send(client, f"/q/{SWING}/report", {**report_data(), "photos": [fake]})
    assert response.status_code == 400
    assert response.get_json()["errors"]["photos"][0].startswith("photo.jpg: ")
    assert count(app, Fault) == 0


def test_a_kept_copy_of_a_report_corrected_and_sent_since_is_answered_as_recorded(
    app, client, auth, swing
):
    auth.login("inspector")
    data = report_data()

    def kept_copy():
        fake = (BytesIO(b"<html>not a photo</html>"), "photo.jpg")
        return send(client, f"/q/{SWING}/report", {**data, "photos": [fake]})

    assert kept_copy().status_code == 400
    # Corrected in its own form, without the photo, and sent from the page.
    corrected = client.post(f"/q/{SWING}/report", data=dict(data))
    assert corrected.status_code == 303
    # The copy the phone still keeps comes again: the report it became answers it.
    again = kept_copy()
    assert again.status_code == 200 and re.fullmatch(r"/faults/\d+", again.get_json()["url"])
    assert count(app, Fault) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FaultPhoto)) == 0


def test_report_on_a_retired_asset_is_refused_with_409(app, client, auth, swing):
    auth.login("inspector")
    response = send(client, f"/q/{RETIRED}/report", report_data())
    assert response.status_code == 409
    assert "retired" in response.get_json()["message"]


def test_report_without_public_reports_needs_a_sign_in_401(app, client, swing):
    with app.app_context():
        settings.put(settings.PUBLIC_REPORTS, "off")
        db.session.commit()
    response = send(client, f"/q/{SWING}/report", report_data(public_name="王老师"))
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert count(app, Fault) == 0


def test_staff_report_sent_after_the_sign_in_lapsed_is_not_made_public(app, client, swing):
    response = send(
        client, f"/q/{SWING}/report", report_data(public_name="x"),
        **{"X-Patrol-Entered-By": str(user_id(app, "inspector"))},
    )
    assert response.status_code == 401
    assert count(app, Fault) == 0


def test_a_report_with_a_hostile_client_id_is_refused(app, client, auth, swing):
    auth.login("inspector")
    response = send(client, f"/q/{SWING}/report", report_data(client_id="../../" + "z" * 80))
    assert response.status_code == 400 and response.get_json()["error"] == "malformed"
    assert count(app, Fault) == 0


# The OpenAPI description cannot drift from the app


def openapi():
    return json.loads(OPENAPI.read_text())


def test_openapi_file_is_openapi_3_and_describes_the_outbox_answers():
    spec = openapi()
    assert spec["openapi"].startswith("3.")
    inspect = spec["paths"]["/assets/{asset_id}/checklists/{checklist_id}/inspect"]["post"]
    assert {"200", "201", "400", "401", "403", "409"} <= set(inspect["responses"])
    report = spec["paths"]["/q/{code}/report"]["post"]
    assert {"200", "201", "400", "401", "409", "429"} <= set(report["responses"])


def test_every_path_in_the_openapi_file_exists_with_its_methods(app):
    adapter = app.url_map.bind("patrol.test")
    spec = openapi()
    checked = 0
    for path, operations in spec["paths"].items():
        concrete = re.sub(r"\{(\w*id)\}", "1", path)
        concrete = re.sub(r"\{code\}", "ABC234", concrete)
        for method in operations:
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            try:
                adapter.match(concrete, method=method.upper())
            except (NotFound, MethodNotAllowed, RequestRedirect) as error:
                pytest.fail(f"{method.upper()} {path} is not in the app: {error!r}")
            checked += 1
    assert checked >= 4


def test_a_kept_public_report_stays_public_after_someone_signs_in(app, client, auth, swing):
    auth.login("inspector")
    public = {"X-Patrol-Entered-By": "public"}
    response = send(client, f"/q/{SWING}/report", report_data(public_name="王老师"), **public)
    assert response.status_code == 201
    assert response.get_json()["url"].startswith("/faults/reported/")
    with app.app_context():
        (fault,) = db.session.scalars(sa.select(Fault))
        assert fault.is_public and fault.reported_by is None
        assert fault.reporter_name == "王老师"

    with app.app_context():
        settings.put(settings.PUBLIC_REPORTS, "off")
        db.session.commit()
    refused = send(client, f"/q/{SWING}/report", report_data(public_name="王老师"), **public)
    assert refused.status_code == 409
    assert count(app, Fault) == 1
