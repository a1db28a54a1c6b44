"""axe-core over every page, in Chinese and in English, on a 360 px phone: nothing serious.

axe-core is vendored under tests/browser/vendor (the tests only; Patrol never serves it) and
injected into each page after it loads. Every route that answers GET with a page must be in the
walk: a page added later is walked too, or this test says which one is missing.
"""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import routines
from app.demo.district import DISTRICT_CODE
from app.extensions import db
from app.models import (
    Asset,
    Checklist,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    District,
    Fault,
    Inspection,
    Membership,
    Place,
    PreparedReport,
    PreparedStatus,
    Reason,
    Role,
    User,
)
from app.models.common import utcnow
from app.stocktakes.counting import start_stocktake
from app.terms import term_containing
from tests.browser.helpers import in_first_school, sign_in
from tests.factories import make_channel, make_delivery, make_notice

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# The impacts that fail the walk; "moderate" and "minor" are advice, except these: every page
# has one main landmark and a heading to start reading from.
FAILING_IMPACTS = {"serious", "critical"}
FAILING_RULES = {"landmark-one-main", "page-has-heading-one"}
# Off by default in axe as "experimental", but a voice-control user says what a button shows:
# its accessible name must contain its visible text ("EN", not only "Switch to English").
EXTRA_RULES = {"label-content-name-mismatch": {"enabled": True}}
SLIDE_2 = "4ZGV4P"
# 星星幼儿园's slide and its playground, and the school's code.
STAR_SLIDE, STAR_PLAYGROUND, STAR_CODE = "7Y923X", "6XW5X5", "xingxing"

# GET routes that answer with something other than a page to look at: images, files, data for
# the scripts, and steps that only redirect.
NOT_PAGES = {
    "static",
    "offline.manifest",
    "offline.service_worker",
    "offline.csrf_token",
    "offline.round_pages",
    "labels.qr_image",
    "register.export_assets",
    "register.asset_photo",
    "reports.faults_csv",
    "reports.inspections_csv",
    "reports.register_csv",
    "reports.prepared_download",
    "faults.photo",
    "faults.report_photo",
    "faults.public_photo",
    "faults.signature",
    "inspections.signature",
    "inspections.answer_photo",
    "stocktakes.signature",
    "scan.lookup",
    "district.report_csv",
    "district.report_pdf",
    "rounds.next_after",
    # For load balancers and Prometheus, in plain text.
    "health.healthz",
    "health.readyz",
    "metrics.metrics",
}


def _first(query):
    return db.session.scalars(query.limit(1)).one()


def demo_pages(app):
    """(who is signed in, path) for every page, on the demo district: its first school's
    people, the contractor of the other two, the district's office and its admin.

    The demo has no stocktake: one is started, so its page is walked too. The page a visitor
    sees after reporting a fault is only theirs, so the walk reaches it by reporting one
    (`_report_a_fault`); a school's list read by the district is opened from its dashboard
    (`_open_a_school`).
    """
    with in_first_school(app):
        slide = db.session.scalar(sa.select(Asset).where(Asset.code == SLIDE_2))
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        stocktake = start_stocktake(None, admin, uuid.uuid4().hex)
        checklist = _first(sa.select(Checklist).where(Checklist.kind_id == slide.kind_id))
        version = _first(
            sa.select(ChecklistVersion).where(ChecklistVersion.checklist_id == checklist.id)
        )
        item = _first(sa.select(ChecklistItem).where(ChecklistItem.version_id == version.id))
        inspection = _first(sa.select(Inspection).order_by(Inspection.id.desc()))
        place = _first(sa.select(Place).order_by(Place.id))
        fault = _first(sa.select(Fault).where(Fault.public_token.is_(None)))
        term = term_containing(routines.today())
        other_user = _first(
            sa.select(User).join(User.membership).where(Membership.role != Role.ADMIN)
        )
        district = db.session.scalar(sa.select(District).where(District.code == DISTRICT_CODE))
        template = _first(
            sa.select(ChecklistTemplate)
            .where(ChecklistTemplate.district_id == district.id)
            .order_by(ChecklistTemplate.id)
        )
        prepared = _ready_pdf(term)
        chat = make_channel(name="后勤群", reasons={Reason.UNSAFE})
        delivery = make_delivery(make_notice(), chat)
        db.session.commit()
        pages = [
            (None, "/login"),
            (None, f"/q/{SLIDE_2}"),
            (None, f"/q/{SLIDE_2}/report"),
            (None, "/offline"),
            # A plate of 星星幼儿园's: its public page, with a banner, then a place of it.
            ("inspector", f"/q/{STAR_SLIDE}"),
            ("inspector", f"/q/{STAR_PLAYGROUND}"),
            ("inspector", "/"),
            ("inspector", "/today"),
            ("inspector", f"/q/{SLIDE_2}"),
            ("inspector", f"/assets/{slide.id}/checklists/{checklist.id}/inspect"),
            ("inspector", f"/assets/{slide.id}/history"),
            ("inspector", f"/inspections/{inspection.id}"),
            ("inspector", f"/inspections/{inspection.id}/correct"),
            ("inspector", "/scan"),
            ("inspector", "/phones"),
            ("repairer", "/faults/mine"),
            ("contractor", "/faults/mine"),
            ("contractor", "/faults/mine/all"),
            ("admin", "/"),
            ("admin", "/dashboard/checks"),
            ("admin", "/dashboard/readings"),
            ("admin", "/dashboard/settings"),
            ("admin", f"/dashboard/term?routine={checklist.id}"),
            ("admin", "/faults/"),
            ("admin", f"/faults/{fault.id}"),
            ("admin", "/faults/settings"),
            ("admin", "/checklists/"),
            ("admin", "/checklists/new"),
            ("admin", "/checklists/closed-periods"),
            ("admin", f"/checklists/{checklist.id}/edit"),
            ("admin", f"/checklists/{checklist.id}/items"),
            ("admin", f"/checklists/{checklist.id}/items/new"),
            ("admin", f"/checklists/{checklist.id}/items/{item.id}/edit"),
            ("admin", f"/checklists/{checklist.id}/versions/{version.number}"),
            ("admin", "/register/assets"),
            ("admin", "/register/assets/new"),
            ("admin", f"/register/assets/{slide.id}/edit"),
            ("admin", "/register/import"),
            ("admin", "/register/kinds"),
            ("admin", f"/register/kinds/{slide.kind_id}/edit"),
            ("admin", "/register/places"),
            ("admin", "/register/places/new"),
            ("admin", f"/register/places/{place.id}/edit"),
            ("admin", "/labels/"),
            ("admin", "/labels/blank"),
            ("admin", f"/labels/sheet?place={slide.place_id}"),
            ("admin", "/reports/"),
            ("admin", f"/reports/report?period=term&term={term.start.isoformat()}"),
            ("admin", f"/reports/report.pdf?period=term&term={term.start.isoformat()}"),
            ("admin", f"/reports/pdf/{prepared.id}"),
            ("admin", "/stocktakes/"),
            ("admin", "/stocktakes/new"),
            ("admin", f"/stocktakes/{stocktake.id}"),
            ("admin", "/users/"),
            ("admin", "/users/new"),
            ("admin", "/users/add"),
            ("admin", f"/users/{other_user.id}/edit"),
            ("admin", "/notices/"),
            ("admin", "/notices/channels/new"),
            ("admin", f"/notices/channels/{chat.id}"),
            ("admin", "/notices/times"),
            ("admin", "/notices/deliveries"),
            ("admin", f"/notices/deliveries/{delivery.id}"),
            ("admin", "/templates/"),
            ("district", "/district/"),
            ("district", f"/district/report?period=term&term={term.start.isoformat()}"),
            ("district", "/templates/district"),
            ("district", f"/templates/district/templates/{template.id}"),
            ("district-admin", "/district/"),
            ("district-admin", "/district/report"),
            ("district-admin", "/district/schools"),
            ("district-admin", "/district/schools/new"),
            ("district-admin", f"/district/schools/{STAR_CODE}/edit"),
            ("district-admin", "/templates/district"),
            ("district-admin", f"/templates/district/{district.id}/new"),
            ("district-admin", f"/templates/district/templates/{template.id}"),
            ("district-admin", f"/templates/district/templates/{template.id}/publish"),
        ]
        db.session.remove()
    return pages


