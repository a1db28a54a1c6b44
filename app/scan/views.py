import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import routines, settings, tenancy
from app.auth.access import admin_required, staff_required
from app.core.place_tree import asset_key, load_ancestors, sibling_key
from app.duties import duties_by_checklist
from app.extensions import db, login_manager
from app.inspections import form as inspection_form  # a module: it imports this one, via faults
from app.models import FaultStatus, Role, ScanCode
from app.models.code import CODE_LENGTH, is_well_formed, normalize_code
from app.models.code import replace_code as give_new_code
from app.models.common import utcnow
from app.routines import RoutineState
from app.scan import bp
from app.scan.forms import CodeForm
from app.scan.lookup import find_scan_code
from app.scan.pages import (
    asset_page,
    assigned_job,
    check_status,
    due_marks,
    kept_out_by,
    last_check,
)
from app.stocktakes.counting import stocktakes_covering

INSPECTING_ROLES = (Role.ADMIN, Role.INSPECTOR)


@bp.route("/scan")
@staff_required
def scanner():
    """The in-app scanner: the camera where the browser allows it, the code field always."""
    return render_template("scan/scanner.html")


@bp.route("/q")
@staff_required
def lookup():
    """The type-a-code field: sends what was typed to the code's own address."""
    typed = CodeForm(formdata=request.args).code.data
    code = normalize_code(typed)
    if not code:
        flash(_("Type the code printed under the QR label."), "error")
        return render_template("scan/code_entry.html", title=_("Open a code"), typed=typed), 400
    if not is_well_formed(code):
        # Answered here: a slash or other punctuation cannot travel in the /q/<code> path.
        return render_unknown(typed)
    return redirect(url_for("scan.door", code=code))


@bp.route("/q/<code>")
def door(code):
    """What a label leads to: an asset, a place, a replaced label, a blank label or nothing.

    Deliberately open to signed-out visitors when the school allows public reports: anyone
    who scans a plate sees what it is, whether it may be used, and how to report a fault.
    Staff of another school see the plate's school's public page, and that it is not theirs.
    """
    canonical = normalize_code(code)
    if canonical and canonical != code:
        # A code typed by hand in lower case or with dashes still finds its page.
        return redirect(url_for("scan.door", code=canonical), 301)
    scan_code = find_scan_code(canonical) if is_well_formed(canonical) else None
    signed_in = current_user.is_authenticated
    elsewhere = signed_in and scan_code is not None and not tenancy.is_current(scan_code.school_id)
    if not signed_in or elsewhere:
        if scan_code is not None:
            tenancy.visit(scan_code.school)
        elif not tenancy.current_school_ids():
            # No school's code, in a deployment of several: no school's settings to ask.
            return render_unknown(code)
        if not settings.public_reports_allowed():
            if elsewhere:
                return render_elsewhere(scan_code)
            return login_manager.unauthorized()
    if scan_code is None:
        return render_unknown(code)
    if not signed_in or elsewhere:
        return render_public(scan_code, elsewhere)
    if scan_code.asset is not None and current_user.role == Role.REPAIRER:
        job = assigned_job(scan_code.asset.id, current_user.id)
        if job is not None:
            # A repair in progress opens at its sign-off form, the next thing to do.
            at_sign_off = "complete" if job.status == FaultStatus.IN_PROGRESS else None
            return redirect(url_for("faults.show", fault_id=job.id, _anchor=at_sign_off))
    return render_scan_code(scan_code)


@bp.route("/q/<code>/replace", methods=["POST"], endpoint="replace_code")
@admin_required
def replace(code):
    """The label was damaged or copied: the owner gets a new code, the old one leads nowhere."""
    # Locked, so two admins replacing the same label at once cannot both succeed.
    scan_code = db.one_or_404(
        sa.select(ScanCode).where(ScanCode.value == normalize_code(code)).with_for_update()
    )
    if scan_code.is_replaced:
        flash(_("This label was already replaced. Nothing was changed."), "error")
        return render_scan_code(scan_code, status=400)
    if scan_code.is_blank:
        flash(_("A blank label has nothing to replace. Nothing was changed."), "error")
        return render_scan_code(scan_code, status=400)

    owner = scan_code.asset or scan_code.place
    new_code = give_new_code(owner)
    db.session.commit()
    flash(
        _(
            "The new code is %(code)s. Print its label and stick it over the old one: "
            "the old label no longer leads anywhere.",
            code=new_code.value,
        ),
        "success",
    )
    return redirect(url_for("scan.door", code=new_code.value), 303)


def render_scan_code(scan_code: ScanCode, status: int | None = None):
    if scan_code.is_replaced:
        # Deliberately no link onwards: a copied label must lead nowhere.
        return render_template("scan/replaced.html", code=scan_code.value), status or 410
    if scan_code.asset is not None:
        asset = scan_code.asset
        load_ancestors(asset.place)
        page = asset_page(asset, routines.today())
        can_inspect = current_user.role in INSPECTING_ROLES
        opened = page.only_due if can_inspect else None
        context = dict(
            asset=asset,
            page=page,
            # Who does each routine covering it: one query, the routines being few.
            duties=duties_by_checklist() if page.checks else {},
            check_status=check_status,
            kept_out_by=kept_out_by(asset),
            can_inspect=can_inspect,
            # Counting is for the same people who inspect: one tap counts the plate just scanned,
            # offered only by a stocktake whose place holds the asset.
            stocktakes=stocktakes_covering(asset.place) if can_inspect else [],
            now=utcnow(),
            opened=opened,
        )
        if opened:
            context.update(_opened_form(asset, opened))
        return render_template("scan/asset.html", **context), status or 200
    if scan_code.place is not None:
        place = scan_code.place
        load_ancestors(place)
        page = render_template(
            "scan/place.html",
            place=place,
            children=sorted(place.children, key=sibling_key),
            assets=sorted(place.assets, key=asset_key),
            due_marks=due_marks(place.assets, routines.today()),
        )
        return page, status or 200
    return render_template("scan/blank.html", code=scan_code.value), status or 200


def _opened_form(asset, due: RoutineState) -> dict:
    """The one check due, opened on the scan page itself: scan, All OK, sign, Send. Its own
    address still serves it; this page is the one the phone keeps for the plate, offline too.
    """
    return {
        **inspection_form.new_form_context(asset, due.checklist, due),
        "last_check": last_check(asset),
    }


def render_public(scan_code: ScanCode, elsewhere: bool = False):
    """A signed-out visitor's page: the asset and whether to use it, never its faults."""
    if elsewhere and (scan_code.asset is None or scan_code.is_replaced or scan_code.is_blank):
        return render_elsewhere(scan_code)
    if scan_code.is_replaced or scan_code.is_blank:
        return render_scan_code(scan_code)
    if scan_code.asset is None:
        # Reports are made per asset; a room's page is for staff.
        return login_manager.unauthorized()
    asset = scan_code.asset
    load_ancestors(asset.place)
    return render_template(
        "scan/public.html",
        asset=asset,
        kept_out_by=kept_out_by(asset),
        last_check=last_check(asset),
        elsewhere=tenancy.current_school() if elsewhere else None,
    )


def render_elsewhere(scan_code: ScanCode):
    """Staff of another school: only whose the plate is."""
    return render_template("scan/elsewhere.html", school=tenancy.current_school())


def render_unknown(typed: str):
    message = _(
        "No label has this code. Check it and type it again: a code has %(length)s letters "
        "and digits, and never uses 0, O, 1, I or L.",
        length=CODE_LENGTH,
    )
    return render_template(
        "scan/code_entry.html", title=_("Code not found"), message=message, typed=typed
    ), 404
