"""Counting a stocktake (盘点): starting one, what each scanned code means, moving what was
found elsewhere, and the signed close that freezes the result.

Rules, as the people counting meet them:
- A stocktake covers a place and everything inside it, or the whole school. Two open
  stocktakes never cover the same place, so a scan is never counted twice over; starts wait
  for each other, so two admins starting at once cannot both pass that check.
- The expected things are the assets the register has in the scope, retired ones aside.
- Each thing is counted once per stocktake, however many phones scan it and however often:
  the database keeps (stocktake, asset) and (stocktake, code) unique, and the second scan is
  told who counted it and when.
- The counter says where they are counting (the stocktake's place, or a room inside it). An
  asset the register has outside that place is "found here, but registered in …"; the
  logistics head may move it in the register there, and the move is part of the record.
- A well-formed code that leads to no asset (never issued, a blank label, a replaced label)
  is listed as unknown. A place's label switches where one is counting.
- Every scan and the close first touch the stocktake's row in one statement that also checks
  it is still open: scans and the close wait for each other, and nothing is counted after the
  close, on SQLite and PostgreSQL alike.
- Closing writes the result as lines with names and places as they are at that moment, and
  a closed stocktake is never changed again.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_time
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.core.place_tree import PlaceTree
from app.core.sent_forms import SentForm
from app.core.signatures import SignatureError, make_signature
from app.extensions import db
from app.models import (
    Asset,
    AssetStatus,
    Finding,
    Place,
    ScanCode,
    Stocktake,
    StocktakeLine,
    StocktakeMove,
    StocktakeScan,
    StocktakeStatus,
    UnknownCode,
)
from app.models.code import CODE_LENGTH, is_well_formed, normalize_code
from app.models.common import utcnow
from app.register.assets import move_asset

# A code is 6 characters; a scanner may hand over the label's whole address.
MAX_TYPED = 200
MAX_NOTE = 2000


class StocktakeError(Exception):
    """Why something was refused, in words the person can act on."""

    def __init__(self, message, field_name: str = "code"):
        super().__init__(message)
        self.message = message
        self.field = field_name


class AlreadyClosed(StocktakeError):
    """The stocktake was closed (by this person a moment ago, or by someone else)."""


class AlreadyDone(StocktakeError):
    """Nothing more to do: a second tap, or a second phone, got there first."""


# Starting


def frozen_path(tree: PlaceTree, place: Place) -> tuple[str, str]:
    """The place's path in Chinese and in English, as written now, for a record."""
    return (
        tree.path(place, name=lambda p: p.name),
        tree.path(place, name=lambda p: p.name_en or p.name),
    )


def open_stocktakes() -> list[Stocktake]:
    return list(
        db.session.scalars(
            sa.select(Stocktake)
            .where(Stocktake.status == StocktakeStatus.OPEN)
            .order_by(Stocktake.started_at, Stocktake.id)
        )
    )


# Built once per limit: every scan page asks, and there is seldom one open.
@functools.cache
def _covering_query(limit: int):
    return (
        sa.select(Stocktake)
        .where(
            Stocktake.status == StocktakeStatus.OPEN,
            sa.or_(
                Stocktake.place_id.is_(None),
                Stocktake.place_id.in_(sa.bindparam("chain", expanding=True)),
            ),
        )
        .order_by(Stocktake.started_at, Stocktake.id)
        .limit(limit)
    )


def stocktakes_covering(place: Place, limit: int = 5) -> list[Stocktake]:
    """The open stocktakes whose scope holds the place: the whole school's, or one of a place
    on its parent chain. Only these may count an asset from its plate; a slide on the
    playground is never offered a classroom's stocktake. The chain must already be loaded
    (app.core.place_tree.load_ancestors)."""
    chain = [p.id for p in [*place.ancestors(), place]]
    return list(db.session.scalars(_covering_query(limit), {"chain": chain}))


def overlapping(tree: PlaceTree, place: Place | None) -> Stocktake | None:
    """An open stocktake that covers some of the same places."""
    for other in open_stocktakes():
        if place is None or other.place_id is None:
            return other
        if place.id in tree.subtree_ids(other.place) or other.place_id in tree.subtree_ids(place):
            return other
    return None


