"""Small builders for register data; call them inside an app context."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Asset, AssetKind, AssetStatus, Place, PlaceKind, Role, User
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


def make_user(username, role=Role.INSPECTOR, display_name=None):
    """A user who never signs in: no password hash matches its "!"."""
    user = User(
        username=username, display_name=display_name or username.title(), role=role,
        password_hash="!",
    )
    db.session.add(user)
    db.session.flush()
    return user
