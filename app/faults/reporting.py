"""Reporting a fault on the spot: by staff, or by anyone who scans the plate when the school allows.

A report is made once however many times the phone sends it: the form carries a client id
made when it was shown, and a second send finds the fault the first one recorded. Only the
same form is a repeat: the same account, or for a public report the same browser
(app.faults.reporter_browser), about the same asset; anything else is refused
(app.core.sent_forms).
"""

import secrets

from app.core.sent_forms import SentForm
from app.extensions import db
from app.faults.raising import raise_fault
from app.models import AssetStatus, Fault, FaultPhoto, Urgency


def takes_out_of_service(urgency: Urgency, asked_on_an_old_form: bool = False) -> bool:
    """"Unsafe now" means do not use: the report takes the asset out of service at once.

    There is no second box to forget. A report kept on a phone from before the box went away
    may still carry it ticked: what the reporter asked for then is done (safety first).
    """
    return urgency == Urgency.UNSAFE or asked_on_an_old_form


def reportable(asset) -> bool:
    """A retired asset is gone from use: there is nothing to repair."""
    return asset.status != AssetStatus.RETIRED


def sent_report(client_id: str, asset, reporter, browser: str | None) -> SentForm:
    """This send of a report form: see app.core.sent_forms for when it is a repeat."""
    return SentForm(
        Fault,
        client_id,
        asset_id=asset.id,
        reported_by_id=reporter.id if reporter is not None else None,
        reporter_browser=browser,
    )


def report_fault(
    asset,
    description: str,
    urgency: Urgency,
    take_out_of_service: bool,
    photo_names: list[str],
    *,
    client_id: str,
    reporter=None,
    public_name: str | None = None,
    public_phone: str | None = None,
    browser: str | None = None,
) -> tuple[Fault, bool]:
    """Record the report and its photos and commit; (fault, False) when it was already made.

    A public report keeps the (hashed) browser it came from. The form's view answers a
    repeat before anything else (sent_report(...).earlier()); two sends with the same client
    id at once both get past that look, and the commit settles which one records
    (app.core.sent_forms.SentForm.commit).
    """
    public = reporter is None
    sent = sent_report(client_id, asset, reporter, browser if public else None)
    fault = raise_fault(
        asset,
        description,
        urgency,
        reporter=reporter,
        take_out_of_service=take_out_of_service,
        client_id=client_id,
        public_name=public_name if public else None,
        public_phone=(public_phone or None) if public else None,
        public_token=secrets.token_urlsafe(16) if public else None,
        reporter_browser=browser if public else None,
    )
    for name in photo_names:
        db.session.add(FaultPhoto(fault=fault, filename=name))
    return sent.commit(fault)
