"""Raising a fault: the one way a fault comes into being, with its first events."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import AssetStatus, Fault, FaultEvent, FaultStatus, Urgency
from app.models.common import utcnow
from app.notices import fault_notices

ACTION_LABELS = {
    "reported": _l("Reported"),
    "taken_out_of_service": _l("Took the asset out of service"),
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def raise_fault(
    asset,
    description: str,
    urgency: Urgency,
    inspection=None,
    item=None,
    photo: str | None = None,
    reporter=None,
    take_out_of_service: bool = False,
    at: datetime | None = None,
    client_id: str | None = None,
    public_name: str | None = None,
    public_phone: str | None = None,
    public_token: str | None = None,
    reporter_browser: str | None = None,
) -> Fault:
    """Record a fault and its "reported" event; an unsafe one may take the asset out of service.

    Adds to the session without committing, so the fault lands in the same transaction as
    whatever raised it (an inspection is never recorded without its faults, or the reverse).
    A public report (public_name given) has no account: its events carry the name given.
    """
    at = at or utcnow()
    fault = Fault(
        asset=asset,
        description=description,
        urgency=urgency,
        status=FaultStatus.REPORTED,
        reported_by=reporter,
        reported_at=at,
        inspection=inspection,
        item=item,
        photo=photo,
        took_out_of_service=take_out_of_service,
        client_id=client_id,
        is_public=public_name is not None,
        reporter_name=public_name,
        reporter_phone=public_phone,
        public_token=public_token,
        reporter_browser=reporter_browser,
    )
    db.session.add(fault)
    reported = FaultEvent(
        fault=fault,
        action="reported",
        status=fault.status,
        actor=reporter,
        actor_name=public_name,
        at=at,
    )
    db.session.add(reported)
    if take_out_of_service:
        # Recorded even when the asset was already out of service: this fault alone is
        # reason enough to keep it out until the fault is dealt with.
        asset.status = AssetStatus.OUT_OF_SERVICE
        db.session.add(
            FaultEvent(
                fault=fault,
                action="taken_out_of_service",
                status=fault.status,
                actor=reporter,
                actor_name=public_name,
                at=at,
            )
        )
    fault_notices.fault_reported(fault, reported)
    return fault
