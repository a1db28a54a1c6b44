"""Nothing typed is lost: a form being filled in is kept on the phone as a draft, and comes
back after a reload until it is sent, kept in the outbox or discarded."""

import re
import time

import sqlalchemy as sa

from app.extensions import db
from app.models import Fault, FaultEvent, Inspection
from tests.browser.helpers import draw_signature, in_first_school, photo_file, sign_in

SLIDE_2 = "4ZGV4P"
SWING = "5ST6JX"

# The drafts kept on this phone, read as drafts.js keeps them (opening the database creates it
# as drafts.js would, so a test that reads first does not leave it without its store).
DRAFTS = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open('patrol-drafts', 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore('drafts', {keyPath: 'id'});
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const request = opening.result.transaction('drafts').objectStore('drafts').getAll();
    request.onsuccess = () => { opening.result.close(); resolve(request.result.map(d => ({
      id: d.id, action: d.action, client_id: d.client_id, values: d.values,
      files: Object.fromEntries(Object.entries(d.files).map(([n, f]) => [n, f.map(x => x.name)]))
    }))); };
  };
})"""


def _drafts(page):
    return page.evaluate(DRAFTS)


def _until(page, found, what, timeout=10.0):
    """Polls the drafts until `found(drafts)` gives something: they are kept, and dropped after
    a send, by the page's script a moment after the event."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = found(_drafts(page))
        if result:
            return result
        page.wait_for_timeout(100)
    raise AssertionError(f"no {what}: {_drafts(page)}")


def _wait_for_draft(page, name, value):
    """Until a draft holds `value` for the field `name`; returns it."""
    return _until(
        page,
        lambda drafts: next(
            (d for d in drafts if value in d["values"].get(name, []) + d["files"].get(name, [])),
            None,
        ),
        f"draft with {name}={value!r}",
    )


def _wait_for_no_drafts(page):
    _until(page, lambda drafts: drafts == [], "end to the drafts")


def _inspect_url(page, server):
    page.goto(f"{server.url}/q/{SLIDE_2}")
    # The plate opens its one check due; the form sends to the check's own page.
    return page.locator("form.inspection").get_attribute("action")


