import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.access import roles_required, staff_required
from app.core import outbox
from app.core.photos import send_photo
from app.core.sent_forms import new_client_id
from app.core.signatures import signature_png
from app.extensions import db
from app.inspections import bp
from app.inspections.form import entered_from, form_context, parse_form
from app.inspections.submit import (
    Entered,
    InspectionRefused,
    allowed_range,
    faults_raised,
    mark_all_ok,
    refusal,
    routine_state,
    submit_inspection,
)
from app.models import (
    Answer,
    Asset,
    Checklist,
    ChecklistVersion,
    Inspection,
    Role,
    Signature,
)
from app.routines import applies_to

inspectors_only = roles_required(Role.ADMIN, Role.INSPECTOR)


@bp.route(
    "/assets/<int:asset_id>/checklists/<int:checklist_id>/inspect", methods=["GET", "POST"]
)
@inspectors_only
def new(asset_id, checklist_id):
    asset = _asset_or_404(asset_id)
    checklist = db.one_or_404(
        sa.select(Checklist)
        .where(Checklist.id == checklist_id)
        .options(so.selectinload(Checklist.versions).selectinload(ChecklistVersion.items))
    )
    if checklist.current_version is None or not applies_to(checklist, asset):
        abort(404)

    if request.method == "GET":
        if not checklist.active:
            abort(404)
        reason = refusal(asset)
        if reason:
            return _render_refused(asset, reason)
        entered = Entered(client_id=new_client_id(), entries={})
        return _render_form(asset, checklist, checklist.current_version, entered, fresh=True)

    version = _version_sent(checklist)
    entered = _parse(version)
    if _all_ok_pressed():
        errors = mark_all_ok(entered, version.items)
        return _render_form(asset, checklist, version, entered, errors, all_ok_marked=True)
    try:
        result = submit_inspection(
            asset=asset, checklist=checklist, version=version, inspector=current_user,
            entered=entered,
        )
    except InspectionRefused as refused:
        return _render_refused(asset, refused.message)
    if result.errors:
        if outbox.is_outbox_request():
            return outbox.field_errors(result.errors)
        return _render_form(asset, checklist, version, entered, result.errors, status=400)
    return _answer(result)


@bp.route("/inspections/<int:inspection_id>/correct", methods=["GET", "POST"])
@inspectors_only
def correct(inspection_id):
    old = db.one_or_404(
        sa.select(Inspection)
        .where(Inspection.id == inspection_id)
        .options(
            so.joinedload(Inspection.asset).joinedload(Asset.place),
            so.joinedload(Inspection.checklist),
            so.joinedload(Inspection.version).selectinload(ChecklistVersion.items),
            so.selectinload(Inspection.answers),
        )
    )
    if not (current_user.is_admin or old.inspector_id == current_user.id):
        abort(403)
    asset, checklist, version = old.asset, old.checklist, old.version

    if request.method == "GET":
        reason = refusal(asset, old)
        if reason:
            return _render_refused(asset, reason, old)
        entered = entered_from(old, new_client_id())
        return _render_form(asset, checklist, version, entered, corrects=old, fresh=True)

    if request.form.get("version_id") != str(version.id):
        abort(400)
    entered = _parse(version)
    if _all_ok_pressed():
        errors = mark_all_ok(entered, version.items)
        return _render_form(
            asset, checklist, version, entered, errors, corrects=old, all_ok_marked=True
        )
    try:
        result = submit_inspection(
            asset=asset, checklist=checklist, version=version, inspector=current_user,
            entered=entered, corrects=old,
        )
    except InspectionRefused as refused:
        return _render_refused(asset, refused.message, old)
    if result.errors:
        if outbox.is_outbox_request():
            return outbox.field_errors(result.errors)
        return _render_form(
            asset, checklist, version, entered, result.errors, corrects=old, status=400
        )
    return _answer(result)


