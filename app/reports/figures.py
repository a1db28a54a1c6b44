"""The figures of a report: what the page and its PDF show, from a fixed number of queries.

A report covers a period (a month or a term, school-local days) and a scope: the whole
school, one place with everything inside it, or one routine (its inspections, and the
faults and repairs of the assets it covers). Done against due comes from app.compliance.

Paper is bounded: a term of a large school would be thousands of pages if every asset and
every inspection had its own line. So the checks are summed per routine and per place and
only the misses are listed; the per-asset table and the line per inspection (with its
signer) appear only while they stay short; every other list stops after MAX_LISTED lines and
says how many more there are. The figures themselves are always exact, and the CSV exports
carry every record.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import settings, tenancy
from app.compliance import Counts, completion
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.models import (
    Asset,
    Cause,
    Checklist,
    Fault,
    FaultStatus,
    Inspection,
    Signature,
    Urgency,
)
from app.models.common import localized
from app.reports.choice import Choice

MAX_LISTED = 500
# Above this many (asset, routine) lines, checks are shown per routine and per place only.
MAX_ASSET_ROWS = 200
FINISHED = (FaultStatus.REPAIRED, FaultStatus.ACCEPTED)


@dataclass(frozen=True)
class AssetLine:
    id: int
    code: str
    name: str
    place: str


@dataclass(frozen=True)
class RoutineRow:
    checklist: Checklist
    counts: Counts
    recorded: int = 0
    failed: int = 0
    off_schedule: int = 0


@dataclass(frozen=True)
class AssetRow:
    routine: Checklist
    asset: AssetLine
    counts: Counts


@dataclass(frozen=True)
class PlaceRow:
    path: str
    counts: Counts


@dataclass(frozen=True)
class SignerRow:
    name: str
    signed: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class CauseRow:
    cause: Cause | None
    repairs: int
    cost: Decimal
    rule: str


@dataclass
class Limited:
    """A list cut at MAX_LISTED lines, and how many lines there are in all."""

    rows: list
    total: int

    @property
    def left_out(self) -> int:
        return self.total - len(self.rows)


@dataclass
class Report:
    choice: Choice
    today: date
    counted_until: date
    total: Counts
    routines: list[RoutineRow]
    places: list[PlaceRow]
    asset_rows: list[AssetRow] | None  # None: too many lines for paper
    asset_pairs: int
    misses: Limited
    recorded: int
    failed: int
    off_schedule: int
    corrections: int
    signers: list[SignerRow]
    inspections: list[Inspection] | None  # each inspection and its signer, while short
    faults_by_urgency: dict[Urgency, dict[FaultStatus, int]]
    faults: Limited
    repairs: Limited
    causes: list[CauseRow]
    total_cost: Decimal
    drawn_signatures: set[int] = field(default_factory=set)

    @property
    def faults_raised(self) -> int:
        return self.faults.total

    @property
    def repairs_finished(self) -> int:
        return self.repairs.total

    @property
    def nothing_happened(self) -> bool:
        return not (
            self.total.due or self.recorded or self.corrections or self.faults.total
            or self.repairs.total
        )

    @property
    def rate(self) -> float | None:
        return self.total.rate

    def signature_ids(self) -> list[int]:
        """The repair and acceptance signatures shown as drawn on paper."""
        ids = []
        for fault in self.repairs.rows:
            ids += [fault.repair_signature_id, fault.acceptance_signature_id]
        return [i for i in ids if i in self.drawn_signatures]


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The naive UTC instants of the first school-local moment and just after the last."""
    zone = ZoneInfo(tenancy.school_timezone())

    def utc(day):
        return datetime.combine(day, time.min, zone).astimezone(UTC).replace(tzinfo=None)

    return utc(start), utc(end + timedelta(days=1))


class Scope:
    """The assets and inspections a choice covers, as SQL conditions."""

    def __init__(self, choice: Choice, tree: PlaceTree):
        self.checklist = choice.checklist
        self.place_ids = None if choice.place is None else sorted(tree.subtree_ids(choice.place))

    def assets(self) -> list:
        """Conditions on Asset: in the place (or inside it), covered by the routine."""
        conditions = []
        if self.place_ids is not None:
            conditions.append(Asset.place_id.in_(self.place_ids))
        if self.checklist is not None:
            if self.checklist.asset_id is not None:
                conditions.append(Asset.id == self.checklist.asset_id)
            else:
                conditions.append(Asset.kind_id == self.checklist.kind_id)
        return conditions

    def inspections(self, query):
        if self.checklist is not None:
            query = query.where(Inspection.checklist_id == self.checklist.id)
        if self.place_ids is not None:
            query = query.join(Asset, Asset.id == Inspection.asset_id).where(
                Asset.place_id.in_(self.place_ids)
            )
        return query

    def faults(self, query):
        conditions = self.assets()
        if conditions:
            query = query.join(Asset, Asset.id == Fault.asset_id).where(*conditions)
        return query