def _count(server, model, *where):
    with in_first_school(server.app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _canvas_drawn(page):
    return page.evaluate(
        """() => { const c = document.querySelector('form[data-signed] canvas');
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            return pixels.some(value => value !== 0); }"""
    )


def test_a_half_filled_inspection_survives_a_reload_and_goes_once_sent(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    url = _inspect_url(page, live_server)
    page.goto(live_server.url + url)
    first = page.locator("li.item").first
    first.locator("input[value=fail]").check()
    note_field = first.locator("textarea")
    note_field.fill("Loose bolt on the top step")
    note_name = note_field.get_attribute("name")
    page.fill("#note", "Sand under the slide needs raking")
    draw_signature(page)
    client_id = page.input_value("input[name=client_id]")
    draft = _wait_for_draft(page, "note", "Sand under the slide needs raking")
    assert draft["values"]["signature_data"][0].startswith("data:image/png;base64,")

    page.reload()
    notice = page.locator(".draft-restored")
    notice.wait_for()
    assert "Restored from a draft kept on this phone" in notice.inner_text()
    assert page.locator("li.item").first.locator("input[value=fail]").is_checked()
    assert page.input_value(f"textarea[name='{note_name}']") == "Loose bolt on the top step"
    assert page.locator("li.item").first.locator("[data-if-failed]").is_visible()
    assert page.input_value("#note") == "Sand under the slide needs raking"
    assert page.input_value("[data-signature]").startswith("data:image/png;base64,")
    assert _canvas_drawn(page)
    # The same form: a resend after a crash is answered as the first send, not recorded twice.
    assert page.input_value("input[name=client_id]") == client_id
    box = page.locator("[data-discard-draft]").bounding_box()
    assert box["height"] >= 44

    page.click("[data-all-ok]")
    page.click("[data-send]")
    page.wait_for_url(re.compile(r"/today/next"))
    _wait_for_no_drafts(page)
    with in_first_school(live_server.app):
        assert db.session.scalar(sa.select(Inspection).where(Inspection.client_id == client_id))

    page.goto(live_server.url + url)
    assert page.input_value("#note") == ""
    assert page.locator(".draft-restored").count() == 0


def test_a_draft_comes_back_only_into_its_own_form(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/q/{SWING}/report")
    page.fill("#description", "The seat is cracked")
    _wait_for_draft(page, "description", "The seat is cracked")

    page.goto(f"{live_server.url}/q/{SLIDE_2}/report")
    assert page.input_value("#description") == ""
    assert page.locator(".draft-restored").count() == 0
    page.goto(f"{live_server.url}/q/{SWING}/report")
    page.locator(".draft-restored").wait_for()
    assert page.input_value("#description") == "The seat is cracked"


def test_a_public_report_with_a_photo_survives_a_reload_and_discard_clears_it(
    live_server, phone, tmp_path
):
    page = phone("zh")
    page.goto(f"{live_server.url}/q/{SWING}/report")
    page.fill("#description", "秋千的链条生锈了")
    page.check("input[name=urgency][value=unsafe]")
    page.set_input_files("#photos", str(photo_file(tmp_path, "chain.jpg")))
    page.fill("#public_name", "王老师")
    _wait_for_draft(page, "photos", "chain.jpg")
    _wait_for_draft(page, "public_name", "王老师")

    page.reload()
    notice = page.locator(".draft-restored")
    notice.wait_for()
    assert "已恢复这部手机上保存的草稿" in notice.inner_text()
    assert page.input_value("#description") == "秋千的链条生锈了"
    assert page.is_checked("input[name=urgency][value=unsafe]")
    assert page.evaluate("document.getElementById('photos').files[0].name") == "chain.jpg"
    assert page.input_value("#public_name") == "王老师"

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="丢弃草稿").click()
    page.wait_for_function("!document.querySelector('.draft-restored')")
    assert page.input_value("#description") == ""
    assert not page.is_checked("input[name=urgency][value=unsafe]")
    assert page.evaluate("document.getElementById('photos').files.length") == 0
    assert _drafts(page) == []
    page.reload()
    assert page.input_value("#description") == ""
    assert page.locator(".draft-restored").count() == 0


def test_a_fault_report_sent_with_its_photo_leaves_no_draft(live_server, phone, tmp_path):
    page = phone("en")
    page.goto(f"{live_server.url}/q/{SWING}/report")
    page.fill("#description", "A sharp edge on the seat")
    page.check("input[name=urgency][value=needs_repair]")
    page.set_input_files("#photos", str(photo_file(tmp_path)))
    page.fill("#public_name", "Ms Wang")
    _wait_for_draft(page, "public_name", "Ms Wang")
    page.reload()
    page.locator(".draft-restored").wait_for()

    page.click("form.report-form button.primary")
    page.wait_for_url(re.compile(r"/faults/reported/"))
    _wait_for_no_drafts(page)
    with in_first_school(live_server.app):
        fault = db.session.scalar(
            sa.select(Fault).where(Fault.description == "A sharp edge on the seat")
        )
        assert len(fault.photos) == 1


def test_a_refused_report_keeps_its_draft(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/q/{SWING}/report")
    page.fill("#description", "Wobbly")
    _wait_for_draft(page, "description", "Wobbly")
    # Past the browser's own check of the urgency, so the server refuses it.
    page.evaluate("document.querySelector('form.report-form').noValidate = true")
    page.click("form.report-form button.primary")
    page.wait_for_selector(".flash-error")
    assert page.input_value("#description") == "Wobbly"
    assert page.locator(".draft-restored").count() == 0, "the server's answer is not a draft"
    assert [d["values"]["description"] for d in _drafts(page)] == [["Wobbly"]]


def test_a_form_kept_in_the_outbox_leaves_no_draft(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/today")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # under the service worker, which keeps Today for the way back
    url = _inspect_url(page, live_server)
    page.goto(live_server.url + url)
    page.context.set_offline(True)
    page.click("[data-all-ok]")
    draw_signature(page)
    _wait_for_draft(page, "note", "")
    page.click("[data-send]")
    page.wait_for_url(re.compile(r"/today$"))
    page.locator(".outbox-head").wait_for()
    assert len(page.evaluate("PatrolOutbox.waiting()")) == 1
    _wait_for_no_drafts(page)


def test_a_comment_on_a_fault_survives_a_reload_and_goes_once_added(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/faults/1")
    page.fill("#comment-text", "Ordered a new seat")
    _wait_for_draft(page, "comment", "Ordered a new seat")
    page.reload()
    page.locator("#comment .draft-restored").wait_for()
    assert page.input_value("#comment-text") == "Ordered a new seat"

    page.click("#comment button[type=submit]")
    page.wait_for_url(re.compile(r"/faults/1$"))
    assert page.input_value("#comment-text") == ""
    assert page.locator(".draft-restored").count() == 0
    _wait_for_no_drafts(page)
    assert _count(live_server, FaultEvent, FaultEvent.note == "Ordered a new seat") == 1
