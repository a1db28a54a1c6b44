"""CSV exports of inspections and faults, as rows made while the file is sent.

Each export reads its rows in batches (yield_per, and partitions for a fault's events) so
a large school's history is never whole in memory; the CSV writing, the BOM and the
formula guard are every export's (app.core.csv_writing).

Inspections: one row per item answer, so a spreadsheet filters by item, outcome or reading.
Faults: one row per fault, with its whole story in the last cell, one event per line. A
spreadsheet user sums costs and counts faults by cause or status; a file with a row per
event would count a fault once for each of its events, and a second file would have to be
joined by hand. The events of a fault read well as lines of one cell.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import settings, tenancy
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.faults.lifecycle import action_label
from app.models import (
    Answer,
    Asset,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Fault,
    FaultEvent,
    Inspection,
    Signature,
    User,
)
from app.models.common import localized
from app.reports.choice import Choice
from app.reports.figures import Scope, utc_bounds

BATCH = 1000
FAULT_BATCH = 500


def _local(moment: datetime | None) -> str:
    """A stored UTC moment as the school's local time, in a form spreadsheets read as a date."""
    if moment is None:
        return ""
    zone = ZoneInfo(tenancy.school_timezone())
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def inspection_rows(choice: Choice) -> Iterator[tuple]:
    tree = PlaceTree.load()
    yield (
        _("School day"),
        _("Signed at"),
        _("Inspection"),
        _("Asset code"),
        _("Asset"),
        _("Place"),
        _("Routine"),
        _("Checklist version"),
        _("Item"),
        _("Outcome"),
        _("Reading"),
        _("Unit"),
        _("Out of range"),
        _("Text"),
        _("Note on the item"),
        _("Note on the inspection"),
        _("Inspector"),
        _("Signed by"),
        _("Correction of"),
        _("Done when not due"),
    )
    scope = Scope(choice, tree)
    conditions = [
        Inspection.local_date >= choice.period.start, Inspection.local_date <= choice.period.end
    ]
    if scope.place_ids is not None:
        conditions.append(Asset.place_id.in_(scope.place_ids))
    if choice.checklist is not None:
        conditions.append(Inspection.checklist_id == choice.checklist.id)
    query = (
        sa.select(
            Inspection.local_date,
            Signature.signed_at,
            Inspection.id,
            Asset.code,
            Asset.name.label("asset"),
            Asset.name_en.label("asset_en"),
            Asset.place_id,
            Checklist.name.label("routine"),
            Checklist.name_en.label("routine_en"),
            ChecklistVersion.number,
            ChecklistItem.text.label("item"),
            ChecklistItem.text_en.label("item_en"),
            Answer.outcome,
            Answer.reading,
            ChecklistItem.unit,
            Answer.out_of_range,
            Answer.text.label("answer"),
            Answer.note.label("item_note"),
            Inspection.note.label("inspection_note"),
            User.display_name,
            Signature.signer_name,
            Inspection.corrects_id,
            Inspection.off_schedule,
        )
        .select_from(Answer)
        .join(Inspection, Inspection.id == Answer.inspection_id)
        .join(Asset, Asset.id == Inspection.asset_id)
        .join(Checklist, Checklist.id == Inspection.checklist_id)
        .join(ChecklistVersion, ChecklistVersion.id == Inspection.version_id)
        .join(ChecklistItem, ChecklistItem.id == Answer.item_id)
        .join(User, User.id == Inspection.inspector_id)
        .join(Signature, Signature.id == Inspection.signature_id)
        .where(*conditions)
        .order_by(Inspection.local_date, Inspection.submitted_at, Inspection.id, Answer.position)
        .execution_options(yield_per=BATCH)
    )
    yes, no = _("Yes"), _("No")
    paths = {}
    for row in db.session.execute(query):
        if row.place_id not in paths:
            place = tree.by_id.get(row.place_id)
            paths[row.place_id] = tree.path(place) if place else ""
        yield (
            row.local_date.isoformat(),
            _local(row.signed_at),
            row.id,
            row.code,
            localized(row.asset, row.asset_en),
            paths[row.place_id],
            localized(row.routine, row.routine_en),
            row.number,
            localized(row.item, row.item_en),
            str(row.outcome.label) if row.outcome else "",
            row.reading,
            row.unit or "",
            (yes if row.out_of_range else "") if row.reading is not None else "",
            row.answer,
            row.item_note,
            row.inspection_note,
            row.display_name,
            row.signer_name,
            row.corrects_id,
            yes if row.off_schedule else no,
        )


