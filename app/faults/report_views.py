"""Reporting a fault from a plate, and the public reporter's confirmation page.

The report form lives at the plate's own address (/q/<code>/report) while its endpoint
belongs to the faults area, so the route is added to the app when the blueprint is
registered rather than under the blueprint's /faults prefix.

Deliberately public when the school allows reports without an account: the report form,
and the confirmation page with its photos, which opens only with the report's secret token
and in the browser that sent it (app.faults.reporter_browser).
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings, tenancy
from app.auth.access import readers_required
from app.core import outbox
from app.core.photos import PhotoError, save_photo, send_photo
from app.core.place_tree import load_ancestors
from app.core.sent_forms import new_client_id, photo_from_token, photo_token, sent_client_id
from app.extensions import db, login_manager
from app.faults import bp, report_limits
from app.faults.forms import PHOTOS_MAX, PublicReportForm, ReportForm
from app.faults.reporter_browser import is_the_reporters, this_browser
from app.faults.reporting import (
    report_fault,
    reportable,
    sent_report,
    takes_out_of_service,
)
from app.models import Asset, AssetStatus, Fault, FaultPhoto, Role, Urgency
from app.models.code import normalize_code, school_of_code
from app.models.common import EVERYWHERE_OPTION


def report(code):
    if current_user.is_authenticated and current_user.role == Role.VIEWER:
        # The district reads a school's records and adds none.
        abort(403)
    # The plate says whose it is (codes are unique across the deployment): a visitor, or staff
    # of another school, reports into the plate's school, as a member of the public.
    plate_school = school_of_code(normalize_code(code))
    outside = not current_user.is_authenticated or (
        plate_school is not None and not tenancy.is_current(plate_school)
    )
    if outside and plate_school is not None:
        tenancy.visit(plate_school)
    elif outside and not tenancy.current_school_ids():
        # No school's code, in a deployment of several: no school's settings to ask.
        abort(404)
    public = outside or outbox.sent_as_public()
    if public and not settings.public_reports_allowed():
        if current_user.is_authenticated:
            # A report kept on the phone from before someone signed in on it.
            return outbox.refused(
                _("Reports without an account are turned off: sign in and report it again.")
            )
        return login_manager.unauthorized()
    # Asset.code is the current code only: a replaced label cannot be used to report.
    asset = db.one_or_404(
        sa.select(Asset)
        .where(Asset.code == normalize_code(code))
        .options(so.joinedload(Asset.place))
    )
    if not reportable(asset):
        message = _(
            "%(asset)s is retired: it is no longer in use, so there is nothing to report.",
            asset=asset.title,
        )
        if outbox.is_outbox_request():
            return outbox.refused(message)
        return render_template("error.html", title=_("Retired"), message=message), 409

    load_ancestors(asset.place)
    browser = this_browser() if public else None
    form = PublicReportForm() if public else ReportForm()
    if request.method == "GET":
        form.client_id.data = new_client_id()
        return render_form(asset, form, kept=[], fresh=True)

    client_id = form.client_id.data = sent_client_id(form.client_id.data)
    reporter = None if public else current_user._get_current_object()
    earlier = sent_report(client_id, asset, reporter, browser).earlier()
    if earlier is not None:
        # A repeat is answered as the first, whatever it carries now: a copy kept on the phone
        # from before its corrected form was sent must not be refused, nor record again.
        return _answered(asset, earlier, created=False)
    signer = None if public else current_user.id
    kept = [
        name
        for name in (photo_from_token(t, signer, client_id) for t in form.photo_token.data)
        if name
    ]
    limited = outside
    if limited and (too_many := report_limits.count_address()):
        return _too_many(asset, form, kept, too_many)
    photo_errors = []
    for upload in form.new_uploads():
        if len(kept) >= PHOTOS_MAX:
            photo_errors.append(
                _(
                    "%(file)s: at most %(max)s photos per report.",
                    file=upload.filename,
                    max=PHOTOS_MAX,
                )
            )
            continue
        try:
            kept.append(save_photo(upload))
        except PhotoError as error:
            photo_errors.append(f"{upload.filename}: {error.message}")

    valid = form.validate()
    form.photos.errors = photo_errors
    if not valid or photo_errors:
        if outbox.is_outbox_request():
            return outbox.field_errors(form.errors)
        return render_form(asset, form, kept), 400
    phone = form.public_phone.data if public else ""
    if limited and (too_many := report_limits.count_phone(phone)):
        return _too_many(asset, form, kept, too_many)

    urgency = Urgency(form.urgency.data)
    fault, created = report_fault(
        asset,
        form.description.data,
        urgency,
        takes_out_of_service(urgency, asked_on_an_old_form=form.take_out_of_service.data),
        kept,
        reporter=reporter,
        public_name=form.public_name.data if public else None,
        public_phone=phone if public else None,
        client_id=client_id,
        browser=browser,
    )
    return _answered(asset, fault, created)


def _answered(asset: Asset, fault: Fault, created: bool):
    """The same answer for the first send and any repeat of it."""
    if outbox.is_outbox_request():
        if fault.is_public:
            return outbox.recorded(url_for("faults.reported", token=fault.public_token), created)
        return outbox.recorded(url_for("faults.show", fault_id=fault.id), created)
    if fault.is_public:
        return redirect(url_for("faults.reported", token=fault.public_token), 303)
    if fault.took_out_of_service:
        flash(_("Fault reported. %(asset)s is now out of service.", asset=asset.title), "success")
    else:
        flash(_("Fault reported."), "success")
    return redirect(url_for("scan.door", code=asset.code), 303)


def _too_many(asset, form: ReportForm, kept: list[str], too_many):
    """429: nothing recorded; the form again with what was entered, or the outbox told when."""
    if outbox.is_outbox_request():
        return outbox.too_many(too_many.message, too_many.retry_after)
    page = render_form(asset, form, kept, refused=too_many.message)
    return page, 429, {"Retry-After": str(too_many.retry_after)}


def render_form(asset, form: ReportForm, kept: list[str], fresh=False, refused=None):
    signer = current_user.id if current_user.is_authenticated else None
    return render_template(
        "faults/report.html",
        fresh=fresh,
        asset=asset,
        form=form,
        kept_tokens=[photo_token(name, signer, form.client_id.data) for name in kept],
        refused=refused,
        photos_max=PHOTOS_MAX,
        out_of_service=asset.status == AssetStatus.OUT_OF_SERVICE,
    )


@bp.record_once
def _add_report_route(state):
    state.app.add_url_rule("/q/<code>/report", "faults.report", report, methods=["GET", "POST"])


def _public_fault(token: str) -> Fault:
    # A visitor signed out (or staff of another school) is in no school, or not in the
    # fault's: the token, secret and unique across the deployment, says which school to show.
    school_id = db.session.scalar(
        sa.select(Fault.school_id)
        .where(Fault.public_token == token)
        .execution_options(**{EVERYWHERE_OPTION: True})
    )
    if school_id is None:
        abort(404)
    if not tenancy.is_current(school_id):
        tenancy.visit(school_id)
    fault = db.one_or_404(
        sa.select(Fault)
        .where(Fault.public_token == token, Fault.is_public.is_(True))
        .options(so.joinedload(Fault.asset), so.selectinload(Fault.photos))
    )
    if not is_the_reporters(fault):
        abort(404)
    return fault


@bp.route("/reported/<token>")
def reported(token):
    """The public reporter's own page: what they sent, where it stands, their photos."""
    fault = _public_fault(token)
    response = render_template("faults/reported.html", fault=fault, asset=fault.asset)
    return response, 200, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/reported/<token>/photos/<int:photo_id>")
def public_photo(token, photo_id):
    fault = _public_fault(token)
    photo = next((p for p in fault.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return send_photo(photo.filename, thumbnail=request.args.get("size") == "thumb")


@bp.route("/<int:fault_id>/photos/<int:photo_id>")
@readers_required
def report_photo(fault_id, photo_id):
    filename = db.one_or_404(
        sa.select(FaultPhoto.filename).where(
            FaultPhoto.id == photo_id, FaultPhoto.fault_id == fault_id
        )
    )
    return send_photo(filename, thumbnail=request.args.get("size") == "thumb")
