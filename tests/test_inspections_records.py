"""Signed records: shown as they were signed, never changed, corrected by new records."""

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from app.checklists.versions import update_item
from app.extensions import db
from app.models import (
    Answer,
    Asset,
    AssetStatus,
    Checklist,
    Fault,
    Inspection,
    Outcome,
    Role,
    Signature,
)
from app.models.records import ImmutableRecordError
from tests.factories import make_history, make_user, user
from tests.test_inspections import (
    all_ok,
    count,
    drawn_signature,
    flashes,
    form_url,
    image_file,
    inspections,
    make_slide,
    post,
)


@pytest.fixture
def slide(app):
    return make_slide(app)


@pytest.fixture
def signed(app, client, auth, slide):
    """One inspection by the inspector: item 1 failed with a photo, a drawn signature."""
    check_1 = slide["items"][0]
    auth.login("inspector")
    data = all_ok(slide, signature_data=drawn_signature(), **{
        f"item-{check_1}-outcome": "fail",
        f"item-{check_1}-note": "Second step loose",
        f"item-{check_1}-photo": image_file(),
    })
    assert post(client, slide, data).status_code == 303
    [inspection] = inspections(app)
    return dict(slide, inspection_id=inspection.id, client_id=data["client_id"])


def show_url(signed):
    return f"/inspections/{signed['inspection_id']}"


# The record


def test_record_shows_everything_that_was_signed(app, client, signed):
    page = client.get(show_url(signed)).get_data(as_text=True)
    assert "Weekly slide check" in page and "Slide 1" in page
    assert "Checklist version" in page
    assert "Inspector" in page and "Inspector</dd>" in page
    assert "Ladder and steps secure" in page and "Second step loose" in page
    assert "Crack width at the foundation" in page and "0.1 mm" in page
    assert f"/inspections/{signed['inspection_id']}/signature.png" in page
    with app.app_context():
        answer_id = db.session.scalar(
            sa.select(Answer.id).where(Answer.item_id == signed["items"][0])
        )
        fault_id = db.session.scalar(sa.select(Fault.id))
    assert f"/inspections/answers/{answer_id}/photo?size=thumb" in page
    assert f'href="/faults/{fault_id}"' in page
    assert f'href="/q/{signed["code"]}"' in page
    assert "Something failed" in page


def test_record_shows_times_in_the_school_time_zone(app, client, signed):
    with app.app_context():
        inspection = db.session.get(Inspection, signed["inspection_id"])
        shanghai = inspection.submitted_at + timedelta(hours=8)
    page = client.get(show_url(signed)).text
    assert shanghai.strftime("%H:%M") in page


def test_record_in_chinese(client, signed):
    client.set_cookie("lang", "zh")
    page = client.get(show_url(signed)).text
    assert "梯子和台阶牢固" in page and "滑梯每周检查" in page


def test_typed_signature_is_shown_as_the_name(app, client, auth, slide):
    auth.login("inspector")
    post(client, slide, all_ok(slide, signer_name="inspector"))
    [inspection] = inspections(app)
    page = client.get(f"/inspections/{inspection.id}").text
    assert '<p class="typed-signature">inspector</p>' in page
    assert "Signed with a typed name" in page
    assert "signature.png" not in page
    assert client.get(f"/inspections/{inspection.id}/signature.png").status_code == 404


