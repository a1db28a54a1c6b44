"""The three stories of DESIGN.md, walked in Chromium at a phone's size."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Asset, AssetStatus, Fault, FaultStatus, Inspection
from tests.browser.helpers import draw_signature, in_first_school, photo_file, sign_in

SLIDE_2 = "4ZGV4P"
SWING = "5ST6JX"


def _asset(server, code):
    with in_first_school(server.app):
        return db.session.scalar(sa.select(Asset).where(Asset.code == code))


def test_monday_check_from_the_slides_label(live_server, phone):
    page = phone("en")
    slide = _asset(live_server, SLIDE_2)

    page.goto(f"{live_server.url}/q/{SLIDE_2}")
    page.get_by_role("link", name="Staff: sign in").click()
    page.fill("input[name=username]", "inspector")
    page.fill("input[name=password]", "demo")
    page.click("form.stack button.primary")
    # Back on the slide's own page, its one check due is already open, under its state.
    page.wait_for_url(f"{live_server.url}/q/{SLIDE_2}")
    assert page.locator("a.start-check").count() == 0
    assert page.locator(".scan-head .last-check").is_visible()
    assert page.get_by_role("link", name="Report a fault").is_visible()
    assert page.get_by_role("link", name="Full history").is_visible()
    # With JavaScript the pad is the one way to sign, beside the signer's name.
    assert not page.locator("input[name=signer_name]").is_visible()
    assert page.locator("#signature", has_text="Signed by").count() == 1
    page.click("[data-all-ok]")
    draw_signature(page)
    page.click("[data-send]")

    page.wait_for_url(re.compile(r"/today/next"))
    assert page.locator(".signed-mark").is_visible()
    with in_first_school(live_server.app):
        inspections = db.session.scalars(
            sa.select(Inspection).where(Inspection.asset_id == slide.id).order_by(Inspection.id)
        ).all()
        latest = inspections[-1]
        assert latest.passed
        assert latest.signature.image, "the drawn signature is kept as an image"
        signed_today = [i for i in inspections if i.local_date == latest.local_date]
        assert len(signed_today) == 1

    page.goto(f"{live_server.url}/assets/{slide.id}/history")
    assert page.locator(f"a[href='/inspections/{latest.id}']").count() == 1

    page.goto(f"{live_server.url}/today")
    progress = page.locator(".round-progress", has_text="1 of")
    playground = page.locator("section.round-group", has=progress)
    assert playground.count() >= 1


def test_monday_check_without_javascript(live_server, browser):
    """Scan, All OK (the form comes back marked, without errors), the name typed, Send."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    slide = _asset(live_server, SLIDE_2)
    page.goto(f"{live_server.url}/login?next=/q/{SLIDE_2}")
    page.fill("input[name=username]", "inspector")
    page.fill("input[name=password]", "demo")
    page.click("form.stack button.primary")
    page.wait_for_url(f"{live_server.url}/q/{SLIDE_2}")
    assert page.locator("form.inspection").count() == 1
    assert page.locator(".scan-head .last-check").is_visible()

    page.click("[data-all-ok]")
    page.wait_for_load_state()
    assert page.locator(".error").count() == 0
    assert page.locator("input[value=fail]:checked").count() == 0
    assert page.locator("input[value=pass]:checked").count() == page.locator(
        "input[value=pass]"
    ).count()
    page.fill("input[name=signer_name]", "张师傅")
    page.click("[data-send]")
    page.wait_for_url(re.compile(r"/today/next"))
    with in_first_school(live_server.app):
        latest = db.session.scalar(
            sa.select(Inspection)
            .where(Inspection.asset_id == slide.id)
            .order_by(Inspection.id.desc())
            .limit(1)
        )
        assert latest.passed and latest.signature.signer_name == "张师傅"
        assert latest.signature.image is None
    context.close()


def test_fault_reported_repaired_and_accepted(live_server, phone, tmp_path):
    swing = _asset(live_server, SWING)

    visitor = phone("zh")
    visitor.goto(f"{live_server.url}/q/{SWING}")
    visitor.click("a.button.primary")  # 报修 — the public page's only primary action
    visitor.fill("#description", "秋千座板裂了，边缘很锋利。")
    visitor.check("input[name=urgency][value=unsafe]")
    visitor.set_input_files("#photos", str(photo_file(tmp_path)))
    visitor.fill("#public_name", "王老师")
    visitor.click("form.report-form button.primary")
    visitor.wait_for_url(re.compile(r"/faults/reported/"))
    visitor.goto(f"{live_server.url}/q/{SWING}")
    assert visitor.locator(".banner-danger").inner_text().startswith("停止使用")

    with in_first_school(live_server.app):
        fault = db.session.scalar(sa.select(Fault).where(Fault.asset_id == swing.id,
                                                         Fault.reporter_name == "王老师"))
        assert fault is not None and len(fault.photos) == 1
        fault_id = fault.id

    repairer = phone("en")
    sign_in(repairer, live_server, "repairer")
    repairer.goto(f"{live_server.url}/faults/mine")
    repairer.click(f"a[href='/faults/{fault_id}']")
    # One tap takes the job nobody had and starts it; the sign-off form is on the same page.
    repairer.click("text=Start the repair")
    repairer.fill("#complete #note", "Replaced the seat and its bolts.")
    repairer.check("#complete input[name=cause][value=natural_wear]")
    draw_signature(repairer, "#complete canvas")
    repairer.click("#complete button.primary")
    repairer.wait_for_load_state()
    with in_first_school(live_server.app):
        fault = db.session.get(Fault, fault_id)
        assert fault.status == FaultStatus.REPAIRED
        assert [e.action for e in fault.events][-3:] == ["taken", "started", "repaired"]

    admin = phone("en")
    sign_in(admin, live_server, "admin")
    admin.goto(f"{live_server.url}/faults/{fault_id}")
    draw_signature(admin, "#accept canvas")
    admin.click("#accept button.primary")
    admin.wait_for_load_state()

    with in_first_school(live_server.app):
        fault = db.session.get(Fault, fault_id)
        assert fault.status == FaultStatus.ACCEPTED
        assert db.session.get(Asset, swing.id).status == AssetStatus.IN_SERVICE
    visitor.goto(f"{live_server.url}/q/{SWING}")
    assert visitor.locator(".banner-danger").count() == 0