def start_stocktake(place: Place | None, by, client_id: str) -> Stocktake:
    """Open a stocktake of the place (None: the whole school); a repeated form opens nothing,
    and its client id sent by someone else or for another place is refused (app.core.sent_forms)."""
    _take_start_turn()

    def make() -> Stocktake:
        tree = PlaceTree.load()
        clash = overlapping(tree, place)
        if clash is not None:
            raise StocktakeError(
                _l(
                    "A stocktake of %(scope)s is already open. Count in it, or close it first.",
                    scope=clash.scope_title,
                ),
                "place",
            )
        name, name_en = frozen_path(tree, place) if place is not None else ("", "")
        stocktake = Stocktake(
            client_id=client_id, place=place, scope_name=name, scope_name_en=name_en,
            started_by=by,
        )
        db.session.add(stocktake)
        return stocktake

    stocktake, _ = _sent_start(client_id, place, by).record(make)
    return stocktake


def _take_start_turn() -> None:
    """Starts wait for each other, so two overlapping stocktakes cannot both pass the check.

    Every stocktake covers a top place or all of them, so each start first takes the rows of
    the school's top places with a write that changes nothing: PostgreSQL locks those rows
    and SQLite its database, until the start commits or rolls back.
    """
    db.session.execute(
        sa.update(Place)
        .where(Place.parent_id.is_(None))
        .values(position=Place.position)
        .execution_options(synchronize_session=False)
    )


def _sent_start(client_id: str, place: Place | None, by) -> SentForm:
    return SentForm(
        Stocktake,
        client_id,
        started_by_id=by.id,
        place_id=place.id if place is not None else None,
    )


# Scope


def scope_ids(stocktake: Stocktake, tree: PlaceTree) -> set[int] | None:
    """The places the stocktake covers; None for the whole school."""
    if stocktake.place_id is None:
        return None
    return tree.subtree_ids(tree.by_id[stocktake.place_id])


def counting_place(stocktake: Stocktake, tree: PlaceTree, place_id: int | None) -> Place | None:
    """Where the counter says they are: a place inside the stocktake, or its own place."""
    if place_id is None:
        return tree.by_id.get(stocktake.place_id) if stocktake.place_id else None
    place = tree.by_id.get(place_id)
    scope = scope_ids(stocktake, tree)
    if place is None or (scope is not None and place.id not in scope):
        raise StocktakeError(_l("Choose a place inside this stocktake."), "place")
    return place


class _Subtrees:
    """Which places lie inside a counted place, worked out once per place."""

    def __init__(self, tree: PlaceTree):
        self.tree = tree
        self._ids: dict[int, set[int]] = {}

    def elsewhere(self, registered_place_id: int, counted_place_id: int | None) -> bool:
        """The register has the asset outside the place it was counted in."""
        if counted_place_id is None or counted_place_id not in self.tree.by_id:
            return False
        if counted_place_id not in self._ids:
            self._ids[counted_place_id] = self.tree.subtree_ids(self.tree.by_id[counted_place_id])
        return registered_place_id not in self._ids[counted_place_id]


# Counting


@dataclass
class Counted:
    """What one scan did, said the way the counter reads it."""

    result: str  # counted, wrong_place, already, unknown, place
    message: str
    scan: StocktakeScan | None = None
    place: Place | None = None  # for a place's label: where counting goes on now


