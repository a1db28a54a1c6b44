import re
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app import memberships, tenancy
from app import settings as school_settings
from app.auth.access import admin_required, readers_required, roles_required, staff_required
from app.core.months import month_period
from app.core.photos import send_photo
from app.core.place_tree import PlaceTree
from app.core.signatures import signature_png
from app.extensions import db
from app.faults import bp, lifecycle, taken_out_by_visitor
from app.faults.forms import STEP_FORMS, FaultFilterForm, FaultSettingsForm
from app.faults.lifecycle import action_label
from app.models import (
    OPEN_STATUSES,
    Asset,
    AssetStatus,
    Cause,
    Fault,
    FaultEvent,
    FaultStatus,
    Membership,
    Role,
    School,
    Signature,
    Urgency,
    User,
)
from app.models.common import utcnow
from app.request_values import in_years, page_number
from app.schedule import utc_bounds

PER_PAGE = 50
MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


def _most_pressing_first():
    """An asset a visitor took out of service, then an unsafe fault nobody has taken, go to
    the top of any list."""
    return sa.case(
        (taken_out_by_visitor.condition(), 0),
        (
            sa.and_(
                Fault.urgency == Urgency.UNSAFE,
                Fault.assigned_to_id.is_(None),
                Fault.status.in_(OPEN_STATUSES),
            ),
            1,
        ),
        else_=2,
    )


def _month(value: str) -> tuple[date, date] | None:
    """The first and last day of a month written "YYYY-MM", or None."""
    written = MONTH.fullmatch(value)
    if written is None or not in_years(int(written[1])) or not 1 <= int(written[2]) <= 12:
        return None
    year, month = int(written[1]), int(written[2])
    return month_period(year, month)


@bp.route("/")
@readers_required
def index():
    """Faults by status, place, urgency and age, or only those keeping an asset out of service
    that a visitor took out; those come first, then an unsafe one nobody has taken."""
    tree = PlaceTree.load()
    form = FaultFilterForm(formdata=request.args)
    form.place.choices = [SelectChoice("", _("Everywhere"))] + [
        SelectChoice(place.id, place.title) for place, _depth in tree.walk()
    ]
    form.drop_what_cannot_be_used()
    status, urgency, place_id = form.status.data, form.urgency.data, form.place.data
    age, newer, by_visitor = form.age.data, form.newer.data, form.visitor.data
    accepted = form.accepted.data
    accepted_month = _month(accepted)
    if accepted_month is None:
        form.accepted.data = ""

    query = sa.select(Fault).join(Fault.asset).join(Asset.place)
    if status == "open":
        query = query.where(Fault.status.in_(OPEN_STATUSES))
    elif status != "all":
        query = query.where(Fault.status == FaultStatus(status))
    if urgency:
        query = query.where(Fault.urgency == Urgency(urgency))
    if place_id:
        query = query.where(Asset.place_id.in_(tree.subtree_ids(tree.by_id[place_id])))
    if age:
        query = query.where(Fault.reported_at < utcnow() - timedelta(days=age))
    if newer:
        query = query.where(Fault.reported_at >= utcnow() - timedelta(days=newer))
    if by_visitor:
        query = query.where(taken_out_by_visitor.condition())
    if form.out.data:
        query = query.where(Asset.status == AssetStatus.OUT_OF_SERVICE)
    if accepted_month is not None:
        start, end = utc_bounds(*accepted_month, tenancy.school_timezone())
        query = query.where(Fault.accepted_at >= start, Fault.accepted_at < end)
    query = query.options(
        so.contains_eager(Fault.asset).contains_eager(Asset.place),
        so.joinedload(Fault.reported_by),
        so.joinedload(Fault.assigned_to),
        so.selectinload(Fault.photos),
    ).order_by(_most_pressing_first(), Fault.reported_at.desc(), Fault.id.desc())
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "faults/index.html",
        faults=page.items,
        page=page,
        form=form,
        filters=form.as_link(),
        taken_out_by_visitor=taken_out_by_visitor.applies,
        now=utcnow(),
    )


@bp.route("/mine")
@roles_required(Role.REPAIRER, Role.ADMIN)
def my_jobs():
    """The jobs in my hands, unsafe first then oldest first; and those nobody has taken."""
    mine, untaken = _jobs_of(current_user, untaken=current_user.role == Role.REPAIRER)
    return render_template(
        "faults/mine.html",
        mine=mine,
        untaken=untaken,
        now=utcnow(),
        everywhere=len(_repairing_schools()) > 1,
    )


class JobElsewhere(NamedTuple):
    """A job in the list of all my schools, with what is shown of it read in its school."""

    fault: Fault
    school: School
    asset: str
    place: str
    here: bool


