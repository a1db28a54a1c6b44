"""CSV import and export of the asset register, shared by the web page and the CLI.

An import is all or nothing: every row is checked first, every problem is reported with
its line number, and only a clean file touches the database, in one short transaction of
bulk statements. A row with the code of an existing asset updates that asset, so importing
an export again changes nothing; an empty code gets a fresh one; a blank label's code is
claimed.
"""

import csv
import functools
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.core.csv_writing import csv_text, undefuse
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.models import Asset, AssetKind, AssetStatus, Place, ScanCode
from app.models.asset import retirement_date
from app.models.code import is_well_formed, normalize_code, unused_code_values
from app.models.common import utcnow
from app.register.assets import MAX_LENGTHS, belongs_elsewhere, codes_of_other_schools

COLUMNS = ("code", "name", "name_en", "kind", "place", "asset_number", "status", "notes")
REQUIRED_COLUMNS = ("name", "kind", "place")
# Sheets made by hand in China often carry Chinese headings.
HEADING_ALIASES = {
    "编码": "code",
    "二维码编码": "code",
    "名称": "name",
    "英文名称": "name_en",
    "类别": "kind",
    "种类": "kind",
    "位置": "place",
    "地点": "place",
    "校产编号": "asset_number",
    "状态": "status",
    "备注": "notes",
}
STATUS_SYNONYMS = {
    "在用": AssetStatus.IN_SERVICE,
    "使用中": AssetStatus.IN_SERVICE,
    "停用": AssetStatus.OUT_OF_SERVICE,
    "报废": AssetStatus.RETIRED,
    "已报废": AssetStatus.RETIRED,
}
PATH_SEPARATORS = ("›", ">", "/")
CODE_QUERY_CHUNK = 500
PLACES_PER_QUERY = 50


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str

    def describe(self) -> str:
        if self.line is None:
            return str(self.message)
        return str(_l("Line %(line)s: %(problem)s", line=self.line, problem=self.message))