def code_from_scan(typed: str) -> str:
    """The code in what was typed or scanned: a bare code, or a label's whole address."""
    text = typed.strip()
    if "/q/" in text:
        text = text.rsplit("/q/", 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    return normalize_code(text)


def count_code(
    stocktake: Stocktake, typed: str, place: Place | None, by, tree: PlaceTree | None = None
) -> Counted:
    """Count what the code is on, once; StocktakeError says why nothing was counted."""
    if not typed.strip():
        raise StocktakeError(_l("Type or scan a code."))
    if len(typed) > MAX_TYPED:
        raise StocktakeError(_l("That is too long for a code: a code has %(length)s letters "
                                "and digits.", length=CODE_LENGTH))
    code = code_from_scan(typed)
    if not is_well_formed(code):
        raise StocktakeError(
            _l(
                "“%(typed)s” is not a Patrol code: a code has %(length)s letters and digits, "
                "and never uses 0, O, 1, I or L.",
                typed=typed.strip(),
                length=CODE_LENGTH,
            )
        )
    if not stocktake.is_open:
        raise AlreadyClosed(_l("This stocktake is closed: nothing more can be counted."))
    scan_code = db.session.scalar(
        sa.select(ScanCode)
        .where(ScanCode.value == code)
        .options(so.joinedload(ScanCode.asset), so.joinedload(ScanCode.place))
    )
    tree = tree or PlaceTree.load()
    if scan_code is not None and scan_code.place is not None and not scan_code.is_replaced:
        return _place_label(stocktake, scan_code.place, tree)

    asset = scan_code.asset if scan_code is not None and not scan_code.is_replaced else None
    unknown = None
    if asset is None:
        if scan_code is None:
            unknown = UnknownCode.NOT_ISSUED
        elif scan_code.is_replaced:
            unknown = UnknownCode.REPLACED
        else:
            unknown = UnknownCode.BLANK
    earlier = _earlier_scan(stocktake, asset, code)
    if earlier is not None:
        return _already(earlier)

    _touch_open(stocktake)
    scan = StocktakeScan(
        stocktake_id=stocktake.id,
        code=code,
        asset=asset,
        unknown=unknown,
        place=place,
        counted_by=by,
        counted_at=utcnow(),
    )
    db.session.add(scan)
    try:
        db.session.commit()
    except IntegrityError:
        # Another phone counted the same thing a moment ago: that scan is the one kept.
        db.session.rollback()
        earlier = _earlier_scan(stocktake, asset, code)
        if earlier is None:
            raise
        return _already(earlier)
    return _counted(scan, scan_code, tree)


def _touch_open(stocktake: Stocktake) -> None:
    """Take the stocktake's row for this transaction, refusing if it was closed meanwhile."""
    touched = db.session.execute(
        sa.update(Stocktake)
        .where(Stocktake.id == stocktake.id, Stocktake.status == StocktakeStatus.OPEN)
        .values(last_scan_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not touched:
        db.session.rollback()
        raise AlreadyClosed(_l("This stocktake is closed: nothing more can be counted."))


def _earlier_scan(stocktake: Stocktake, asset: Asset | None, code: str) -> StocktakeScan | None:
    same = StocktakeScan.code == code
    if asset is not None:
        same = sa.or_(same, StocktakeScan.asset_id == asset.id)
    return db.session.scalar(
        sa.select(StocktakeScan)
        .where(StocktakeScan.stocktake_id == stocktake.id, same)
        .options(so.joinedload(StocktakeScan.asset), so.joinedload(StocktakeScan.counted_by))
        .order_by(StocktakeScan.id)
        .limit(1)
    )


def _already(earlier: StocktakeScan) -> Counted:
    when = format_time(earlier.counted_at, "HH:mm")
    who = earlier.counted_by.display_name
    if earlier.asset is not None:
        message = _l(
            "Already counted: %(asset)s (%(code)s), by %(name)s at %(time)s.",
            asset=earlier.asset.title, code=earlier.code, name=who, time=when,
        )
    else:
        message = _l(
            "Already listed: code %(code)s, by %(name)s at %(time)s.",
            code=earlier.code, name=who, time=when,
        )
    return Counted("already", str(message), earlier)


def _place_label(stocktake: Stocktake, place: Place, tree: PlaceTree) -> Counted:
    scope = scope_ids(stocktake, tree)
    if scope is not None and place.id not in scope:
        raise StocktakeError(
            _l(
                "That is the label of %(place)s, which this stocktake does not cover.",
                place=tree.path(place),
            )
        )
    return Counted(
        "place",
        str(_l("That is the label of %(place)s: you are now counting there.",
               place=tree.path(place))),
        place=place,
    )


def _counted(scan: StocktakeScan, scan_code: ScanCode | None, tree: PlaceTree) -> Counted:
    if scan.asset is None:
        messages = {
            UnknownCode.NOT_ISSUED: _l(
                "Code %(code)s is not in the register: listed as unknown.", code=scan.code
            ),
            UnknownCode.BLANK: _l(
                "Code %(code)s is a blank label that was never stuck on anything: listed as "
                "unknown.",
                code=scan.code,
            ),
            UnknownCode.REPLACED: _l(
                "Code %(code)s is an old label, replaced by %(new)s: listed as unknown.",
                code=scan.code,
                new=scan_code.replaced_by.value if scan_code and scan_code.replaced_by else "—",
            ),
        }
        return Counted("unknown", str(messages[scan.unknown]), scan)
    asset = scan.asset
    if _Subtrees(tree).elsewhere(asset.place_id, scan.place_id):
        return Counted(
            "wrong_place",
            str(_l("%(asset)s: found here, but registered in %(place)s.",
                   asset=asset.title, place=tree.path(tree.by_id[asset.place_id]))),
            scan,
        )
    if asset.status == AssetStatus.RETIRED:
        return Counted(
            "counted",
            str(_l("Counted: %(asset)s. The register has it as retired.", asset=asset.title)),
            scan,
        )
    return Counted("counted", str(_l("Counted: %(asset)s.", asset=asset.title)), scan)


def move_found_asset(stocktake: Stocktake, scan: StocktakeScan, by) -> StocktakeMove:
    """The register now has the asset where it was counted; the move is kept with the stocktake."""
    if scan.asset is None:
        raise StocktakeError(_l("Only an asset can be moved."))
    if scan.place is None:
        raise StocktakeError(_l("It was counted without a place: there is nowhere to move it."))
    tree = PlaceTree.load()
    if not _Subtrees(tree).elsewhere(scan.asset.place_id, scan.place_id):
        raise AlreadyDone(
            _l("%(asset)s is already registered in %(place)s.",
               asset=scan.asset.title, place=tree.path(tree.by_id[scan.asset.place_id]))
        )
    _touch_open(stocktake)
    move = StocktakeMove(
        stocktake_id=stocktake.id,
        asset=scan.asset,
        from_place_id=scan.asset.place_id,
        to_place=scan.place,
        moved_by=by,
        moved_at=utcnow(),
    )
    db.session.add(move)
    move_asset(scan.asset, scan.place)
    db.session.commit()
    return move


# What stands now, and the close


@dataclass(frozen=True)
class _Expected:
    id: int
    place_id: int
    name: str


@dataclass(frozen=True)
class _Scanned:
    id: int
    asset_id: int | None
    place_id: int | None  # where it was counted
    asset_place_id: int | None  # where the register has it


@dataclass
class Tally:
    """Where a stocktake stands, as ids in display order; pages load only what they show."""

    expected: int = 0
    found: int = 0
    missing: list[int] = field(default_factory=list)  # asset ids, in walking order
    wrong_place: list[int] = field(default_factory=list)  # scan ids
    moved: list[int] = field(default_factory=list)  # scan ids
    unknown: int = 0
    scanned: int = 0


def tally(stocktake: Stocktake, tree: PlaceTree | None = None) -> Tally:
    """Found, missing, wrong place and moved, in a fixed number of light queries."""
    tree = tree or PlaceTree.load()
    expected = _expected(stocktake, tree)
    scans = _findings(stocktake, tree)
    result = Tally(
        expected=len(expected),
        wrong_place=scans.wrong_place,
        moved=scans.moved,
        unknown=scans.unknown,
        scanned=scans.scanned,
    )
    result.found = sum(1 for asset in expected if asset.id in scans.counted)
    result.missing = [asset.id for asset in expected if asset.id not in scans.counted]
    return result


@dataclass(frozen=True)
class ScanCounts:
    """The figures over the live page's lists, for the answer to each scan."""

    found: int
    expected: int
    missing: int
    elsewhere: int
    unknown: int


def scan_counts(stocktake: Stocktake, tree: PlaceTree) -> ScanCounts:
    """What tally() counts, without loading and ordering every expected asset."""
    in_use = Asset.status != AssetStatus.RETIRED
    scope = scope_ids(stocktake, tree)
    if scope is not None:
        in_use = sa.and_(in_use, Asset.place_id.in_(scope))
    expected = db.session.scalar(sa.select(sa.func.count(Asset.id)).where(in_use))
    found = db.session.scalar(
        sa.select(sa.func.count(StocktakeScan.id))
        .join(Asset, Asset.id == StocktakeScan.asset_id)
        .where(StocktakeScan.stocktake_id == stocktake.id, in_use)
    )
    scans = _findings(stocktake, tree)
    return ScanCounts(
        found=found,
        expected=expected,
        missing=expected - found,
        elsewhere=len(scans.wrong_place) + len(scans.moved),
        unknown=scans.unknown,
    )


@dataclass
class _Findings:
    counted: set[int] = field(default_factory=set)  # asset ids
    wrong_place: list[int] = field(default_factory=list)  # scan ids
    moved: list[int] = field(default_factory=list)  # scan ids
    unknown: int = 0
    scanned: int = 0


def _findings(stocktake: Stocktake, tree: PlaceTree) -> _Findings:
    """Each scan sorted into counted, moved, in the wrong place or unknown."""
    scans = _scanned(stocktake)
    moved_assets = set(
        db.session.scalars(
            sa.select(StocktakeMove.asset_id).where(StocktakeMove.stocktake_id == stocktake.id)
        )
    )
    subtrees = _Subtrees(tree)
    result = _Findings(scanned=len(scans))
    for scan in scans:
        if scan.asset_id is None:
            result.unknown += 1
            continue
        result.counted.add(scan.asset_id)
        if scan.asset_id in moved_assets:
            result.moved.append(scan.id)
        elif subtrees.elsewhere(scan.asset_place_id, scan.place_id):
            result.wrong_place.append(scan.id)
    return result


def _expected(stocktake: Stocktake, tree: PlaceTree) -> list[_Expected]:
    """The assets the register has in the scope, retired aside, in walking order."""
    query = sa.select(Asset.id, Asset.place_id, Asset.name).where(
        Asset.status != AssetStatus.RETIRED
    )
    scope = scope_ids(stocktake, tree)
    if scope is not None:
        query = query.where(Asset.place_id.in_(scope))
    rows = [_Expected(*row) for row in db.session.execute(query)]
    rows.sort(key=lambda row: tree.walking_key(row.place_id, row.name, row.id))
    return rows


def _scanned(stocktake: Stocktake) -> list[_Scanned]:
    rows = db.session.execute(
        sa.select(
            StocktakeScan.id, StocktakeScan.asset_id, StocktakeScan.place_id, Asset.place_id
        )
        .outerjoin(Asset, Asset.id == StocktakeScan.asset_id)
        .where(StocktakeScan.stocktake_id == stocktake.id)
        .order_by(StocktakeScan.id)
    )
    return [_Scanned(*row) for row in rows]


def close_stocktake(stocktake: Stocktake, by, drawn: str = "", typed: str = "", note: str = ""):
    """Sign and close: the result is written as lines, and the stocktake is final."""
    if not stocktake.is_open:
        raise AlreadyClosed(_l("This stocktake is already closed. Nothing was changed."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise StocktakeError(_l("At most %(count)s characters.", count=MAX_NOTE), "note")
    try:
        signature = make_signature(by, drawn, typed)
    except SignatureError as error:
        raise StocktakeError(error.message, "signature") from None
    now = utcnow()
    signature.signed_at = now
    db.session.add(signature)
    db.session.flush()
    closed = db.session.execute(
        sa.update(Stocktake)
        .where(Stocktake.id == stocktake.id, Stocktake.status == StocktakeStatus.OPEN)
        .values(
            status=StocktakeStatus.CLOSED,
            closed_at=now,
            closed_by_id=by.id,
            signature_id=signature.id,
            note=note,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not closed:
        db.session.rollback()
        raise AlreadyClosed(_l("This stocktake is already closed. Nothing was changed."))
    lines, expected, found = result_lines(stocktake)
    if lines:
        db.session.execute(sa.insert(StocktakeLine), lines)
    # The same transaction as the close: the counts are part of what was signed.
    db.session.execute(
        sa.update(Stocktake)
        .where(Stocktake.id == stocktake.id)
        .values(expected_count=expected, found_count=found)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire(stocktake)


def result_lines(stocktake: Stocktake) -> tuple[list[dict], int, int]:
    """Every scan and every expected asset not found, as rows for StocktakeLine, named as
    things are now; with how many assets were expected and how many of them were found."""
    tree = PlaceTree.load()
    expected = _expected(stocktake, tree)
    scans = db.session.scalars(
        sa.select(StocktakeScan)
        .where(StocktakeScan.stocktake_id == stocktake.id)
        .options(so.joinedload(StocktakeScan.counted_by))
        .order_by(StocktakeScan.id)
    ).all()
    first_moves = {}
    for move in db.session.scalars(
        sa.select(StocktakeMove)
        .where(StocktakeMove.stocktake_id == stocktake.id)
        .order_by(StocktakeMove.id)
    ):
        first_moves.setdefault(move.asset_id, move)
    asset_ids = {row.id for row in expected} | {s.asset_id for s in scans if s.asset_id}
    assets = _assets_by_id(asset_ids)
    subtrees = _Subtrees(tree)
    paths = {}

    def path(place_id):
        if place_id not in paths:
            place = tree.by_id.get(place_id)
            paths[place_id] = frozen_path(tree, place) if place is not None else ("", "")
        return paths[place_id]

    lines = []
    counted = set()
    for scan in scans:
        line = {
            "stocktake_id": stocktake.id,
            "code": scan.code,
            "counted_by_name": scan.counted_by.display_name,
            "counted_at": scan.counted_at,
            "counted_place": path(scan.place_id)[0],
            "counted_place_en": path(scan.place_id)[1],
            "unknown": None,
            "asset_id": scan.asset_id,
            "name": "",
            "name_en": None,
            "asset_number": None,
            "registered_place": "",
            "registered_place_en": "",
        }
        if scan.asset_id is None:
            line.update(finding=Finding.UNKNOWN, unknown=scan.unknown)
            lines.append(line)
            continue
        counted.add(scan.asset_id)
        asset = assets[scan.asset_id]
        move = first_moves.get(scan.asset_id)
        registered = move.from_place_id if move is not None else asset.place_id
        if move is not None:
            finding = Finding.MOVED
        elif subtrees.elsewhere(asset.place_id, scan.place_id):
            finding = Finding.WRONG_PLACE
        else:
            finding = Finding.FOUND
        line.update(_asset_columns(asset), finding=finding)
        line["registered_place"], line["registered_place_en"] = path(registered)
        lines.append(line)
    found = 0
    for row in expected:
        if row.id in counted:
            found += 1
            continue
        asset = assets[row.id]
        registered = path(asset.place_id)
        lines.append(
            {
                "stocktake_id": stocktake.id,
                "finding": Finding.MISSING,
                "code": asset.code,
                "asset_id": asset.id,
                "unknown": None,
                **_asset_columns(asset),
                "registered_place": registered[0],
                "registered_place_en": registered[1],
                "counted_place": "",
                "counted_place_en": "",
                "counted_by_name": "",
                "counted_at": None,
            }
        )
    return lines, len(expected), found


def _assets_by_id(ids: Iterable[int]) -> dict:
    ids = list(ids)
    found = {}
    # Chunks keep the IN list well inside every driver's limit on a big school.
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        for row in db.session.execute(
            sa.select(
                Asset.id, Asset.code, Asset.name, Asset.name_en, Asset.asset_number,
                Asset.place_id,
            ).where(Asset.id.in_(chunk))
        ):
            found[row.id] = row
    return found


def _asset_columns(asset) -> dict:
    return {"name": asset.name, "name_en": asset.name_en, "asset_number": asset.asset_number}


def finding_counts(stocktake_ids: list[int]) -> dict[int, dict[Finding, int]]:
    """For closed stocktakes: how many lines of each finding, in one query."""
    counts: dict[int, dict[Finding, int]] = {}
    if not stocktake_ids:
        return counts
    rows = db.session.execute(
        sa.select(StocktakeLine.stocktake_id, StocktakeLine.finding, sa.func.count())
        .where(StocktakeLine.stocktake_id.in_(stocktake_ids))
        .group_by(StocktakeLine.stocktake_id, StocktakeLine.finding)
    )
    for stocktake_id, finding, count in rows:
        counts.setdefault(stocktake_id, {})[finding] = count
    return counts
