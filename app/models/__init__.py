"""Patrol's models, one module per aggregate."""

from app.models.asset import Asset, AssetKind, AssetStatus
from app.models.code import ScanCode
from app.models.place import Place, PlaceKind
from app.models.user import Role, User

__all__ = [
    "Asset",
    "AssetKind",
    "AssetStatus",
    "Place",
    "PlaceKind",
    "Role",
    "ScanCode",
    "User",
]
