"""Editing a checklist's items makes a new version; the versions before it never change.

Past inspections point at the version and items they were done against, so every change
(add, edit, move, retire) copies the current items into version N+1 with the change applied.
A copy keeps its item's lineage: the same item, as worded in each version, so answers and
readings can be followed across versions.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.checklists.schedules import apply_schedule
from app.extensions import db
from app.models import Checklist, ChecklistItem, ChecklistVersion, ItemType, User
from app.models.item import Item, new_lineage
from app.schedule import Schedule

# Failing one of these takes the asset out of service; a text or a photo cannot fail.
CRITICAL_TYPES = frozenset({ItemType.CHECK, ItemType.READING})
EDITABLE_FIELDS = ("text", "text_en", "required", "critical", "unit", "min_value", "max_value")
COMPARED_FIELDS = ("type", *EDITABLE_FIELDS)


class StaleVersion(Exception):
    """The change was made on a page showing a version that is no longer the current one."""

    def __init__(self, current: ChecklistVersion | None):
        super().__init__(f"current version is {current.number if current else 0}")
        self.current = current


def create_checklist(
    user: User,
    *,
    name: str,
    name_en: str | None,
    kind=None,
    asset=None,
    schedule: Schedule,
    active: bool = True,
) -> Checklist:
    """A new routine with version 1, which has no items until the admin adds them."""
    checklist = Checklist(name=name, name_en=name_en, kind=kind, asset=asset, active=active)
    apply_schedule(checklist, schedule)
    db.session.add(checklist)
    db.session.add(ChecklistVersion(checklist=checklist, number=1, created_by=user))
    return checklist


def item_problems(
    item_type: ItemType,
    *,
    critical: bool = False,
    min_value: float | None = None,
    max_value: float | None = None,
) -> dict[str, str]:
    """What is wrong with an item's settings, by field."""
    problems = {}
    if critical and item_type not in CRITICAL_TYPES:
        problems["critical"] = _l("Only check and reading items can be critical.")
    if item_type == ItemType.READING:
        for name, value in (("min_value", min_value), ("max_value", max_value)):
            if value is not None and not math.isfinite(value):
                problems[name] = _l("Type a number, e.g. 0.3.")
        if (
            "min_value" not in problems
            and "max_value" not in problems
            and min_value is not None
            and max_value is not None
            and min_value > max_value
        ):
            problems["max_value"] = _l("The highest allowed value is below the lowest.")
    return problems


def add_item(
    checklist: Checklist,
    user: User,
    based_on: int,
    *,
    type: ItemType,
    text: str,
    text_en: str | None = None,
    required: bool = True,
    critical: bool = False,
    unit: str | None = None,
    min_value: float | None = None,
    max_value: float | None = None,
) -> ChecklistVersion:
    """A new version with the item added at the end.

    based_on is the version number the admin was looking at: a second tap on "Add" or an
    edit by someone else in between raises StaleVersion instead of adding the item twice.
    """
    fields = settled_item_fields(
        type,
        text=text,
        text_en=text_en,
        required=required,
        critical=critical,
        unit=unit,
        min_value=min_value,
        max_value=max_value,
    )

    def append(items):
        items.append(ChecklistItem(lineage=new_lineage(), type=type, **fields))

    return _new_version(checklist, user, based_on, append)


