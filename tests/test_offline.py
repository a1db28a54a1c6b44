"""The installable app and the round taken offline: the manifest and its icons, the service
worker and its shell, the offline page, and the pages "Take today's round offline" keeps."""

import json
import re
import shutil
from datetime import date
from io import BytesIO

import pytest
from PIL import Image

from app.extensions import db
from app.models import Asset, AssetStatus, FaultStatus, Frequency
from app.offline.round import MAX_PAGES, end_of_week, wanted_this_week
from app.offline.shell import shell
from app.routines import RoutineState
from app.schedule import Occurrence
from tests.factories import (
    SLIDE_ITEMS,
    make_asset,
    make_checklist,
    make_fault_at,
    make_kind,
    make_slide,
)
from tests.test_inspections import form_url

OUTBOX = {"X-Patrol-Outbox": "1"}


# Installing


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d4e89"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        width, height = Image.open(BytesIO(image.data)).size
        assert f"{width}x{height}" == icon["sizes"]
        assert len(image.data) < 10_000, "icons stay small"


def test_every_page_links_the_manifest_and_the_ios_icon(client, static_url):
    page = client.get("/login").get_data(as_text=True)
    icon_url = static_url("icons/apple-touch-icon.png")
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<link rel="apple-touch-icon" href="{icon_url}">' in page
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in page
    assert f'<script src="{static_url("js/outbox.js")}" defer></script>' in page
    icon = client.get(icon_url)
    assert Image.open(BytesIO(icon.data)).size == (180, 180)


