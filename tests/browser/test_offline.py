"""(c) Offline: the round taken offline, an inspection and a fault report made without a
network, kept across a reload, and sent exactly once when the network returns."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Asset, AssetStatus, Fault, Inspection, User
from tests.browser.helpers import draw_signature, in_first_school, photo_file, sign_in

SLIDE_2 = "4ZGV4P"
DESCRIPTION = "The chain of the swing is rusted through."


def _asset_id(server, code):
    with in_first_school(server.app):
        return db.session.scalar(sa.select(Asset.id).where(Asset.code == code))


def _count(server, model, *where):
    with in_first_school(server.app):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _user_id(server, username):
    with in_first_school(server.app):
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def _take_round_offline(page, server, done_word="kept on this phone,"):
    page.goto(f"{server.url}/today")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.click("[data-take-offline] button")
    page.wait_for_function(
        "word => document.querySelector('[data-taken]').textContent.includes(word)",
        arg=done_word,
        # The demo's round is some 250 pages, fetched three at a time from a shared machine.
        timeout=90_000,
    )
    urls = page.request.get(f"{server.url}/offline/round").json()["urls"]
    slide_id = _asset_id(server, SLIDE_2)
    inspect = next(u for u in urls if u.startswith(f"/assets/{slide_id}/checklists/"))
    report = next(u for u in urls if u.endswith("/report"))
    return inspect, report


def _kept_pages(page):
    return page.evaluate(
        "caches.open('patrol-pages').then(c => c.keys())"
        ".then(keys => keys.map(k => new URL(k.url).pathname))"
    )


def _inspect_all_ok(page, server, url):
    page.goto(server.url + url)
    page.click("[data-all-ok]")
    draw_signature(page)
    page.click("[data-send]")
    page.wait_for_url(re.compile(r"/today$"))


def _bar_says(page, words):
    page.wait_for_function(
        "words => (document.querySelector('.outbox-head strong') || {}).textContent === words",
        arg=words,
    )


def _waiting(page, number, offline=False):
    """Until the outbox bar counts `number` waiting; offline it says they go when it is back."""
    if offline:
        _bar_says(page, f"{number} waiting, sent when the network is back")
    else:
        _bar_says(page, f"{number} waiting to send")


def test_a_round_done_offline_arrives_once(live_server, phone, tmp_path):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    inspect_url, report_url = _take_round_offline(page, live_server)
    slide_id = _asset_id(live_server, SLIDE_2)
    inspections_before = _count(live_server, Inspection, Inspection.asset_id == slide_id)

    page.context.set_offline(True)
    _inspect_all_ok(page, live_server, inspect_url)
    _waiting(page, 1, offline=True)
    assert page.locator(".flash-info", has_text="Saved on this phone").is_visible()

    page.goto(live_server.url + report_url)
    page.fill("#description", DESCRIPTION)
    page.check("input[name=urgency][value=needs_repair]")
    page.set_input_files("#photos", str(photo_file(tmp_path)))
    page.click("form.report-form button.primary")
    page.wait_for_url(re.compile(r"/q/[A-Z0-9]+$"))
    _waiting(page, 2, offline=True)

    page.reload()
    _waiting(page, 2, offline=True)
    assert _count(live_server, Fault, Fault.description == DESCRIPTION) == 0

    page.context.set_offline(False)
    page.wait_for_selector(".outbox-sent")
    page.wait_for_function("!document.querySelector('.outbox-head')")
    assert page.locator(".outbox-sent").count() == 2

    # Sending again (a second tap, a second tab) records nothing more.
    page.reload()
    page.evaluate("PatrolOutbox.flush()")
    assert _count(live_server, Inspection, Inspection.asset_id == slide_id) == (
        inspections_before + 1
    )
    with in_first_school(live_server.app):
        (fault,) = db.session.scalars(sa.select(Fault).where(Fault.description == DESCRIPTION))
        assert len(fault.photos) == 1
        latest = db.session.scalar(
            sa.select(Inspection)
            .where(Inspection.asset_id == slide_id)
            .order_by(Inspection.id.desc())
            .limit(1)
        )
        assert latest.signature.image, "the drawn signature travelled with the outbox"


def test_offline_the_label_opens_its_check_and_the_check_waits_to_send(live_server, phone):
    """The plate's page kept for the round is the form itself: scan, All OK, sign, Send."""
    page = phone("zh")
    sign_in(page, live_server, "inspector")
    _take_round_offline(page, live_server, "保存时间")
    slide_id = _asset_id(live_server, SLIDE_2)
    before = _count(live_server, Inspection, Inspection.asset_id == slide_id)

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/q/{SLIDE_2}")
    assert page.locator(".scan-head .last-check").is_visible()
    page.click("[data-all-ok]")
    draw_signature(page)
    page.click("[data-send]")
    page.wait_for_url(re.compile(r"/today$"))
    _waiting_any(page)
    assert _count(live_server, Inspection, Inspection.asset_id == slide_id) == before

    page.context.set_offline(False)
    page.wait_for_selector(".outbox-sent")
    assert _count(live_server, Inspection, Inspection.asset_id == slide_id) == before + 1