def fault_rows(choice: Choice) -> Iterator[tuple]:
    """Faults reported in the period, each with its events in the last cell."""
    tree = PlaceTree.load()
    yield (
        _("Fault"),
        _("Reported at"),
        _("Asset code"),
        _("Asset"),
        _("Place"),
        _("Urgency"),
        _("Status"),
        _("Description"),
        _("Reported by"),
        _("Assigned to"),
        _("Repaired at"),
        _("Repair signed by"),
        _("What was done"),
        _("Parts"),
        _("Cost (yuan)"),
        _("Cause"),
        _("Damage rule"),
        _("Accepted at"),
        _("Acceptance signed by"),
        _("Events"),
    )
    start, end = utc_bounds(choice.period.start, choice.period.end)
    reporter, assignee = so.aliased(User), so.aliased(User)
    repair_signature, acceptance_signature = so.aliased(Signature), so.aliased(Signature)
    query = (
        sa.select(
            Fault,
            Asset.code,
            Asset.name,
            Asset.name_en,
            Asset.place_id,
            reporter.display_name,
            assignee.display_name,
            repair_signature.signer_name,
            acceptance_signature.signer_name,
        )
        .join(Asset, Asset.id == Fault.asset_id)
        .outerjoin(reporter, reporter.id == Fault.reported_by_id)
        .outerjoin(assignee, assignee.id == Fault.assigned_to_id)
        .outerjoin(repair_signature, repair_signature.id == Fault.repair_signature_id)
        .outerjoin(acceptance_signature, acceptance_signature.id == Fault.acceptance_signature_id)
        .where(
            Fault.reported_at >= start,
            Fault.reported_at < end,
            *Scope(choice, tree).assets(),
        )
        .order_by(Fault.reported_at, Fault.id)
        .execution_options(yield_per=FAULT_BATCH)
    )
    rules = {}
    for batch in db.session.execute(query).partitions():
        stories = _stories([row[0].id for row in batch])
        for fault, code, name, name_en, place_id, reported_by, assigned_to, repairer, acceptor in (
            batch
        ):
            place = tree.by_id.get(place_id)
            if fault.cause is not None and fault.cause not in rules:
                rules[fault.cause] = settings.cause_rule(fault.cause)
            if fault.is_public:
                reported_by = fault.reporter_name or _("Someone without an account")
            yield (
                fault.id,
                _local(fault.reported_at),
                code,
                localized(name, name_en),
                tree.path(place) if place else "",
                str(fault.urgency.label),
                str(fault.status.label),
                fault.description,
                reported_by or "",
                assigned_to or "",
                _local(fault.repaired_at),
                repairer or "",
                fault.repair_note,
                fault.parts,
                fault.cost,
                str(fault.cause.label) if fault.cause else "",
                rules.get(fault.cause, ""),
                _local(fault.accepted_at),
                acceptor or "",
                "\n".join(stories.get(fault.id, ())),
            )


def _stories(fault_ids: list[int]) -> dict[int, list[str]]:
    """Each fault's events as lines: when, what, who, and the note."""
    stories = defaultdict(list)
    query = (
        sa.select(
            FaultEvent.fault_id,
            FaultEvent.at,
            FaultEvent.action,
            FaultEvent.note,
            FaultEvent.actor_name,
            User.display_name,
        )
        .outerjoin(User, User.id == FaultEvent.actor_id)
        .where(FaultEvent.fault_id.in_(fault_ids))
        .order_by(FaultEvent.fault_id, FaultEvent.id)
    )
    for fault_id, at, action, note, actor_name, display_name in db.session.execute(query):
        parts = [_local(at), str(action_label(action)), display_name or actor_name or ""]
        if note:
            parts.append(" ".join(note.split()))
        stories[fault_id].append(" · ".join(part for part in parts if part))
    return stories