@bp.route("/inspections/<int:inspection_id>")
@staff_required
def show(inspection_id):
    inspection = db.one_or_404(
        sa.select(Inspection)
        .where(Inspection.id == inspection_id)
        .options(
            so.joinedload(Inspection.asset).joinedload(Asset.place),
            so.joinedload(Inspection.checklist),
            so.joinedload(Inspection.version),
            so.joinedload(Inspection.inspector),
            so.joinedload(Inspection.signature),
            so.selectinload(Inspection.answers).joinedload(Answer.item),
        )
    )
    corrected_by = db.session.scalars(
        sa.select(Inspection.id).where(Inspection.corrects_id == inspection.id).order_by(
            Inspection.id
        )
    ).all()
    drawn = db.session.scalar(
        sa.select(Signature.image.is_not(None)).where(Signature.id == inspection.signature_id)
    )
    # Offered only where the correction page would take it: not on a retired asset.
    may_correct = not corrected_by and refusal(inspection.asset) is None and (
        current_user.is_admin
        or (current_user.role == Role.INSPECTOR and inspection.inspector_id == current_user.id)
    )
    return render_template(
        "inspections/show.html",
        inspection=inspection,
        faults=faults_raised(inspection),
        corrected_by=corrected_by,
        drawn_signature=drawn,
        may_correct=may_correct,
        allowed_range=allowed_range,
    )


@bp.route("/inspections/<int:inspection_id>/signature.png")
@staff_required
def signature(inspection_id):
    return signature_png(Inspection, Inspection.id == inspection_id)


@bp.route("/inspections/answers/<int:answer_id>/photo")
@staff_required
def answer_photo(answer_id):
    filename = db.session.scalar(sa.select(Answer.photo).where(Answer.id == answer_id))
    if not filename:
        abort(404)
    return send_photo(filename, thumbnail=request.args.get("size") == "thumb")


def _asset_or_404(asset_id) -> Asset:
    return db.one_or_404(
        sa.select(Asset).where(Asset.id == asset_id).options(so.joinedload(Asset.place))
    )


def _version_sent(checklist) -> ChecklistVersion:
    """The version the form showed: answers are read against the wording the inspector saw."""
    sent = request.form.get("version_id", "")
    for version in checklist.versions:
        if str(version.id) == sent:
            return version
    abort(400)


def _parse(version) -> Entered:
    return parse_form(request.form, request.files, version.items, current_user.id)


def _all_ok_pressed() -> bool:
    """"All OK" tapped without JavaScript (with it, the page marks the answers itself). The
    outbox sends only what Send sends, so its sends are never taken for it."""
    return bool(request.form.get("all_ok")) and not outbox.is_outbox_request()


def _answer(result):
    """The same answer for the first send and any repeat of it: all of it read from the record."""
    inspection = result.inspection
    if outbox.is_outbox_request():
        return outbox.recorded(
            url_for("inspections.show", inspection_id=inspection.id),
            result.created,
            faults=len(faults_raised(inspection)),
        )
    faults = faults_raised(inspection)
    if inspection.corrects_id is not None:
        flash(_("Correction signed and saved"), "success")
        target = url_for("inspections.show", inspection_id=inspection.id)
    else:
        flash(_("Inspection signed and sent"), "success")
        target = url_for("rounds.next_after", after=inspection.id)
    if faults:
        flash(ngettext("%(num)d fault raised", "%(num)d faults raised", len(faults)), "info")
    if any(fault.took_out_of_service for fault in faults):
        flash(
            _("%(asset)s is now out of service: Do not use", asset=inspection.asset.title),
            "error",
        )
    return redirect(target, 303)


def _render_form(
    asset, checklist, version, entered, errors=None, corrects=None, status=200, fresh=False,
    all_ok_marked=False,
):
    state = None if corrects is not None else routine_state(asset, checklist)
    page = render_template(
        "inspections/form.html",
        **form_context(
            asset, checklist, version, entered, state, errors, corrects, fresh, all_ok_marked
        ),
    )
    return page, status


def _render_refused(asset, message, corrects=None):
    if outbox.is_outbox_request():
        return outbox.refused(message)
    page = render_template(
        "inspections/refused.html", asset=asset, message=message, corrects=corrects
    )
    return page, 409