def build_report(choice: Choice, today: date) -> Report:
    period = choice.period
    tree = PlaceTree.load()
    scope = Scope(choice, tree)
    start_utc, end_utc = utc_bounds(period.start, period.end)

    done = completion(
        period.start,
        period.end,
        today=today,
        checklists=None if choice.checklist is None else [choice.checklist],
        place=choice.place,
        per_asset=True,
    )
    assets = _assets(scope, tree)
    recorded = _recorded_by_routine(period, scope)
    routines = _routine_rows(done.routines, recorded)
    pairs = [
        AssetRow(r.checklist, assets[asset_id], counts)
        for r in done.routines
        for asset_id, counts in r.assets.items()
        if counts.due and asset_id in assets
    ]
    pairs.sort(key=lambda row: (assets.walking[row.asset.id], row.routine.id))
    misses = [row for row in pairs if row.counts.missed]
    made = sum(r.recorded for r in routines)
    signers, inspections = _signatures(period, scope, made + recorded.corrections)
    faults_by_urgency, faults = _faults_raised(scope, start_utc, end_utc)
    repairs, causes, total_cost, drawn = _repairs(scope, start_utc, end_utc)
    return Report(
        choice=choice,
        today=today,
        counted_until=min(period.end, today),
        total=done.total,
        routines=routines,
        places=_place_rows(pairs, assets, tree),
        asset_rows=pairs if len(pairs) <= MAX_ASSET_ROWS else None,
        asset_pairs=len(pairs),
        misses=Limited(misses[:MAX_LISTED], len(misses)),
        recorded=made,
        failed=sum(r.failed for r in routines),
        off_schedule=sum(r.off_schedule for r in routines),
        corrections=recorded.corrections,
        signers=signers,
        inspections=inspections,
        faults_by_urgency=faults_by_urgency,
        faults=faults,
        repairs=repairs,
        causes=causes,
        total_cost=total_cost,
        drawn_signatures=drawn,
    )


class _Assets(dict):
    """Asset lines by id, remembering each one's place for the per-place sums and its turn
    on the walk."""

    def __init__(self):
        super().__init__()
        self.place_of: dict[int, int] = {}
        self.walking: dict[int, tuple] = {}


def _assets(scope: Scope, tree: PlaceTree) -> _Assets:
    found = _Assets()
    query = sa.select(Asset.id, Asset.code, Asset.name, Asset.name_en, Asset.place_id).where(
        *scope.assets()
    )
    for asset_id, code, name, name_en, place_id in db.session.execute(query):
        place = tree.by_id.get(place_id)
        found[asset_id] = AssetLine(
            asset_id, code, localized(name, name_en), tree.path(place) if place else ""
        )
        found.place_of[asset_id] = place_id
        found.walking[asset_id] = tree.walking_key(place_id, name, asset_id)
    return found


@dataclass
class _Recorded:
    by_routine: dict[int, tuple[int, int, int]]  # checklist id -> recorded, failed, off schedule
    corrections: int


def _recorded_by_routine(period, scope: Scope) -> _Recorded:
    is_correction = Inspection.corrects_id.is_not(None)
    query = scope.inspections(
        sa.select(
            Inspection.checklist_id,
            is_correction.label("correction"),
            sa.func.count(),
            sa.func.sum(sa.case((Inspection.passed.is_(False), 1), else_=0)),
            sa.func.sum(sa.case((Inspection.off_schedule.is_(True), 1), else_=0)),
        ).where(Inspection.local_date >= period.start, Inspection.local_date <= period.end)
    ).group_by(Inspection.checklist_id, is_correction)
    by_routine, corrections = {}, 0
    for checklist_id, correction, count, failed, off_schedule in db.session.execute(query):
        if correction:
            corrections += count
        else:
            by_routine[checklist_id] = (count, failed or 0, off_schedule or 0)
    return _Recorded(by_routine, corrections)


def _routine_rows(counted, recorded: _Recorded) -> list[RoutineRow]:
    """Each routine that was due or inspected in the period, including inactive ones."""
    by_id = {r.checklist.id: r for r in counted}
    missing = [i for i in recorded.by_routine if i not in by_id]
    extra = (
        db.session.scalars(sa.select(Checklist).where(Checklist.id.in_(missing))).all()
        if missing
        else []
    )
    rows = []
    for checklist, counts in [(r.checklist, r) for r in counted] + [(c, Counts()) for c in extra]:
        made, failed, off_schedule = recorded.by_routine.get(checklist.id, (0, 0, 0))
        if counts.due or made:
            plain = Counts(counts.due, counts.done, counts.open, counts.missed)
            rows.append(RoutineRow(checklist, plain, made, failed, off_schedule))
    return sorted(rows, key=lambda row: (row.checklist.title, row.checklist.id))


