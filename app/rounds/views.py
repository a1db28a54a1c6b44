import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app import routines
from app.auth.access import staff_required
from app.core.place_tree import PlaceTree
from app.duties import routine_ids_of
from app.extensions import db
from app.models import Asset, Fault, Inspection, Role
from app.request_values import MAX_DATABASE_INT, database_int
from app.rounds import bp
from app.rounds.forms import PlaceFilterForm
from app.rounds.history import MAX_PAGE, reading_series, timeline_page
from app.rounds.today import (
    build_today,
    by_place,
    filter_choices,
    mine_first,
    next_on_round,
    split_mine,
)

INSPECTING_ROLES = (Role.ADMIN, Role.INSPECTOR)


def _record_id(value: int | None) -> int | None:
    return value if value is not None and 0 < value <= MAX_DATABASE_INT else None


@bp.route("/today")
@staff_required
def today():
    """What is left today, overdue before due, place by place in walking order; then what
    was finished today, folded. The signed-in person's own routines come before it all."""
    tree = PlaceTree.load()
    place_id = PlaceFilterForm(formdata=request.args).place.data
    if place_id not in tree.by_id:
        place_id = None
    plan = build_today(routines.today(), tree, place_id)
    mine, rest = split_mine(plan, routine_ids_of(current_user._get_current_object()))
    return render_template(
        "rounds/today.html",
        plan=plan,
        mine=mine,
        rest=rest,
        by_place=by_place,
        places=filter_choices(tree),
        place_id=place_id,
        can_inspect=current_user.role in INSPECTING_ROLES,
    )


@bp.route("/today/next")
@staff_required
def next_after():
    """After a signed inspection: what was just signed, and the next check on the round."""
    inspection_id = _record_id(request.args.get("after", type=database_int))
    inspection = (
        db.session.get(
            Inspection,
            inspection_id,
            options=[
                so.joinedload(Inspection.asset).joinedload(Asset.place),
                so.joinedload(Inspection.checklist),
                so.joinedload(Inspection.signature),
            ],
        )
        if inspection_id is not None
        else None
    )
    if inspection is None:
        return redirect(url_for("rounds.today"))
    faults_raised = db.session.scalar(
        sa.select(sa.func.count(Fault.id)).where(Fault.inspection_id == inspection.id)
    )
    plan = mine_first(
        build_today(routines.today()), routine_ids_of(current_user._get_current_object())
    )
    upcoming = next_on_round(
        plan, inspection.asset_id, inspection.asset.place_id, inspection.checklist_id
    )
    group = next(
        (
            g
            for g in plan.groups
            if upcoming is not None
            and g.place.id == upcoming.asset.place_id
            and g.checklist.id == upcoming.checklist.id
        ),
        None,
    )
    return render_template(
        "rounds/next.html",
        inspection=inspection,
        faults_raised=faults_raised,
        upcoming=upcoming,
        group=group,
    )


@bp.route("/assets/<int:asset_id>/history")
@staff_required
def history(asset_id):
    """The asset's readings charted, then its inspections and faults, newest first."""
    asset = db.get_or_404(
        Asset, asset_id, options=[so.joinedload(Asset.place), so.joinedload(Asset.kind)]
    )
    # Checked against MAX_PAGE before any use: a page past it is not found, not page 1.
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        abort(404)
    timeline = timeline_page(asset.id, page)
    if page > 1 and not timeline.entries:
        abort(404)
    return render_template(
        "rounds/history.html",
        asset=asset,
        timeline=timeline,
        series=reading_series(asset) if page == 1 else [],
    )
