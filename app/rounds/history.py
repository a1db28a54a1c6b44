"""An asset's history: its inspections and faults on one timeline, and its readings as series.

Each page costs the same few queries however long the history is: the page's rows are chosen
in SQL (a UNION of both tables, newest first, LIMIT/OFFSET), then loaded by id in one query
per table.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.charts import chart_svg
from app.extensions import db
from app.models import (
    Answer,
    Asset,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Fault,
    Inspection,
    ItemType,
    Signature,
)

PER_PAGE = 30
MAX_PAGE = 100_000  # far beyond any real history; keeps OFFSET a sane number
CHART_POINTS = 24


@dataclass
class InspectionEntry:
    inspection: Inspection
    signature_drawn: bool
    photo_answer_ids: list[int] = field(default_factory=list)
    corrected_by: list[int] = field(default_factory=list)

    @property
    def at(self) -> datetime:
        return self.inspection.submitted_at


@dataclass
class FaultEntry:
    fault: Fault

    @property
    def at(self) -> datetime:
        return self.fault.reported_at


@dataclass(frozen=True)
class TimelinePage:
    entries: list[InspectionEntry | FaultEntry]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def timeline_page(asset_id: int, page: int) -> TimelinePage:
    """One page of the asset's inspections and faults, newest first."""
    inspections = sa.select(
        sa.literal_column("'inspection'").label("kind"),
        Inspection.id.label("id"),
        Inspection.submitted_at.label("at"),
    ).where(Inspection.asset_id == asset_id)
    faults = sa.select(
        sa.literal_column("'fault'").label("kind"),
        Fault.id.label("id"),
        Fault.reported_at.label("at"),
    ).where(Fault.asset_id == asset_id)
    timeline = sa.union_all(inspections, faults).subquery()
    rows = db.session.execute(
        sa.select(timeline.c.kind, timeline.c.id)
        .order_by(timeline.c.at.desc(), timeline.c.kind, timeline.c.id.desc())
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ).all()
    has_next = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]

    inspection_ids = [row.id for row in rows if row.kind == "inspection"]
    fault_ids = [row.id for row in rows if row.kind == "fault"]
    loaded = {("inspection", i): e for i, e in _inspection_entries(inspection_ids).items()}
    loaded.update({("fault", i): e for i, e in _fault_entries(fault_ids).items()})
    return TimelinePage(
        entries=[loaded[(row.kind, row.id)] for row in rows if (row.kind, row.id) in loaded],
        page=page,
        has_next=has_next,
    )


def _inspection_entries(ids: list[int]) -> dict[int, InspectionEntry]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Inspection, Signature.image.is_not(None))
        .join(Inspection.signature)
        .options(so.contains_eager(Inspection.signature), so.joinedload(Inspection.checklist))
        .where(Inspection.id.in_(ids))
    ).all()
    entries = {
        inspection.id: InspectionEntry(inspection, bool(drawn)) for inspection, drawn in rows
    }
    photos = db.session.execute(
        sa.select(Answer.id, Answer.inspection_id)
        .where(Answer.inspection_id.in_(ids), Answer.photo.is_not(None))
        .order_by(Answer.inspection_id, Answer.position)
    )
    for answer_id, inspection_id in photos:
        entries[inspection_id].photo_answer_ids.append(answer_id)
    corrections = db.session.execute(
        sa.select(Inspection.id, Inspection.corrects_id)
        .where(Inspection.corrects_id.in_(ids))
        .order_by(Inspection.id)
    )
    for correction_id, corrected_id in corrections:
        entries[corrected_id].corrected_by.append(correction_id)
    return entries


def _fault_entries(ids: list[int]) -> dict[int, FaultEntry]:
    if not ids:
        return {}
    faults = db.session.scalars(
        sa.select(Fault).options(so.joinedload(Fault.reported_by)).where(Fault.id.in_(ids))
    )
    return {fault.id: FaultEntry(fault) for fault in faults}


@dataclass
class ReadingSeries:
    """One reading item across the versions of its routine, charted as one line."""

    item: ChecklistItem  # its newest wording, unit and allowed range
    checklist_title: str
    points: list[tuple[date, float]] = field(default_factory=list)

    @property
    def svg(self):
        return chart_svg(
            self.points,
            self.item.min_value,
            self.item.max_value,
            self.item.unit or "",
            label=self.item.title,
        )


def reading_series(asset: Asset, limit: int = CHART_POINTS) -> list[ReadingSeries]:
    """The reading items of the asset's routines, each with its last `limit` readings.

    Items no longer asked (a retired item or routine) are kept while they have readings to show.
    A reading from an inspection that was later corrected is left out: the correction stands.
    """
    other = so.aliased(ChecklistVersion)
    newest_version = (
        sa.select(sa.func.max(other.number))
        .where(other.checklist_id == Checklist.id)
        .scalar_subquery()
    )
    items = db.session.execute(
        sa.select(
            ChecklistItem,
            Checklist,
            sa.and_(Checklist.active, ChecklistVersion.number == newest_version),
        )
        .join(ChecklistItem.version)
        .join(ChecklistVersion.checklist)
        .where(
            ChecklistItem.type == ItemType.READING,
            sa.or_(
                Checklist.asset_id == asset.id,
                sa.and_(Checklist.asset_id.is_(None), Checklist.kind_id == asset.kind_id),
            ),
        )
        .order_by(Checklist.name, Checklist.id, ChecklistVersion.number, ChecklistItem.position)
    ).all()
    if not items:
        return []

    series: dict[str, ReadingSeries] = {}
    asked_now: set[str] = set()
    for item, checklist, current in items:
        # Ordered by version: the newest version's wording and limits win.
        if item.lineage in series:
            series[item.lineage].item = item
        else:
            series[item.lineage] = ReadingSeries(item, checklist.title)
        if current:
            asked_now.add(item.lineage)

    readings = _latest_readings(asset.id, list(series), limit)
    for lineage, points in readings.items():
        series[lineage].points = points
    return [s for lineage, s in series.items() if s.points or lineage in asked_now]


def _latest_readings(
    asset_id: int, lineages: list[str], limit: int
) -> dict[str, list[tuple[date, float]]]:
    correction = so.aliased(Inspection)
    ranked = (
        sa.select(
            ChecklistItem.lineage,
            Inspection.local_date,
            Answer.reading,
            Inspection.submitted_at,
            Answer.id.label("answer_id"),
            sa.func.row_number()
            .over(
                partition_by=ChecklistItem.lineage,
                order_by=(Inspection.submitted_at.desc(), Answer.id.desc()),
            )
            .label("recency"),
        )
        .join(Answer.inspection)
        .join(Answer.item)
        .where(
            Inspection.asset_id == asset_id,
            Answer.reading.is_not(None),
            ChecklistItem.lineage.in_(lineages),
            ~sa.exists().where(correction.corrects_id == Inspection.id),
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.lineage, ranked.c.local_date, ranked.c.reading)
        .where(ranked.c.recency <= limit)
        .order_by(ranked.c.lineage, ranked.c.submitted_at, ranked.c.answer_id)
    )
    points = defaultdict(list)
    for lineage, day, value in rows:
        points[lineage].append((day, value))
    return points