def _ready_pdf(term):
    """A term's PDF the worker has laid out for the admin, so its page offers the download."""
    now = utcnow()
    prepared = PreparedReport(
        user=db.session.scalar(sa.select(User).where(User.username == "admin")),
        choice=f"period=term&term={term.start.isoformat()}",
        language="zh",
        status=PreparedStatus.READY,
        filename="patrol-report.pdf",
        content=b"%PDF-1.7",
        ready_at=now,
        expires_at=now + timedelta(days=1),
    )
    db.session.add(prepared)
    db.session.commit()
    return prepared


def _endpoint(app, path):
    adapter = app.url_map.bind("patrol.test")
    return adapter.match(path.split("?")[0], method="GET")[0]


def _serious_findings(page):
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("(rules) => axe.run(document, {rules})", EXTRA_RULES)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["html"][:100] for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS or violation["id"] in FAILING_RULES
    ]


def _look(page, name, findings):
    found = _serious_findings(page)
    if found:
        findings[name] = found


def _report_a_fault(page, server):
    """A visitor reports the slide; the page they land on is theirs alone."""
    page.goto(f"{server.url}/q/{SLIDE_2}/report")
    page.fill("#description", "The ladder's second step is loose.")
    page.check("input[name=urgency][value=needs_repair]")
    page.fill("#public_name", "王老师")
    page.click("form.report-form button.primary")
    page.wait_for_url(re.compile(r"/faults/reported/"))
    assert "王老师" in page.locator("h1").inner_text(), "the reporter's own page answers"


def _open_a_school(page, server):
    """The district's office taps 彩虹幼儿园's unsafe faults: the school's own list, read-only."""
    page.goto(f"{server.url}/district/")
    row = page.locator("tr", has=page.locator("small.code", has_text="caihong"))
    row.locator("button[value=unsafe]").first.click()
    page.wait_for_url(re.compile(r"/faults/\?"))


def test_the_walk_has_every_page(live_server):
    app = live_server.app
    walked = {_endpoint(app, path) for _who, path in demo_pages(app)} | {"faults.reported"}
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert pages - NOT_PAGES - walked == set(), "add these pages to demo_pages()"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_axe_finds_nothing_serious_on_any_page(live_server, phone, language):
    phones = {}
    findings = {}
    for who, path in demo_pages(live_server.app):
        if who not in phones:
            phones[who] = phone(language)
            if who is not None:
                sign_in(phones[who], live_server, who)
        page = phones[who]
        name = f"{path} as {who or 'visitor'}"
        response = page.goto(live_server.url + path)
        if not response.ok:
            findings[name] = [f"answered {response.status}"]
            continue
        _look(page, name, findings)
    _report_a_fault(phones[None], live_server)
    _look(phones[None], "the visitor's reported fault", findings)
    _open_a_school(phones["district"], live_server)
    _look(phones["district"], "a school's list the district opened", findings)
    assert not findings, "\n".join(
        f"{name}:\n  " + "\n  ".join(found) for name, found in findings.items()
    )