@bp.route("/mine/all")
@staff_required
def my_jobs_everywhere():
    """My jobs and the untaken ones in every school where I am a repairer, each with its
    school: a contractor's whole day on one page. A job of another school opens after the
    phone switches to that school."""
    schools = _repairing_schools()
    if len(schools) < 2:
        return redirect(url_for("faults.my_jobs"))
    with tenancy.in_schools(schools):
        mine, untaken = _jobs_of(current_user, untaken=True)
        # Read while those schools are current: the page is drawn in the phone's own school.
        mine, untaken = _as_jobs_elsewhere(mine, schools), _as_jobs_elsewhere(untaken, schools)
    return render_template("faults/mine_everywhere.html", mine=mine, untaken=untaken, now=utcnow())


def _as_jobs_elsewhere(faults, schools) -> list[JobElsewhere]:
    here = current_user.sign_in.school_id
    return [
        JobElsewhere(
            fault,
            schools[fault.school_id],
            fault.asset.title,
            fault.asset.place.path,
            fault.school_id == here,
        )
        for fault in faults
    ]


def _repairing_schools() -> dict[int, School]:
    """The schools where the user is a repairer, by id; none looked up for someone in one
    school (the list of all schools is offered only past one)."""
    if current_user.school_count < 2:
        return {}
    return {
        membership.school_id: membership.school
        for membership in memberships.schools_of(current_user)
        if membership.role == Role.REPAIRER
    }


def _jobs_of(user, untaken: bool) -> tuple[list[Fault], list[Fault]]:
    """The user's open jobs, and (if asked) those nobody has taken, in the current schools."""
    in_order = (sa.case((Fault.urgency == Urgency.UNSAFE, 0), else_=1), Fault.reported_at, Fault.id)
    options = (so.joinedload(Fault.asset).joinedload(Asset.place), so.selectinload(Fault.photos))
    mine = db.session.scalars(
        sa.select(Fault)
        .where(
            Fault.assigned_to_id == user.id,
            Fault.status.in_((FaultStatus.ASSIGNED, FaultStatus.IN_PROGRESS)),
        )
        .options(*options)
        .order_by(*in_order)
    ).all()
    nobodys = []
    if untaken:
        nobodys = db.session.scalars(
            sa.select(Fault)
            .where(Fault.status == FaultStatus.REPORTED, Fault.assigned_to_id.is_(None))
            .options(*options)
            .order_by(*in_order)
        ).all()
    return mine, nobodys


def _load(fault_id, for_update=False) -> Fault:
    query = (
        sa.select(Fault)
        .where(Fault.id == fault_id)
        .options(
            so.joinedload(Fault.asset).joinedload(Asset.place),
            so.joinedload(Fault.reported_by),
            so.joinedload(Fault.assigned_to),
            so.joinedload(Fault.repaired_by),
            so.joinedload(Fault.accepted_by),
            so.joinedload(Fault.item),
            so.selectinload(Fault.photos),
            so.selectinload(Fault.events).joinedload(FaultEvent.actor),
        )
    )
    if for_update:
        # Two phones sending the same step: the second waits and then sees it done.
        query = query.with_for_update(of=Fault)
    return db.one_or_404(query)


def _render_show(fault, refused_form=None, refused_step=None, status=200):
    """The fault page with the steps offered to this person; after a refused step, its form
    again with what was typed and what is wrong."""
    steps = lifecycle.allowed_steps(fault, current_user)
    forms = {
        step: refused_form if step == refused_step else STEP_FORMS[step](formdata=None)
        for step in steps
    }
    if "assign" in forms:
        repairers = db.session.scalars(
            sa.select(User)
            .join(User.membership)
            .where(Membership.role == Role.REPAIRER, User.active.is_(True))
            .order_by(User.display_name)
        ).all()
        forms["assign"].repairer.choices = [SelectChoice("", _("Choose a repairer"))] + [
            SelectChoice(repairer.id, repairer.display_name) for repairer in repairers
        ]
        if fault.assigned_to:
            forms["assign"].repairer.label.text = _("Give it to another repairer")
        if refused_step != "assign":
            forms["assign"].repairer.data = fault.assigned_to_id
    if "back-in-service" in forms:
        forms["back-in-service"].note.label.text = _(
            "%(asset)s is safe to use again (optional note)", asset=fault.asset.title
        )
    return (
        render_template(
            "faults/show.html",
            fault=fault,
            now=utcnow(),
            action_label=action_label,
            forms=forms,
            taken_out_by_visitor=taken_out_by_visitor.applies(fault),
            cause_rule=school_settings.cause_rule,
        ),
        status,
    )


@bp.route("/<int:fault_id>")
@readers_required
def show(fault_id):
    return _render_show(_load(fault_id))


def _assign(fault, form):
    repairer = db.session.get(User, form.repairer.data or 0)
    lifecycle.assign(fault, repairer, current_user)
    return _("Assigned to %(name)s.", name=repairer.display_name)


def _take(fault, form):
    lifecycle.take(fault, current_user)
    return _("The job is yours.")