def _waiting_any(page):
    page.wait_for_function("!!document.querySelector('.outbox-head strong')")


def test_a_send_while_signed_out_keeps_the_item_and_asks_to_sign_in(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    inspect_url, _report_url = _take_round_offline(page, live_server)
    slide_id = _asset_id(live_server, SLIDE_2)
    before = _count(live_server, Inspection, Inspection.asset_id == slide_id)

    page.context.set_offline(True)
    _inspect_all_ok(page, live_server, inspect_url)
    _waiting(page, 1, offline=True)
    # The sign-in lapses while the phone is away from the network.
    page.context.clear_cookies()
    status = page.evaluate(
        "fetch('/offline/csrf').then(() => 'online', () => 'offline')"
    )
    assert status == "offline"

    page.context.set_offline(False)
    sign_in_link = page.locator(".outbox-problem a", has_text="Sign in to send")
    sign_in_link.wait_for()
    _waiting(page, 1)
    assert _count(live_server, Inspection, Inspection.asset_id == slide_id) == before

    answer = page.evaluate(
        """() => PatrolOutbox.waiting().then(items => items[0].problem.status)"""
    )
    assert answer == 401

    sign_in_link.click()
    page.fill("input[name=username]", "inspector")
    page.fill("input[name=password]", "demo")
    page.click("form.stack button.primary")
    page.wait_for_selector(".outbox-sent")
    assert _count(live_server, Inspection, Inspection.asset_id == slide_id) == before + 1


def test_a_form_whose_send_fails_on_the_network_is_kept(live_server, phone):
    """The phone thinks it is online, but the send never reaches the server: the service
    worker keeps the form in the outbox instead of the browser showing an error."""
    page = phone("zh")
    sign_in(page, live_server, "inspector")
    inspect_url, _report_url = _take_round_offline(page, live_server, "保存时间")
    page.goto(live_server.url + inspect_url)
    page.click("[data-all-ok]")
    draw_signature(page)
    live_server.stop()
    live_server._server.server_close()  # refused at once, as when the Wi-Fi drops

    page.click("[data-send]")
    page.wait_for_url(re.compile(r"/offline\?saved=1$"))
    page.wait_for_selector(".outbox-head")
    assert "1 条待发送" in page.locator(".outbox-head strong").inner_text()
    assert page.locator(".flash-info", has_text="已保存在这部手机上").is_visible()
    # The page's own try found no server: said, rather than a Send now that silently fails.
    page.locator(".outbox p.muted", has_text="没有网络").wait_for()
    item = page.evaluate("PatrolOutbox.waiting().then(items => items[0])")
    fields = dict((name, value) for name, value, *_file in item["fields"])
    assert fields["signature_data"].startswith("data:image/png;base64,")
    assert item["entered_by"] == str(_user_id(live_server, "inspector"))
    assert item["title"]


def test_signing_out_forgets_the_kept_pages_but_never_the_outbox(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/today")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker, which keeps the page
    assert "/today" in _kept_pages(page)
    # Something that cannot be sent yet: its asset is gone.
    page.evaluate(
        """PatrolOutbox.keep({client_id: 'c0ffee00-0000-4000-8000-000000000001',
            action: '/q/ZZZZZZ/report', fields: [['description', 'Cracked']], entered_by: '',
            title: 'A report', saved_at: new Date().toISOString(), problem: null})"""
    )
    page.evaluate("PatrolOutbox.flush()")

    page.click("details.menu summary")
    page.click("details.menu button.link")
    page.wait_for_url(re.compile(r"/login"))
    assert "/today" not in _kept_pages(page)
    items = page.evaluate("PatrolOutbox.waiting()")
    assert [item["client_id"] for item in items] == ["c0ffee00-0000-4000-8000-000000000001"]
    assert items[0]["problem"]["status"] == 404
    assert page.locator(".outbox-problem", has_text="A report").is_visible()


def test_a_report_on_an_asset_retired_meanwhile_stays_and_shows_what_was_entered(
    live_server, phone, tmp_path
):
    page = phone("zh")
    sign_in(page, live_server, "inspector")
    _inspect_url, report_url = _take_round_offline(page, live_server, "保存时间")
    page.context.set_offline(True)
    page.goto(live_server.url + report_url)
    page.fill("#description", "抽屉把手松了")
    page.check("input[name=urgency][value=needs_repair]")
    page.set_input_files("#photos", str(photo_file(tmp_path)))
    page.click("form.report-form button.primary")
    page.wait_for_url(re.compile(r"/q/[A-Z0-9]+$"))
    code = report_url.split("/")[2]
    with in_first_school(live_server.app):
        asset = db.session.scalar(sa.select(Asset).where(Asset.code == code))
        asset.status = AssetStatus.RETIRED
        db.session.commit()

    page.context.set_offline(False)
    problem = page.locator(".outbox-problem")
    problem.wait_for()
    assert "已报废" in problem.inner_text()
    problem.locator("summary").click()
    entered = problem.locator(".outbox-entered").inner_text()
    assert "抽屉把手松了" in entered and "1 张照片" in entered
    assert _count(live_server, Fault, Fault.description == "抽屉把手松了") == 0
    page.reload()
    page.locator(".outbox-problem").wait_for()
    assert "1 条待发送" in page.locator(".outbox-head strong").inner_text()

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(".outbox-problem summary").click()
    page.locator(".outbox-problem button.link").click()
    page.wait_for_function("!document.querySelector('.outbox-head')")
    assert page.evaluate("PatrolOutbox.waiting()") == []


def test_a_report_refused_for_its_photo_is_corrected_in_its_form_and_recorded_once(
    live_server, phone, tmp_path
):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/today")
    # As the phone kept it offline: a description, an urgency and a "photo" that is none.
    page.evaluate(
        """action => PatrolOutbox.keep({client_id: 'c0ffee00-0000-4000-8000-000000000002',
            action: action, fields: [['csrf_token', 'stale'],
              ['client_id', 'c0ffee00-0000-4000-8000-000000000002'],
              ['description', 'The slide has a sharp crack.'], ['urgency', 'needs_repair'],
              ['photos', new Blob(['<html>not a photo</html>'], {type: 'image/jpeg'}),
               'crack.jpg']],
            entered_by: document.body.dataset.user, title: 'Fault report: slide 2',
            saved_at: new Date().toISOString(), problem: null})""",
        f"/q/{SLIDE_2}/report",
    )
    page.evaluate("PatrolOutbox.flush()")
    page.reload()
    problem = page.locator(".outbox-problem")
    problem.wait_for()
    assert "crack.jpg" in problem.inner_text()
    page.wait_for_load_state("networkidle")  # every send after the reload has been answered

    problem.locator("a", has_text="Correct it in its form").click()
    page.wait_for_selector(".outbox-correcting")
    assert page.input_value("#description") == "The slide has a sharp crack."
    assert page.is_checked("input[name=urgency][value=needs_repair]")
    assert page.evaluate("document.getElementById('photos').files[0].name") == "crack.jpg"
    marked = page.locator(".field.has-error small.error")
    assert marked.count() == 1 and "crack.jpg" in marked.inner_text()

    page.set_input_files("#photos", str(photo_file(tmp_path)))
    page.click("form.report-form button.primary")
    page.wait_for_url(re.compile(rf"/q/{SLIDE_2}$"))
    # The copy kept on the phone goes on the next send, answered as the report it became.
    page.wait_for_selector(".outbox-sent")
    assert page.evaluate("PatrolOutbox.waiting()") == []
    assert _count(live_server, Fault, Fault.description == "The slide has a sharp crack.") == 1


def test_an_inspection_refused_for_unanswered_items_is_corrected_in_its_form(
    live_server, phone
):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/today")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{live_server.url}/q/{SLIDE_2}")
    inspect_url = page.locator("form.inspection").get_attribute("action")
    slide_id = _asset_id(live_server, SLIDE_2)
    before = _count(live_server, Inspection, Inspection.asset_id == slide_id)

    # Signed without an answer, with no network: kept, and refused once it is sent.
    page.goto(live_server.url + inspect_url)
    page.context.set_offline(True)
    draw_signature(page)
    page.click("[data-send]")
    page.wait_for_url(re.compile(r"/(today|offline)"))
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/today")
    problem = page.locator(".outbox-problem")
    problem.wait_for()
    # The page's flush, the online event and background sync each send it and draw the list
    # anew; a tap on a link drawn over a moment later goes nowhere.
    page.wait_for_load_state("networkidle")

    problem.locator("a", has_text="Correct it in its form").click()
    page.wait_for_selector(".outbox-correcting")
    assert page.locator("li.item.has-error small.error").count() >= 1
    assert page.input_value("[data-signature]").startswith("data:image/png;base64,")
    drawn = page.evaluate(
        """() => { const c = document.querySelector('form[data-signed] canvas');
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            return pixels.some(value => value !== 0); }"""
    )
    assert drawn

    page.click("[data-all-ok]")
    page.click("[data-send]")
    page.wait_for_selector(".outbox-sent")
    assert page.evaluate("PatrolOutbox.waiting()") == []
    assert _count(live_server, Inspection, Inspection.asset_id == slide_id) == before + 1


def test_offline_the_outbox_says_what_will_happen_and_offers_no_send_now(live_server, phone):
    for language, offline_words, online_words in (
        ("zh", "1 条待发送，网络恢复后自动发送", "1 条待发送"),
        ("en", "1 waiting, sent when the network is back", "1 waiting to send"),
    ):
        page = phone(language)
        sign_in(page, live_server, "inspector")
        page.goto(f"{live_server.url}/today")
        # Something that stays waiting: its asset is gone.
        page.evaluate(
            """PatrolOutbox.keep({client_id: 'c0ffee00-0000-4000-8000-000000000003',
                action: '/q/ZZZZZZ/report', fields: [['description', 'Cracked']],
                entered_by: '', title: 'A report', saved_at: new Date().toISOString(),
                problem: null})"""
        )
        page.context.set_offline(True)
        _bar_says(page, offline_words)
        assert page.locator("[data-send-now]").count() == 0

        page.context.set_offline(False)
        page.locator("[data-send-now]").wait_for()
        assert page.locator(".outbox-head strong").inner_text() == online_words
        assert page.locator("[data-send-now]").bounding_box()["height"] >= 44



def test_a_busy_server_is_sent_to_again_after_the_pause_it_asks_for(live_server, phone):
    """A 503 with Retry-After stops the outbox's round; it sends again by itself after it."""
    page = phone("en")
    sign_in(page, live_server, "inspector")
    slide_id = _asset_id(live_server, SLIDE_2)
    before = _count(live_server, Inspection, Inspection.asset_id == slide_id)
    page.goto(f"{live_server.url}/q/{SLIDE_2}")
    page.click("[data-all-ok]")
    draw_signature(page)
    page.context.set_offline(True)
    page.click("[data-send]")
    # The form kept, the page goes on to its next page by itself; a goto before that lands
    # would be cut short by it.
    page.wait_for_url(re.compile(r"/(today|offline)"))
    _waiting(page, 1, offline=True)

    sends = []

    def busy_once(route):
        sends.append(route.request.url)
        if len(sends) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": "busy"}',
            )
        else:
            route.continue_()

    page.context.route(re.compile(r"/inspect$"), busy_once)
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/today")
    page.wait_for_selector(".outbox-sent", timeout=15_000)
    # Sent again after the pause: by the page, and perhaps by the service worker's sync too,
    # which the client id makes harmless.
    assert len(sends) >= 2
    assert _count(live_server, Inspection, Inspection.asset_id == slide_id) == before + 1


