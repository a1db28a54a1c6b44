"""Patrol's models, one module per aggregate."""

from app.models.asset import Asset, AssetKind, AssetStatus
from app.models.calendar import ClosedPeriod
from app.models.checklist import Checklist, ChecklistItem, ChecklistVersion
from app.models.code import ScanCode
from app.models.duty import Duty
from app.models.fault import (
    OPEN_STATUSES,
    Cause,
    Fault,
    FaultEvent,
    FaultPhoto,
    FaultStatus,
    Urgency,
)
from app.models.inspection import Answer, Inspection, Outcome
from app.models.item import ItemType
from app.models.notice import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notice,
    Reason,
)
from app.models.photo import StoredPhoto
from app.models.place import Place, PlaceKind
from app.models.prepared_report import PreparedReport, PreparedStatus
from app.models.scheduled import Frequency
from app.models.school import District, DistrictMember, DistrictRole, School
from app.models.school_figures import SchoolFigures
from app.models.setting import Setting
from app.models.sign_in import SignIn
from app.models.signature import Signature
from app.models.stocktake import (
    Finding,
    Stocktake,
    StocktakeLine,
    StocktakeMove,
    StocktakeScan,
    StocktakeStatus,
    UnknownCode,
)
from app.models.template import ChecklistTemplate, TemplateItem, TemplateVersion
from app.models.user import SCHOOL_ROLES, Membership, Role, User

__all__ = [
    "OPEN_STATUSES",
    "Cause",
    "FaultPhoto",
    "Setting",
    "SchoolFigures",
    "Answer",
    "Asset",
    "AssetKind",
    "AssetStatus",
    "Channel",
    "ChannelKind",
    "Checklist",
    "ChecklistItem",
    "ChecklistTemplate",
    "ChecklistVersion",
    "ClosedPeriod",
    "Delivery",
    "District",
    "DistrictMember",
    "DistrictRole",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Duty",
    "Fault",
    "FaultEvent",
    "FaultStatus",
    "Frequency",
    "Inspection",
    "ItemType",
    "Membership",
    "Notice",
    "Outcome",
    "Place",
    "PlaceKind",
    "PreparedReport",
    "PreparedStatus",
    "Reason",
    "Role",
    "SCHOOL_ROLES",
    "School",
    "ScanCode",
    "SignIn",
    "TemplateItem",
    "TemplateVersion",
    "Signature",
    "Finding",
    "Stocktake",
    "StocktakeLine",
    "StocktakeMove",
    "StocktakeScan",
    "StocktakeStatus",
    "StoredPhoto",
    "UnknownCode",
    "Urgency",
    "User",
]