def test_outbox_words_are_in_the_page_in_its_language(client, auth):
    page = client.get("/login", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    words = json.loads(re.search(r'id="patrol-text">(.*?)</script>', page).group(1))
    assert words["waiting"] == "{num} 条待发送"
    assert words["send_now"] == "立即发送"
    english = client.get("/login").get_data(as_text=True)
    assert '"{num} waiting to send"' in english


def worker_shell(client, path="/sw.js"):
    source = client.get(path).get_data(as_text=True)
    return json.loads(re.match(r"const PATROL_SHELL = (.*);\n", source).group(1))


def test_service_worker_is_served_at_the_root_uncached(client, static_url):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    shell = worker_shell(client)
    assert re.fullmatch(r"[0-9a-f]{16}", shell["version"])
    # What every page loads, by the very URLs the pages load them, so none is fetched twice.
    for url in ("/offline", static_url("css/patrol.css"), static_url("js/outbox.js")):
        assert url in shell["urls"]
    assert len(shell["urls"]) == len(set(shell["urls"]))
    assert not [url for url in shell["urls"] if url.endswith((".md", ".LICENSE"))]
    for url in shell["urls"]:
        assert client.get(url).status_code == 200, url
    assert shell["outbox"] == static_url("js/outbox.js")
    assert shell["store"] == static_url("js/store.js")
    assert "importScripts(PATROL_SHELL.store, PATROL_SHELL.outbox)" in source
    assert "patrol-shell-" in source


def test_a_visitor_keeps_no_staff_script_no_decoder_and_no_install_icon(client):
    kept = " ".join(worker_shell(client, "/sw.js?decoder=1")["urls"])
    for left_out in ("inspection.", "signature.", "signature_pad.", "scanner.", "stocktake.",
                     "report.", "print.", "round_offline.", "qr-scanner", "patrol-192.",
                     "patrol-512.", "patrol-maskable-512."):
        assert left_out not in kept


def test_staff_keep_what_their_pages_load(client, auth, static_url):
    auth.login("inspector")
    kept = worker_shell(client)["urls"]
    for name in ("js/inspection.js", "js/signature.js", "vendor/signature_pad.umd.min.js",
                 "js/scanner.js", "js/stocktake.js", "css/patrol.css", "js/store.js",
                 "js/outbox.js", "js/outbox_page.js", "js/round_offline.js"):
        assert static_url(name) in kept, name
    assert static_url("css/report.css") not in kept, "the reports are the admin's"
    auth.login("repairer")
    assert static_url("js/inspection.js") not in worker_shell(client)["urls"]
    auth.login("admin")
    assert static_url("css/report.css") in worker_shell(client)["urls"]


def test_the_qr_decoder_is_kept_only_where_the_browser_has_no_barcode_detector(
    client, auth, static_url
):
    auth.login("inspector")
    android = " ".join(worker_shell(client)["urls"])
    assert "qr-scanner" not in android
    without = worker_shell(client, "/sw.js?decoder=1")["urls"]
    assert static_url("vendor/qr-scanner.umd.min.js") in without
    # The decoder imports its worker by its plain name: kept by that name, not a second copy.
    assert "/static/vendor/qr-scanner-worker.min.js" in without


def test_the_precache_holds_the_urls_the_inspection_form_loads(app, client, auth):
    slide = make_slide(app)
    auth.login("inspector")
    page = client.get(form_url(slide)).get_data(as_text=True)
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', page)
    assert loaded
    assert set(loaded) <= set(worker_shell(client)["urls"])


def test_shell_version_changes_with_any_shell_file(app, tmp_path):
    copy = tmp_path / "static"
    shutil.copytree(app.static_folder, copy)
    app.static_folder = str(copy)
    with app.test_request_context():
        before = shell(None, False)["version"]
        assert shell(None, False)["version"] == before
        (copy / "js" / "added-later.js").write_text("// a new script\n")
        added = shell(None, False)["version"]
        (copy / "css" / "patrol.css").write_text("body { color: red }\n")
        changed = shell(None, False)["version"]
    assert len({before, added, changed}) == 3


def test_offline_page_speaks_both_languages_and_names_nobody(client, auth):
    auth.login("inspector")
    response = client.get("/offline")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You are offline" in page and "当前没有网络" in page
    assert "Inspector" not in page and "Sign out" not in page
    assert 'href="/today"' in page


# Taking the round offline


@pytest.fixture
def round_assets(app):
    """A slide with a daily check (due today), a sign with a routine still being written (no
    items: nothing to inspect) and a retired slide; ids."""
    with app.app_context():
        slide = make_asset(code="SKD234")
        make_checklist(slide.kind, ("滑梯每周检查", "Weekly slide check"), Frequency.DAILY,
                       SLIDE_ITEMS)
        retired = make_asset("旧滑梯", "Old slide", kind=slide.kind, status=AssetStatus.RETIRED,
                             code="RTD234")
        sign_kind = make_kind("sign", "标识", "Sign")
        sign = make_asset("标识", "Sign", kind=sign_kind, code="SGN234")
        make_checklist(sign_kind, ("滑梯每周检查", "Weekly slide check"), Frequency.DAILY,
                       items=[])
        db.session.commit()
        return {"slide": slide.id, "sign": sign.id, "retired": retired.id}


def test_end_of_week_is_sunday():
    assert end_of_week(date(2026, 11, 30)) == date(2026, 12, 6)  # a Monday
    assert end_of_week(date(2026, 12, 6)) == date(2026, 12, 6)  # that Sunday


def state(day, due_date, next_due, last_done=None, paused=False):
    occurrence = Occurrence(
        today=day, due_date=due_date, next_due=next_due, grace_days=0, paused=paused
    )
    return RoutineState(asset=None, checklist=None, occurrence=occurrence, last_done=last_done)


def test_what_counts_as_due_this_week():
    tuesday = date(2026, 12, 1)
    assert wanted_this_week(state(tuesday, tuesday, None), tuesday)  # due today
    assert wanted_this_week(state(tuesday, date(2026, 11, 2), None), tuesday)  # overdue
    # Done today, next due on Friday or on Sunday: this week. Next Monday: not.
    for next_due, wanted in ((date(2026, 12, 4), True), (date(2026, 12, 6), True),
                             (date(2026, 12, 7), False)):
        entry = state(tuesday, tuesday, next_due, last_done=tuesday)
        assert wanted_this_week(entry, tuesday) is wanted
    # The school is closed: nothing is due.
    assert not wanted_this_week(state(tuesday, tuesday, date(2026, 12, 2), paused=True), tuesday)


def test_the_round_lists_plate_pages_and_forms_due_this_week(client, auth, round_assets):
    auth.login("inspector")
    response = client.get("/offline/round")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    urls = response.get_json()["urls"]
    assert urls[0] == "/today"
    assert "/q/SKD234" in urls and "/q/SKD234/report" in urls
    assert any(re.fullmatch(rf"/assets/{round_assets['slide']}/checklists/\d+/inspect", u)
               for u in urls)
    assert "/q/SGN234" not in urls, "a routine without items has nothing to inspect"
    assert "/q/RTD234" not in urls
    assert len(urls) == len(set(urls))
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_repairer_gets_plates_reports_and_his_jobs_but_no_inspection_forms(
    app, client, auth, round_assets
):
    with app.app_context():
        job = make_fault_at(FaultStatus.ASSIGNED, db.session.get(Asset, round_assets["sign"]),
                            description="Loose")
        db.session.commit()
        job_id = job.id
    auth.login("repairer")
    urls = client.get("/offline/round").get_json()["urls"]
    assert "/q/SKD234" in urls and "/q/SKD234/report" in urls
    assert not [u for u in urls if u.endswith("/inspect")]
    assert f"/faults/{job_id}" in urls and "/q/SGN234" in urls


def test_the_round_is_bounded(app, client, auth, round_assets, monkeypatch):
    monkeypatch.setattr("app.offline.round.MAX_PAGES", 3)
    auth.login("admin")
    body = client.get("/offline/round").get_json()
    assert len(body["urls"]) == 3 and body["left_out"] > 0
    assert MAX_PAGES >= 100


def test_the_round_needs_a_sign_in(client, round_assets):
    plain = client.get("/offline/round")
    assert plain.status_code == 302 and plain.headers["Location"].startswith("/login")
    outbox = client.get("/offline/round", headers=OUTBOX)
    assert outbox.status_code == 401 and outbox.get_json()["error"] == "signed_out"


def test_today_offers_to_take_the_round_offline_only_with_javascript(client, auth, round_assets):
    auth.login("inspector")
    page = client.get("/today").get_data(as_text=True)
    offer = re.search(r"<section [^>]*data-take-offline[^>]*>", page).group(0)
    assert " hidden" in offer, "without JavaScript nothing is offered"
    assert 'data-round-url="/offline/round"' in offer


def test_outbox_forms_are_marked_for_the_script(client, auth, round_assets):
    auth.login("inspector")
    report = client.get("/q/SKD234/report").get_data(as_text=True)
    form = re.search(r"<form [^>]*data-outbox [^>]*>", report).group(0)
    assert 'data-outbox-done="/q/SKD234"' in form and "data-fresh" in form
    urls = client.get("/offline/round").get_json()["urls"]
    inspect = next(u for u in urls if u.endswith("/inspect"))
    form = client.get(inspect).get_data(as_text=True)
    assert re.search(r'<form class="inspection" method="post"[^>]*data-outbox', form)