def test_what_the_service_worker_sends_shows_as_sent_on_the_open_page(live_server, phone):
    """Background Sync sends with no tap and no page's help; the page open says it went."""
    page = phone("en")
    sign_in(page, live_server, "inspector")
    slide_id = _asset_id(live_server, SLIDE_2)
    before = _count(live_server, Fault, Fault.asset_id == slide_id)
    page.goto(f"{live_server.url}/today")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    devtools = page.context.new_cdp_session(page)
    registrations = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    devtools.send("ServiceWorker.enable")
    for _ in range(100):  # the registration is told as an event, a moment after enabling
        ours = [r for r in registrations if r["scopeURL"].startswith(live_server.url)]
        if ours:
            break
        page.wait_for_timeout(50)
    registration = ours[0]
    # Kept as a phone keeps a report, with no send from the page.
    page.evaluate(
        """action => PatrolOutbox.keep({client_id: 'c0ffee00-0000-4000-8000-000000000004',
            action: action, fields: [['client_id', 'c0ffee00-0000-4000-8000-000000000004'],
              ['description', 'The slide has a sharp crack.'], ['urgency', 'needs_repair']],
            entered_by: document.body.dataset.user, title: 'Fault report: slide 2',
            saved_at: new Date().toISOString(), problem: null})""",
        f"/q/{SLIDE_2}/report",
    )

    devtools.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "tag": "patrol-outbox",
            "lastChance": False,
        },
    )
    sent = page.locator(".outbox-sent", has_text="Fault report: slide 2")
    sent.wait_for()
    assert sent.count() == 1
    assert page.evaluate("PatrolOutbox.waiting()") == []
    assert _count(live_server, Fault, Fault.asset_id == slide_id) == before + 1


def test_a_page_is_shown_when_the_phone_cannot_keep_its_copy(live_server, phone):
    """A phone whose storage is full still shows what the network brought, not "offline"."""
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/today")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    worker = next(w for w in page.context.service_workers if w.url.startswith(live_server.url))
    worker.evaluate(
        """() => { Cache.prototype.put = () =>
            Promise.reject(new DOMException('The phone is full.', 'QuotaExceededError')); }"""
    )
    # A page never kept before: had the failed copy counted, only the offline page was left.
    page.goto(f"{live_server.url}/q/{SLIDE_2}")
    assert page.locator("[data-all-ok]").is_visible()
    assert page.evaluate("caches.open('patrol-pages').then(c => c.match(location.href))") is None