def _place_rows(pairs, assets: _Assets, tree: PlaceTree) -> list[PlaceRow]:
    sums = defaultdict(Counts)
    for row in pairs:
        sums[assets.place_of[row.asset.id]].add(row.counts)
    rows = []
    for place_id in sorted(sums, key=lambda i: tree.order.get(i, len(tree.order))):
        place = tree.by_id.get(place_id)
        rows.append(PlaceRow(tree.path(place) if place else "", sums[place_id]))
    return rows


def _signatures(period, scope: Scope, count: int):
    """Who signed the inspections (summed per signer), and each one while they are few."""
    in_period = (Inspection.local_date >= period.start, Inspection.local_date <= period.end)
    query = scope.inspections(
        sa.select(
            Signature.signer_name,
            sa.func.count(),
            sa.func.min(Signature.signed_at),
            sa.func.max(Signature.signed_at),
        )
        .select_from(Inspection)
        .join(Signature, Signature.id == Inspection.signature_id)
        .where(*in_period)
    ).group_by(Signature.signer_name)
    signers = sorted(
        (SignerRow(*row) for row in db.session.execute(query)),
        key=lambda s: (-s.signed, s.name),
    )
    inspections = None
    if count <= MAX_LISTED:
        inspections = list(
            db.session.scalars(
                scope.inspections(sa.select(Inspection).where(*in_period))
                .options(
                    so.joinedload(Inspection.asset),
                    so.joinedload(Inspection.checklist),
                    so.joinedload(Inspection.version),
                    so.joinedload(Inspection.inspector),
                    so.joinedload(Inspection.signature),
                )
                .order_by(Inspection.submitted_at, Inspection.id)
            )
        )
    return signers, inspections


def _faults_raised(scope: Scope, start_utc, end_utc):
    in_period = (Fault.reported_at >= start_utc, Fault.reported_at < end_utc)
    matrix = {urgency: dict.fromkeys(FaultStatus, 0) for urgency in Urgency}
    total = 0
    query = scope.faults(
        sa.select(Fault.urgency, Fault.status, sa.func.count()).where(*in_period)
    ).group_by(Fault.urgency, Fault.status)
    for urgency, status, count in db.session.execute(query):
        matrix[urgency][status] = count
        total += count
    rows = db.session.scalars(
        scope.faults(sa.select(Fault).where(*in_period))
        .options(
            so.joinedload(Fault.asset).joinedload(Asset.place), so.joinedload(Fault.reported_by)
        )
        .order_by(Fault.reported_at, Fault.id)
        .limit(MAX_LISTED)
    ).all()
    return matrix, Limited(list(rows), total)


def _repairs(scope: Scope, start_utc, end_utc):
    """Repairs signed off in the period (and not sent back since), their cost, cause and rule."""
    finished = (
        Fault.repaired_at >= start_utc,
        Fault.repaired_at < end_utc,
        Fault.status.in_(FINISHED),
    )
    causes, count, total_cost = [], 0, Decimal("0.00")
    # Every cause's rule, whichever causes occur: the same queries for every report.
    rules = {cause: settings.cause_rule(cause) for cause in Cause}
    query = scope.faults(
        sa.select(Fault.cause, sa.func.count(), sa.func.sum(Fault.cost)).where(*finished)
    ).group_by(Fault.cause)
    for cause, repairs, cost in sorted(
        db.session.execute(query), key=lambda row: _cause_order(row[0])
    ):
        cost = Decimal(cost or 0).quantize(Decimal("0.01"))
        causes.append(CauseRow(cause, repairs, cost, rules.get(cause, "")))
        count += repairs
        total_cost += cost
    rows = db.session.scalars(
        scope.faults(sa.select(Fault).where(*finished))
        .options(
            so.joinedload(Fault.asset).joinedload(Asset.place),
            so.joinedload(Fault.repaired_by),
            so.joinedload(Fault.accepted_by),
            so.joinedload(Fault.repair_signature),
            so.joinedload(Fault.acceptance_signature),
        )
        .order_by(Fault.repaired_at, Fault.id)
        .limit(MAX_LISTED)
    ).all()
    signature_ids = [
        i for f in rows for i in (f.repair_signature_id, f.acceptance_signature_id) if i
    ]
    drawn = set()
    if signature_ids:
        drawn = set(
            db.session.scalars(
                sa.select(Signature.id).where(
                    Signature.id.in_(signature_ids), Signature.image.is_not(None)
                )
            )
        )
    return Limited(list(rows), count), causes, total_cost, drawn


def _cause_order(cause: Cause | None) -> int:
    return list(Cause).index(cause) if cause else len(Cause)


def signature_images(ids: list[int]) -> dict[int, bytes]:
    """The drawn signatures a report shows, in one query, for the PDF."""
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Signature.id, Signature.image).where(Signature.id.in_(ids))
        ).all()
    )

