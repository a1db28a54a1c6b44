"""Assets a visitor took out of service: what the logistics head must see at once.

Anyone who scans a plate may take the asset out of service without an account (a child's
safety comes first), so a prank can close a slide for a day. While a report made without an
account keeps its asset out of service (the fault is open, took it out, and the asset is
still out), the fault list marks it and shows it first, and the dashboard shows it on top;
the fault page offers the head to dismiss it (lifecycle.dismiss).
"""

import sqlalchemy as sa

from app.models import OPEN_STATUSES, Asset, AssetStatus, Fault


def condition() -> sa.ColumnElement[bool]:
    """The same rule in SQL, for a query that joins the fault's asset."""
    return sa.and_(
        Fault.is_public.is_(True),
        Fault.took_out_of_service.is_(True),
        Fault.status.in_(OPEN_STATUSES),
        Asset.status == AssetStatus.OUT_OF_SERVICE,
    )


def applies(fault: Fault) -> bool:
    return (
        fault.is_public
        and fault.took_out_of_service
        and fault.status.is_open
        and fault.asset.status == AssetStatus.OUT_OF_SERVICE
    )
