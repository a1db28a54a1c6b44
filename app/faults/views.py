import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, render_template, request

from app.auth.access import staff_required
from app.extensions import db
from app.faults import bp
from app.faults.raising import action_label
from app.models import OPEN_STATUSES, Asset, Fault, FaultEvent
from app.models.common import utcnow
from app.photos import send_photo


@bp.route("/")
@staff_required
def index():
    """Open faults, newest first, in one query however many there are."""
    faults = db.session.scalars(
        sa.select(Fault)
        .join(Fault.asset)
        .join(Asset.place)
        .where(Fault.status.in_(OPEN_STATUSES))
        .options(
            so.contains_eager(Fault.asset).contains_eager(Asset.place),
            so.joinedload(Fault.reported_by),
        )
        .order_by(Fault.reported_at.desc(), Fault.id.desc())
    ).all()
    return render_template("faults/index.html", faults=faults, now=utcnow())


@bp.route("/<int:fault_id>")
@staff_required
def show(fault_id):
    fault = db.session.scalar(
        sa.select(Fault)
        .where(Fault.id == fault_id)
        .options(
            so.joinedload(Fault.asset).joinedload(Asset.place),
            so.joinedload(Fault.reported_by),
            so.joinedload(Fault.item),
            so.selectinload(Fault.events).joinedload(FaultEvent.actor),
        )
    )
    if fault is None:
        abort(404)
    return render_template(
        "faults/show.html", fault=fault, now=utcnow(), action_label=action_label
    )


@bp.route("/<int:fault_id>/photo")
@staff_required
def photo(fault_id):
    filename = db.session.scalar(sa.select(Fault.photo).where(Fault.id == fault_id))
    if not filename:
        abort(404)
    return send_photo(filename, thumbnail=request.args.get("size") == "thumb")
