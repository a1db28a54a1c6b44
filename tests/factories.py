"""Small builders for register data, faults and people; call them inside an app context."""

import secrets
import uuid

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.faults.raising import raise_fault
from app.faults.reporting import report_fault
from app.models import Asset, AssetKind, AssetStatus, Place, PlaceKind, Role, Urgency, User
from app.models.code import issue_code


def make_kind(key="slide", name="滑梯", name_en="Slide"):
    kind = db.session.scalar(sa.select(AssetKind).where(AssetKind.key == key))
    if kind is None:
        kind = AssetKind(key=key, name=name, name_en=name_en)
        db.session.add(kind)
        db.session.flush()
    return kind


def make_place(name="操场", name_en="Playground", kind=PlaceKind.AREA, parent=None, code=None):
    place = Place(name=name, name_en=name_en, kind=kind, parent=parent, code="")
    db.session.add(place)
    issue_code(place, code)
    db.session.flush()
    return place


def make_asset(
    name="滑梯 1",
    name_en="Slide 1",
    kind=None,
    place=None,
    code=None,
    status=AssetStatus.IN_SERVICE,
    asset_number=None,
):
    asset = Asset(
        name=name,
        name_en=name_en,
        kind=kind or make_kind(),
        status=status,
        place=place or make_place(),
        asset_number=asset_number,
        code="",
    )
    db.session.add(asset)
    issue_code(asset, code)
    db.session.flush()
    return asset


def make_fault(asset, photos=(), photo=None):
    """A public report of the asset with its photos, as the report form records it."""
    fault, _created = report_fault(
        asset, "Broken", Urgency.NEEDS_REPAIR, False, list(photos),
        reporter=None, public_name="王老师", public_phone="", client_id=uuid.uuid4().hex,
    )
    fault.photo = photo
    db.session.commit()
    return fault


def make_public_report(
    asset, description="Seat cracked", take_out_of_service=True, name="路人", phone=None, at=None
):
    """A fault reported without an account, by default taking its asset out of service."""
    fault = raise_fault(
        asset,
        description,
        Urgency.UNSAFE,
        take_out_of_service=take_out_of_service,
        public_name=name,
        public_phone=phone,
        public_token=secrets.token_urlsafe(16),
        at=at,
    )
    db.session.flush()
    return fault


def make_user(username, role=Role.INSPECTOR, password="correct horse", display_name=None):
    """Someone beside the admin, inspector and repairer every test has; password=None makes
    one who can never sign in."""
    user = User(
        username=username,
        display_name=display_name or username.title(),
        role=role,
        password_hash=generate_password_hash(password) if password else "!",
    )
    db.session.add(user)
    db.session.flush()
    return user