def test_signature_image_is_a_png(client, signed):
    response = client.get(show_url(signed) + "/signature.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(BytesIO(response.data)).format == "PNG"


def test_answer_photo_and_thumbnail(photo_store, app, client, signed):
    with app.app_context():
        answer_id = db.session.scalar(
            sa.select(Answer.id).where(Answer.item_id == signed["items"][0])
        )
        no_photo = db.session.scalar(
            sa.select(Answer.id).where(Answer.item_id == signed["items"][1])
        )
    photo = client.get(f"/inspections/answers/{answer_id}/photo")
    thumb = client.get(f"/inspections/answers/{answer_id}/photo?size=thumb")
    assert photo.status_code == thumb.status_code == 200
    assert photo.mimetype == "image/jpeg"
    assert Image.open(BytesIO(photo.data)).format == "JPEG"
    for response in (photo, thumb):
        # Staff only: the phone may keep it, a shared proxy must not.
        assert response.cache_control.private and not response.cache_control.public
    assert client.get(f"/inspections/answers/{no_photo}/photo").status_code == 404
    assert client.get("/inspections/answers/9999/photo").status_code == 404


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_every_staff_role_may_read_the_record(client, auth, signed, role):
    auth.logout()
    auth.login(role)
    assert client.get(show_url(signed)).status_code == 200
    assert client.get(show_url(signed) + "/signature.png").status_code == 200


def test_signed_out_cannot_read_the_record_or_its_images(app, client, auth, signed):
    with app.app_context():
        answer_id = db.session.scalar(sa.select(Answer.id).where(Answer.photo.is_not(None)))
    auth.logout()
    for url in (
        show_url(signed),
        show_url(signed) + "/signature.png",
        f"/inspections/answers/{answer_id}/photo",
        show_url(signed) + "/correct",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url


def test_unknown_record_is_not_found(client, auth):
    auth.login("admin")
    assert client.get("/inspections/999").status_code == 404
    assert client.get("/inspections/999/signature.png").status_code == 404
    assert client.get("/inspections/999/correct").status_code == 404


def test_hostile_answers_are_escaped_on_the_record(app, client, auth, slide):
    check_1, _c, _r, text, _p = slide["items"]
    hostile = "<script>alert(1)</script>"
    with app.app_context():
        # The name typed is the signer's own, so the hostile one is their display name.
        user().display_name = hostile
        db.session.commit()
    auth.login("inspector")
    data = all_ok(slide, signer_name=hostile, note=hostile, **{
        f"item-{check_1}-outcome": "fail", f"item-{check_1}-note": hostile,
        f"item-{text}-text": hostile,
    })
    assert post(client, slide, data).status_code == 303
    [inspection] = inspections(app)
    page = client.get(f"/inspections/{inspection.id}").text
    assert hostile not in page
    assert page.count("&lt;script&gt;") >= 4


def test_old_version_wording_is_shown_after_the_checklist_changed(app, client, signed):
    with app.app_context():
        checklist = db.session.get(Checklist, signed["checklist_id"])
        update_item(
            checklist.current_version.items[0], user("admin"),
            text="梯子牢固（新）", text_en="Ladder firmly fixed (new wording)",
        )
        db.session.commit()
    page = client.get(show_url(signed)).text
    assert "Ladder and steps secure" in page
    assert "new wording" not in page
    # The form now shows the new wording, and the record of it keeps the old.
    form = client.get(form_url(signed)).text
    assert "Ladder firmly fixed (new wording)" in form
    assert "Ladder and steps secure" not in form


# Never changed, never deleted


def test_the_orm_refuses_to_change_or_delete_a_signed_record(app, signed):
    with app.app_context():
        inspection = db.session.get(Inspection, signed["inspection_id"])
        inspection.note = "changed afterwards"
        with pytest.raises(ImmutableRecordError):
            db.session.flush()
        db.session.rollback()

        for record in (
            db.session.get(Inspection, signed["inspection_id"]),
            db.session.scalar(sa.select(Answer)),
            db.session.scalar(sa.select(Signature)),
        ):
            db.session.delete(record)
            with pytest.raises(ImmutableRecordError):
                db.session.flush()
            db.session.rollback()

        answer = db.session.scalar(sa.select(Answer))
        answer.outcome = Outcome.PASS
        with pytest.raises(ImmutableRecordError):
            db.session.flush()
        db.session.rollback()
    assert inspections(app)[0].note == ""


def test_no_route_edits_or_deletes_a_record(app, client, signed):
    rules = [
        rule for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("inspections.")
    ]
    changing = {
        rule.endpoint for rule in rules if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    # Only new records are made: a new inspection, or a correction (also new).
    assert changing == {"inspections.new", "inspections.correct"}
    for method in ("put", "patch", "delete", "post"):
        response = getattr(client, method)(show_url(signed))
        assert response.status_code == 405
    assert count(app, Inspection) == 1


# Corrections


def correct_url(signed):
    return show_url(signed) + "/correct"


def test_correction_form_is_prefilled_with_the_old_answers(client, signed):
    page = client.get(correct_url(signed)).text
    check_1, check_2, reading, *_ = signed["items"]
    assert f'name="item-{check_1}-outcome" value="fail" checked' in page
    assert f'name="item-{check_2}-outcome" value="pass" checked' in page
    assert 'value="0.1"' in page
    assert "Second step loose" in page
    assert "A photo is kept" in page
    assert "You are correcting inspection" in page
    assert f'name="client_id" value="{signed["client_id"]}"' not in page


def test_correction_makes_a_new_record_pointing_at_the_old(app, client, signed):
    page = client.get(correct_url(signed)).text
    check_1 = signed["items"][0]
    client_id = re.search(r'name="client_id" value="(\w+)"', page).group(1)
    token = re.search(r'name="(item-\d+-photo_token)" value="([^"]+)"', page)
    data = all_ok(signed, client_id=client_id, signer_name="Inspector", **{
        f"item-{check_1}-outcome": "fail",
        f"item-{check_1}-note": "Second AND third step loose",
        token.group(1): token.group(2),
    })
    response = post(client, signed, data, url=correct_url(signed))
    assert response.status_code == 303
    old, new = inspections(app)
    assert response.location == f"/inspections/{new.id}"
    assert flashes(client) == ["Correction signed and saved"]
    assert new.corrects_id == old.id
    # A correction restates the check of that day; it is signed anew.
    assert new.local_date == old.local_date
    assert new.signature_id != old.signature_id
    with app.app_context():
        new_answers = db.session.get(Inspection, new.id).answers
        old_answers = db.session.get(Inspection, old.id).answers
        assert new_answers[0].note == "Second AND third step loose"
        assert new_answers[0].photo == old_answers[0].photo
        assert old_answers[0].note == "Second step loose"
        # The fault raised by the first record is not raised again.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Fault)) == 1

    old_page = client.get(show_url(signed)).text
    assert "This record was corrected" in old_page
    assert f'href="/inspections/{new.id}"' in old_page
    assert "Correct this record" not in old_page
    new_page = client.get(f"/inspections/{new.id}").text
    assert f"this corrects #{old.id}" in new_page


def test_correction_raises_a_fault_for_a_newly_failed_item(app, client, signed):
    check_2 = signed["items"][1]
    data = all_ok(signed, **{
        f"item-{signed['items'][0]}-outcome": "fail",
        f"item-{signed['items'][0]}-note": "Second step loose",
        f"item-{check_2}-outcome": "fail",
        f"item-{check_2}-note": "Missed it: crack in the surface",
    })
    assert post(client, signed, data, url=correct_url(signed)).status_code == 303
    with app.app_context():
        faults = db.session.scalars(sa.select(Fault).order_by(Fault.id)).all()
        assert [f.item_id for f in faults] == [signed["items"][0], check_2]
        assert db.session.get(Asset, signed["asset_id"]).status == AssetStatus.OUT_OF_SERVICE


def test_correction_validates_like_a_new_inspection(app, client, signed):
    check_1 = signed["items"][0]
    data = all_ok(signed, signer_name="", **{f"item-{check_1}-outcome": "fail"})
    response = post(client, signed, data, url=correct_url(signed))
    assert response.status_code == 400
    assert "Say what is wrong in the note." in response.text
    assert "Sign with your finger, or type your name to sign." in response.text
    assert count(app, Inspection) == 1


def test_correction_sent_twice_is_recorded_once(app, client, signed):
    data = all_ok(signed)
    first = post(client, signed, data, url=correct_url(signed))
    second = post(client, signed, data, url=correct_url(signed))
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    assert count(app, Inspection) == 2


def test_corrected_record_cannot_be_corrected_again(app, client, signed):
    assert post(client, signed, all_ok(signed), url=correct_url(signed)).status_code == 303
    _old, new = inspections(app)
    response = client.get(correct_url(signed))
    assert response.status_code == 409
    assert f"already corrected by #{new.id}" in response.text
    assert post(client, signed, all_ok(signed), url=correct_url(signed)).status_code == 409
    assert count(app, Inspection) == 2
    # The correction itself can be corrected.
    assert client.get(f"/inspections/{new.id}/correct").status_code == 200


def test_correction_keeps_the_version_it_corrects(app, client, signed):
    with app.app_context():
        checklist = db.session.get(Checklist, signed["checklist_id"])
        first = checklist.current_version.items[0]
        update_item(first, user("admin"), text="新", text_en="Brand new wording")
        db.session.commit()
    page = client.get(correct_url(signed)).text
    assert "Ladder and steps secure" in page and "Brand new wording" not in page
    assert f'name="version_id" value="{signed["version_id"]}"' in page
    wrong = all_ok(signed, version_id="0")
    assert post(client, signed, wrong, url=correct_url(signed)).status_code == 400
    assert post(client, signed, all_ok(signed), url=correct_url(signed)).status_code == 303
    assert inspections(app)[1].version_id == signed["version_id"]


def test_only_the_admin_or_the_original_inspector_may_correct(app, client, auth, signed):
    with app.app_context():
        make_user("other", Role.INSPECTOR)
        db.session.commit()
    for username, status in (("other", 403), ("repairer", 403), ("admin", 200)):
        auth.logout()
        auth.login(username)
        assert client.get(correct_url(signed)).status_code == status, username
        page = client.get(show_url(signed)).text
        assert ("Correct this record" in page) == (status == 200), username
    auth.logout()
    auth.login("other")
    assert post(client, signed, all_ok(signed), url=correct_url(signed)).status_code == 403
    assert count(app, Inspection) == 1


def test_correction_of_a_retired_asset_is_refused(app, client, signed):
    with app.app_context():
        db.session.get(Asset, signed["asset_id"]).status = AssetStatus.RETIRED
        db.session.commit()
    assert client.get(correct_url(signed)).status_code == 409
    assert post(client, signed, all_ok(signed), url=correct_url(signed)).status_code == 409
    assert count(app, Inspection) == 1
    # The record's page does not offer what the correction page would refuse.
    assert "Correct this record" not in client.get(show_url(signed)).text


# Query budget: the form and the submit do not grow with the history


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements = []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __len__(self):
        return len(self.statements)


def queries(app, call):
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = call()
    return response, len(counter)


def test_form_and_submit_queries_do_not_grow_with_history(app, client, auth, slide):
    auth.login("inspector")
    client.get(form_url(slide))  # warm: the first request loads what every request caches

    def measure():
        form, form_queries = queries(app, lambda: client.get(form_url(slide)))
        assert form.status_code == 200
        data = all_ok(slide)
        sent, submit_queries = queries(app, lambda: post(client, slide, data))
        assert sent.status_code == 303
        return form_queries, submit_queries

    before = measure()
    with app.app_context():
        # Five hundred past days, from New Year's Day 2024, each with its answers.
        make_history(
            db.session.get(Asset, slide["asset_id"]),
            db.session.get(Checklist, slide["checklist_id"]),
            [date(2024, 1, 1) + timedelta(days=n) for n in range(500)],
        )
        db.session.commit()
    after = measure()
    assert after == before, (before, after)
    assert count(app, Inspection) == 502
    assert before[0] <= 12 and before[1] <= 20, before