def _start(fault, form):
    was_taken = fault.assigned_to_id is not None
    lifecycle.start(fault, current_user)
    if was_taken:
        return _("Repair started.")
    return _("The job is yours. Repair started.")


def _complete(fault, form):
    lifecycle.complete(
        fault,
        current_user,
        note=form.note.data,
        parts=form.parts.data,
        cost=form.cost.data,
        cause=form.cause.data,
        drawn_signature=form.signature_data.data or "",
        typed_name=form.signer_name.data or "",
    )
    return _("Repair signed off. It now waits for acceptance.")


def _accept(fault, form):
    was_out = fault.asset.status == AssetStatus.OUT_OF_SERVICE
    lifecycle.accept(
        fault,
        current_user,
        drawn_signature=form.signature_data.data or "",
        typed_name=form.signer_name.data or "",
    )
    if was_out and fault.asset.status == AssetStatus.IN_SERVICE:
        return _("Repair accepted. %(asset)s is back in service.", asset=fault.asset.title)
    return _("Repair accepted.")


def _reopen(fault, form):
    lifecycle.reopen(fault, current_user, form.reason.data)
    return _("Sent back to the repairer.")


def _comment(fault, form):
    lifecycle.comment(fault, current_user, form.comment.data)
    return _("Comment added.")


def _back_in_service(fault, form):
    lifecycle.back_in_service(fault.asset, current_user, form.note.data)
    return _("%(asset)s is back in service.", asset=fault.asset.title)


def _still_usable(fault, form):
    lifecycle.judge_still_usable(fault, current_user, form.note.data)
    if fault.asset.status == AssetStatus.IN_SERVICE:
        return _("Judged still usable. %(asset)s is back in service.", asset=fault.asset.title)
    return _(
        "Judged still usable. %(asset)s stays out of service: another open fault keeps it out.",
        asset=fault.asset.title,
    )


def _dismiss(fault, form):
    was_out = fault.asset.status == AssetStatus.OUT_OF_SERVICE
    lifecycle.dismiss(fault, current_user, form.note.data)
    if not was_out:
        return _("Dismissed as not a real fault.")
    if fault.asset.status == AssetStatus.IN_SERVICE:
        return _(
            "Dismissed as not a real fault. %(asset)s is back in service.",
            asset=fault.asset.title,
        )
    return _(
        "Dismissed as not a real fault. %(asset)s stays out of service: "
        "another open fault keeps it out.",
        asset=fault.asset.title,
    )


ACTIONS = {
    "assign": _assign,
    "take": _take,
    "start": _start,
    "complete": _complete,
    "accept": _accept,
    "reopen": _reopen,
    "comment": _comment,
    "back-in-service": _back_in_service,
    "still-usable": _still_usable,
    "dismiss": _dismiss,
}


@bp.route("/<int:fault_id>/<action>", methods=["POST"])
@staff_required
def act(fault_id, action):
    """One step of the fault's life; the lifecycle decides who may take it and when."""
    step = ACTIONS.get(action)
    if step is None:
        abort(404)
    fault = _load(fault_id, for_update=True)
    form = STEP_FORMS[action]()
    try:
        message = step(fault, form)
    except lifecycle.NotAllowed:
        db.session.rollback()
        abort(403)
    except lifecycle.AlreadyDone as done:
        db.session.rollback()
        flash(str(done.message), "info")
        return redirect(url_for("faults.show", fault_id=fault_id), code=303)
    except lifecycle.LifecycleError as refused:
        db.session.rollback()
        form.show_refusal(refused.errors)
        flash(str(refused.message), "error")
        return _render_show(_load(fault_id), form, action, status=400)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("faults.show", fault_id=fault_id), code=303)


@bp.route("/signatures/<int:signature_id>.png")
@readers_required
def signature(signature_id):
    """A repair or acceptance signature drawn on a fault (never an inspection's, by this door)."""
    return signature_png(FaultEvent, Signature.id == signature_id)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """Whether public reports are allowed, and the school's damage rule for each cause."""
    form = FaultSettingsForm()
    if request.method == "GET":
        form.public_reports.data = school_settings.public_reports_allowed()
        for cause in Cause:
            form[cause.value].data = school_settings.cause_rule(cause)
    elif form.validate_on_submit():
        school_settings.put(
            school_settings.PUBLIC_REPORTS, "on" if form.public_reports.data else "off"
        )
        for cause in Cause:
            school_settings.put(f"cause_rule.{cause.value}", form[cause.value].data)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("faults.settings"), code=303)
    else:
        return render_template("faults/settings.html", form=form), 400
    return render_template("faults/settings.html", form=form)


@bp.route("/<int:fault_id>/photo")
@readers_required
def photo(fault_id):
    # A fault raised without a photo has none to send.
    filename = db.one_or_404(
        sa.select(Fault.photo).where(Fault.id == fault_id, Fault.photo != "")
    )
    return send_photo(filename, thumbnail=request.args.get("size") == "thumb")