def update_item(item: ChecklistItem, user: User, **changes) -> ChecklistVersion:
    """A new version with the item's wording or flags changed; its type stays."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)}")
    merged = {name: getattr(item, name) for name in EDITABLE_FIELDS} | changes
    fields = settled_item_fields(item.type, **merged)

    def edit(items):
        copy = _copy_of(items, item)
        for name, value in fields.items():
            setattr(copy, name, value)

    return _new_version(item.version.checklist, user, item.version.number, edit)


def move_item(item: ChecklistItem, user: User, offset: int) -> ChecklistVersion:
    """A new version with the item moved up (offset -1) or down (+1) past its neighbour."""
    if offset not in (-1, 1):
        raise ValueError("an item moves one place at a time")

    def move(items):
        index = items.index(_copy_of(items, item))
        target = index + offset
        if not 0 <= target < len(items):
            raise ValueError("the item is already at that end of the list")
        items[index], items[target] = items[target], items[index]

    return _new_version(item.version.checklist, user, item.version.number, move)


def retire_item(item: ChecklistItem, user: User) -> ChecklistVersion:
    """A new version without the item; past versions and inspections keep it."""

    def retire(items):
        items.remove(_copy_of(items, item))

    return _new_version(item.version.checklist, user, item.version.number, retire)


def settled_item_fields(item_type: ItemType, **fields) -> dict:
    """An item's settings (EDITABLE_FIELDS) as they are stored, for a checklist's item and a
    district template's alike.

    Refused (ValueError): what item_problems finds, and a text that is blank. The text is
    stored without surrounding spaces; a blank English text or unit is None; only a reading
    keeps a unit and limits.
    """
    problems = item_problems(
        item_type,
        critical=fields["critical"],
        min_value=fields["min_value"],
        max_value=fields["max_value"],
    )
    if problems:
        raise ValueError(f"invalid item: {sorted(problems)}")
    if not fields["text"] or not fields["text"].strip():
        raise ValueError("an item needs its text")
    fields["text"] = fields["text"].strip()
    fields["text_en"] = fields["text_en"] or None
    if item_type != ItemType.READING:
        fields.update(unit=None, min_value=None, max_value=None)
    fields["unit"] = fields["unit"] or None
    return fields


def _new_version(
    checklist: Checklist, user: User, based_on: int, change: Callable[[list], None]
) -> ChecklistVersion:
    current = checklist.current_version
    current_number = current.number if current else 0
    if current_number != based_on:
        raise StaleVersion(current)
    items = [copied_item(item, item.position) for item in current.items] if current else []
    change(items)
    for position, item in enumerate(items, start=1):
        item.position = position
    version = ChecklistVersion(
        checklist=checklist, number=current_number + 1, created_by=user, items=items
    )
    db.session.add(version)
    return version


def copied_item(item: Item, position: int) -> ChecklistItem:
    """A checklist item copied from an item of the school's own or of a district template,
    at this position: the same item (its lineage kept) with the same type and settings."""
    return ChecklistItem(
        lineage=item.lineage,
        position=position,
        **{name: getattr(item, name) for name in COMPARED_FIELDS},
    )


def _copy_of(items: list[ChecklistItem], item: ChecklistItem) -> ChecklistItem:
    return next(copy for copy in items if copy.lineage == item.lineage)


@dataclass(frozen=True)
class VersionChanges:
    """How a version differs from the one before it, item by item."""

    added: int = 0
    edited: int = 0
    retired: int = 0
    reordered: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.edited or self.retired or self.reordered)


def changes_between(previous: ChecklistVersion | None, version: ChecklistVersion) -> VersionChanges:
    before = {item.lineage: item for item in previous.items} if previous else {}
    after = {item.lineage: item for item in version.items}
    kept = [lineage for lineage in after if lineage in before]
    return VersionChanges(
        added=sum(1 for lineage in after if lineage not in before),
        retired=sum(1 for lineage in before if lineage not in after),
        edited=sum(
            1
            for lineage in kept
            if any(
                getattr(before[lineage], name) != getattr(after[lineage], name)
                for name in COMPARED_FIELDS
            )
        ),
        reordered=kept != [lineage for lineage in before if lineage in after],
    )


@dataclass(frozen=True)
class ChecklistSummary:
    checklist: Checklist
    version_number: int | None
    item_count: int

    @property
    def offered(self) -> bool:
        """Whether inspectors are offered this routine: active, with at least one item."""
        return self.checklist.active and self.item_count > 0


def checklist_summaries() -> list[ChecklistSummary]:
    """Every routine with what it covers and its current version's size, in two queries."""
    checklists = db.session.scalars(
        sa.select(Checklist)
        .options(so.joinedload(Checklist.kind), so.joinedload(Checklist.asset))
        .order_by(Checklist.name, Checklist.id)
    ).all()
    latest = (
        sa.select(
            ChecklistVersion.checklist_id, sa.func.max(ChecklistVersion.number).label("number")
        )
        .group_by(ChecklistVersion.checklist_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(latest.c.checklist_id, latest.c.number, sa.func.count(ChecklistItem.id))
        .select_from(latest)
        .join(
            ChecklistVersion,
            sa.and_(
                ChecklistVersion.checklist_id == latest.c.checklist_id,
                ChecklistVersion.number == latest.c.number,
            ),
        )
        .outerjoin(ChecklistItem, ChecklistItem.version_id == ChecklistVersion.id)
        .group_by(latest.c.checklist_id, latest.c.number)
    )
    sizes = {checklist_id: (number, count) for checklist_id, number, count in rows}
    return [
        ChecklistSummary(checklist, *sizes.get(checklist.id, (None, 0))) for checklist in checklists
    ]


@dataclass(frozen=True)
class CoverageGroup:
    """The routines of one kind of asset, or of one asset of its own."""

    kind: object | None
    asset: object | None
    summaries: list[ChecklistSummary]


def group_by_coverage(summaries: list[ChecklistSummary]) -> list[CoverageGroup]:
    """Kinds first (by name), then single assets (by code); routines keep their order."""
    groups: dict[tuple, list[ChecklistSummary]] = {}
    for summary in summaries:
        checklist = summary.checklist
        key = (
            (0, checklist.kind.name, checklist.kind_id)
            if checklist.kind_id is not None
            else (1, checklist.asset.code, checklist.asset_id)
        )
        groups.setdefault(key, []).append(summary)
    return [
        CoverageGroup(members[0].checklist.kind, members[0].checklist.asset, members)
        for _key, members in sorted(groups.items(), key=lambda entry: entry[0])
    ]