class ImportRefused(Exception):
    """The file cannot be imported; nothing was changed."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(problems, key=lambda p: (p.line or 0))


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def describe(self) -> str:
        return str(
            _l(
                "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                created=self.created,
                updated=self.updated,
                unchanged=self.unchanged,
            )
        )


@dataclass
class _Row:
    line: int
    values: dict = field(default_factory=dict)
    code: str = ""
    asset: Asset | None = None
    blank: ScanCode | None = None


def import_assets(data: bytes) -> ImportSummary:
    """Check the whole file and work out every change, then write them in one transaction.

    Everything is read and checked before the first write, and the writes are a few bulk
    statements: on SQLite the first INSERT or UPDATE takes the database's one write lock,
    and every inspection sent meanwhile waits for the commit.
    """
    header_line, header, records = _parse(_decode(data))
    columns = _columns(header_line, header)
    # Nothing may be flushed (and so written) while checking: it would take the lock early.
    with db.session.no_autoflush:
        rows, problems = _check_rows(columns, records)
        problems += _check_duplicates(rows)
        if problems:
            raise ImportRefused(problems)
        changes = _changes(rows)
    try:
        _write(changes)
        db.session.commit()
    except (IntegrityError, _RegisterChanged):
        db.session.rollback()
        raise ImportRefused(
            [Problem(None, _l("The register changed while importing. Please try again."))]
        ) from None
    return changes.summary


def export_assets() -> bytes:
    """The whole register, retired assets included, in walking order; UTF-8 with a BOM."""
    return "".join(csv_text(register_rows())).encode("utf-8")


def register_rows(place_ids: set[int] | None = None) -> Iterator[tuple]:
    """The header, then each asset (those in place_ids only, if given), in walking order.

    Assets are read a few places at a time, so a large register is never all in memory.
    """
    tree = PlaceTree.load()
    places = _PlaceLookup(tree)
    kinds = _KindLookup(db.session.scalars(sa.select(AssetKind)).all())
    walk = [place for place, _ in tree.walk() if place_ids is None or place.id in place_ids]
    yield COLUMNS
    for start in range(0, len(walk), PLACES_PER_QUERY):
        chunk = walk[start:start + PLACES_PER_QUERY]
        chunk_ids = [place.id for place in chunk]
        assets = db.session.scalars(sa.select(Asset).where(Asset.place_id.in_(chunk_ids))).all()
        for asset in tree.in_walking_order(assets):
            yield (
                asset.code,
                asset.name,
                asset.name_en or "",
                kinds.label(kinds.by_id[asset.kind_id]),
                places.label(tree.by_id[asset.place_id]),
                asset.asset_number or "",
                asset.status.value,
                asset.notes,
            )


def _decode(data: bytes) -> str:
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportRefused([Problem(None, _l("The file is empty."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in China saves "CSV" in the system code page, GB18030 (a superset of GBK).
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
    if text is None or "\x00" in text:
        raise ImportRefused(
            [Problem(None, _l("This is not a CSV text file (UTF-8 or GB18030)."))]
        )
    return text


def _parse(text: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty records, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused(
            [Problem(line, _l("This line is not valid CSV (%(error)s).", error=str(error)))]
        ) from None
    if not records:
        raise ImportRefused([Problem(None, _l("The file is empty."))])
    (header_line, header), *rows = records
    if not rows:
        raise ImportRefused([Problem(None, _l("The file has a header but no assets."))])
    return header_line, header, rows


def _columns(line: int, header: list[str]) -> list[str]:
    """The column names in file order, or every problem with the header."""
    problems = []
    columns = []
    for heading in header:
        text = heading.strip()
        column = HEADING_ALIASES.get(text, text.lower())
        if column not in COLUMNS:
            problems.append(Problem(line, _l("Unknown column “%(column)s”.", column=text)))
        elif column in columns:
            problems.append(Problem(line, _l("Column “%(column)s” appears twice.", column=text)))
        columns.append(column)
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.append(Problem(line, _l("Column “%(column)s” is missing.", column=column)))
    if problems:
        problems.append(
            Problem(line, _l("The columns are: %(columns)s.", columns=", ".join(COLUMNS)))
        )
        raise ImportRefused(problems)
    return columns


def _check_rows(columns, records):
    # A large file names a few hundred places and kinds again and again: each text is
    # looked up once.
    find_kind = functools.cache(_KindLookup(db.session.scalars(sa.select(AssetKind)).all()).find)
    find_place = functools.cache(_PlaceLookup(PlaceTree.load()).find)
    statuses = _status_words()
    codes, elsewhere = _known_codes(records, columns)
    rows, problems = [], []
    for line, cells in records:
        row_problems = []

        def problem(message, line=line, found=row_problems):
            found.append(Problem(line, message))

        if len(cells) < len(columns):
            problem(
                _l(
                    "%(found)s values where the header has %(expected)s columns.",
                    found=len(cells),
                    expected=len(columns),
                )
            )
            problems += row_problems
            continue
        if any(cell.strip() for cell in cells[len(columns):]):
            problem(_l("More values than the header has columns."))
        cell = {
            column: undefuse(value.strip())
            for column, value in zip(columns, cells[: len(columns)], strict=True)
        }
        row = _Row(line)

        for column in ("name", "kind", "place"):
            if not cell[column]:
                problem(_l("“%(column)s” is empty.", column=column))
        for column, limit in MAX_LENGTHS.items():
            if len(cell.get(column, "")) > limit:
                problem(
                    _l(
                        "“%(column)s” is longer than %(limit)s characters.",
                        column=column,
                        limit=limit,
                    )
                )
        if cell["kind"]:
            kind, message = find_kind(cell["kind"])
            if kind is None:
                problem(message)
            else:
                row.values["kind_id"] = kind.id
        if cell["place"]:
            place, message = find_place(cell["place"])
            if place is None:
                problem(message)
            else:
                row.values["place_id"] = place.id
        row.values["name"] = cell["name"]
        if "name_en" in cell:
            row.values["name_en"] = cell["name_en"] or None
        if "asset_number" in cell:
            row.values["asset_number"] = cell["asset_number"] or None
        if "notes" in cell:
            row.values["notes"] = cell["notes"]
        if cell.get("status"):
            status = statuses.get(_word(cell["status"]))
            if status is None:
                problem(_l("Unknown status “%(status)s”.", status=cell["status"]))
            else:
                row.values["status"] = status
        if cell.get("code"):
            message = _resolve_code(row, cell["code"], codes, elsewhere)
            if message:
                problem(message)

        problems += row_problems
        if not row_problems:
            rows.append(row)
    return rows, problems


def _resolve_code(row: _Row, typed: str, codes: dict[str, ScanCode], elsewhere: set[str]):
    """Point the row at the asset its code names, or the blank code it claims; or say why not."""
    code = normalize_code(typed)
    row.code = code
    if not is_well_formed(code):
        return _l("“%(code)s” is not a Patrol code.", code=typed)
    if code in elsewhere:
        return belongs_elsewhere(code)
    scan_code = codes.get(code)
    if scan_code is None:
        return None
    if scan_code.is_replaced:
        return _l("Code %(code)s was replaced and can no longer be used.", code=code)
    if scan_code.place_id is not None:
        return _l("Code %(code)s belongs to a place, not an asset.", code=code)
    if scan_code.is_blank:
        row.blank = scan_code
    else:
        row.asset = scan_code.asset
    return None


def _check_duplicates(rows: list[_Row]) -> list[Problem]:
    """A code or 校产编号 used twice in the file, or already used by an asset the file keeps."""
    problems = []
    first_line_of_code = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in first_line_of_code:
            problems.append(
                Problem(
                    row.line,
                    _l(
                        "Code %(code)s is also on line %(other)s.",
                        code=row.code,
                        other=first_line_of_code[row.code],
                    ),
                )
            )
        else:
            first_line_of_code[row.code] = row.line

    updated_ids = {row.asset.id for row in rows if row.asset is not None}
    held_elsewhere = dict(
        db.session.execute(
            sa.select(Asset.asset_number, Asset.code).where(
                Asset.asset_number.is_not(None), Asset.id.not_in(updated_ids)
            )
        ).all()
    )
    first_line_of_number = {}
    for row in rows:
        number = row.values.get("asset_number")
        if number is None and row.asset is not None and "asset_number" not in row.values:
            number = row.asset.asset_number
        if not number:
            continue
        if number in first_line_of_number:
            message = _l(
                "Asset number %(number)s is also on line %(other)s.",
                number=number,
                other=first_line_of_number[number],
            )
        elif number in held_elsewhere:
            message = _l(
                "Asset number %(number)s already belongs to asset %(code)s.",
                number=number,
                code=held_elsewhere[number],
            )
        else:
            first_line_of_number[number] = row.line
            continue
        problems.append(Problem(row.line, message))
    return problems


@dataclass
class _Changes:
    """Every row the import writes, worked out before the write transaction begins."""

    summary: ImportSummary
    # Asset numbers that move are cleared first: two assets may swap theirs in one file.
    cleared_numbers: list[dict]
    updates: list[dict]
    new_assets: list[dict]
    # Blank labels the file claims: code → the blank ScanCode's id.
    claimed: dict[str, int]


class _RegisterChanged(Exception):
    """What was checked changed before it was written (a blank label was claimed meanwhile)."""


def _changes(rows: list[_Row]) -> _Changes:
    """What the checked rows change: only what differs is updated; a new asset without a
    code gets a fresh one, unlike any issued or named in the file."""
    summary = ImportSummary()
    now = utcnow()
    cleared_numbers, updates = [], []
    for row in rows:
        if row.asset is None:
            continue
        changed = {k: v for k, v in row.values.items() if getattr(row.asset, k) != v}
        if not changed:
            summary.unchanged += 1
            continue
        summary.updated += 1
        if "asset_number" in changed and row.asset.asset_number is not None:
            cleared_numbers.append({"id": row.asset.id, "asset_number": None})
        if "status" in changed:
            changed["retired_at"] = retirement_date(
                changed["status"], row.asset.status, row.asset.retired_at
            )
        updates.append({"id": row.asset.id, **changed, "updated_at": now})
    # The bulk UPDATE runs one executemany per set of columns: keep each set together.
    updates.sort(key=sorted)

    new_rows = [row for row in rows if row.asset is None]
    reserved = {row.code for row in rows if row.code}
    fresh = iter(unused_code_values(sum(1 for r in new_rows if not r.code), reserved))
    new_assets, claimed = [], {}
    for row in new_rows:
        status = row.values.get("status", AssetStatus.IN_SERVICE)
        new_assets.append(
            {
                "code": row.code or next(fresh),
                "name_en": None,
                "asset_number": None,
                "notes": "",
                **row.values,
                "status": status,
                "retired_at": retirement_date(status, None, None),
                "created_at": now,
                "updated_at": now,
            }
        )
        if row.blank is not None:
            claimed[row.code] = row.blank.id
        summary.created += 1
    return _Changes(summary, cleared_numbers, updates, new_assets, claimed)


def _write(changes: _Changes) -> None:
    """The import's few bulk statements; every new asset's code gets its ScanCode row.

    The new assets go first into a temporary table of this connection: on SQLite that takes
    no lock on the database, so the slow part (a statement's parameters, row by row) is done
    before the write lock, and the assets are then copied in one statement inside SQLite.
    """
    assets, scan_codes = Asset.__table__, ScanCode.__table__
    staged = _staged_assets(changes.new_assets)
    for batch in (changes.cleared_numbers, changes.updates):
        if batch:
            db.session.execute(sa.update(Asset), batch)
    if staged is None:
        return
    columns = [column.name for column in staged.columns]
    db.session.execute(sa.insert(assets).from_select(columns, sa.select(*staged.columns)))
    # A code typed in the file or drawn fresh becomes a ScanCode inside the database, for
    # every asset just made whose code has none yet (a claimed blank label has its own).
    # The assets just made are known by their codes, unique across the deployment: Core
    # statements on the tables are not kept to the school (app.tenancy), so none may read by
    # anything another school's rows could share, like the time they were made.
    made_now = changes.new_assets[0]["created_at"]
    without_scan_code = sa.select(assets.c.code, assets.c.id, sa.literal(made_now)).where(
        assets.c.code.in_(sa.select(staged.c.code)),
        ~sa.exists().where(scan_codes.c.value == assets.c.code),
    )
    issued = db.session.execute(
        sa.insert(scan_codes)
        .from_select(["value", "asset_id", "created_at"], without_scan_code)
        # Without it SQLAlchemy keeps no row count of an INSERT on PostgreSQL.
        .execution_options(preserve_rowcount=True)
    )
    staged.drop(db.session.connection())
    if changes.claimed:
        owner = sa.select(assets.c.id).where(assets.c.code == scan_codes.c.value)
        claim = (
            sa.update(scan_codes)
            .where(
                scan_codes.c.id == sa.bindparam("blank_id"),
                scan_codes.c.asset_id.is_(None),
                scan_codes.c.place_id.is_(None),
                scan_codes.c.replaced_at.is_(None),
            )
            .values(asset_id=owner.scalar_subquery())
        )
        claimed = db.session.execute(
            claim, [{"blank_id": blank_id} for blank_id in changes.claimed.values()]
        )
        if claimed.rowcount != len(changes.claimed):
            raise _RegisterChanged
    if issued.rowcount != len(changes.new_assets) - len(changes.claimed):
        raise _RegisterChanged


def _staged_assets(new_assets: list[dict]) -> sa.Table | None:
    """The new assets' rows in a temporary table of the session's connection, or None."""
    if not new_assets:
        return None
    staged = sa.Table(
        "asset_import",
        sa.MetaData(),
        *(sa.Column(name, Asset.__table__.c[name].type) for name in new_assets[0]),
        prefixes=["TEMPORARY"],
    )
    connection = db.session.connection()
    # A failed import on SQLite leaves it behind: its CREATE ran before the transaction.
    staged.drop(connection, checkfirst=True)
    staged.create(connection)
    db.session.execute(sa.insert(staged), new_assets)
    return staged


def _known_codes(records, columns) -> tuple[dict[str, ScanCode], set[str]]:
    """The school's ScanCodes the file mentions, fetched in a few queries rather than one per
    row; and the codes it mentions that are on another school's labels."""
    if "code" not in columns:
        return {}, set()
    index = columns.index("code")
    values = sorted(
        {
            normalize_code(cells[index])
            for _, cells in records
            if len(cells) > index and cells[index].strip()
        }
    )
    found = {}
    for start in range(0, len(values), CODE_QUERY_CHUNK):
        chunk = values[start:start + CODE_QUERY_CHUNK]
        for scan_code in db.session.scalars(
            sa.select(ScanCode)
            .options(so.joinedload(ScanCode.asset))
            .where(ScanCode.value.in_(chunk))
        ):
            found[scan_code.value] = scan_code
    unknown = [value for value in values if value not in found]
    elsewhere = set()
    for start in range(0, len(unknown), CODE_QUERY_CHUNK):
        elsewhere |= codes_of_other_schools(unknown[start:start + CODE_QUERY_CHUNK])
    return found, elsewhere


def _status_words() -> dict[str, AssetStatus]:
    """Every way a status may be written: its key, and its label in each language."""
    words = {_word(text): status for text, status in STATUS_SYNONYMS.items()}
    for status in AssetStatus:
        words[_word(status.value)] = status
        for language in ("en", "zh"):
            with force_locale(language):
                words[_word(str(status.label))] = status
    return words


def _word(text: str) -> str:
    return text.strip().casefold().replace("_", " ").replace("-", " ")


class _KindLookup:
    """A kind by its key, Chinese name or English name."""

    def __init__(self, kinds: list[AssetKind]):
        self.by_id = {kind.id: kind for kind in kinds}
        self._by_word = defaultdict(set)
        for kind in kinds:
            for text in (kind.key, kind.name, kind.name_en):
                if text:
                    self._by_word[text.strip().casefold()].add(kind)

    def find(self, text: str):
        matches = self._by_word.get(text.strip().casefold(), set())
        if len(matches) == 1:
            return next(iter(matches)), None
        if matches:
            return None, _l("Several kinds match “%(kind)s”: use its key.", kind=text)
        return None, _l("Unknown kind “%(kind)s”.", kind=text)

    def label(self, kind: AssetKind) -> str:
        """Its Chinese name, unless that would import as another kind."""
        found, _ = self.find(kind.name)
        return kind.name if found is kind else kind.key


class _PlaceLookup:
    """A place by its code, its full path, or a unique end of its path (often its name)."""

    def __init__(self, tree: PlaceTree):
        self.tree = tree
        self._by_code = {place.code: place for place in tree.by_id.values()}
        self._by_path = defaultdict(set)
        self._by_path_end = defaultdict(set)
        for place in tree.by_id.values():
            chain = [*tree.ancestors(place), place]
            for names in (
                [p.name for p in chain],
                [p.name_en for p in chain] if all(p.name_en for p in chain) else None,
            ):
                if names is None:
                    continue
                key = tuple(name.strip().casefold() for name in names)
                self._by_path[key].add(place)
                for start in range(1, len(key)):
                    self._by_path_end[key[start:]].add(place)

    def find(self, text: str):
        place = self._by_code.get(normalize_code(text))
        if place is not None:
            return place, None
        candidates = [(text,)]
        candidates += [tuple(text.split(sep)) for sep in PATH_SEPARATORS if sep in text]
        for index in (self._by_path, self._by_path_end):
            for parts in candidates:
                key = tuple(part.strip().casefold() for part in parts)
                matches = index.get(key)
                if matches and len(matches) == 1:
                    return next(iter(matches)), None
                if matches:
                    return None, _l(
                        "Several places match “%(place)s”: use its code or full path.",
                        place=text,
                    )
        return None, _l("Unknown place “%(place)s”.", place=text)

    def label(self, place: Place) -> str:
        """Its path of Chinese names, unless that would import as another place."""
        path = self.tree.path(place, name=lambda p: p.name)
        found, _ = self.find(path)
        return path if found is place else place.code
