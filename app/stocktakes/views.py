"""Stocktake pages: the list, starting one, counting on the phone, closing it, the record.

The logistics head starts and closes stocktakes and moves what was found elsewhere. Inspectors
count too: they are the ones walking the rooms. Repairers do not: a repairer may be an outside
contractor, and a stocktake shows what the school owns, where, and what is missing.
"""

import math
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import admin_required, roles_required
from app.core.place_tree import INDENT, PlaceTree
from app.core.signatures import signature_png
from app.extensions import db
from app.models import (
    Asset,
    Finding,
    Role,
    Stocktake,
    StocktakeLine,
    StocktakeMove,
    StocktakeScan,
    StocktakeStatus,
)
from app.request_values import database_int, page_number
from app.stocktakes import bp
from app.stocktakes.counting import (
    AlreadyClosed,
    AlreadyDone,
    StocktakeError,
    close_stocktake,
    count_code,
    counting_place,
    finding_counts,
    move_found_asset,
    scan_counts,
    start_stocktake,
    tally,
)
from app.stocktakes.forms import CloseForm, CountForm, StartStocktakeForm

COUNTING_ROLES = (Role.ADMIN, Role.INSPECTOR)
counting_required = roles_required(*COUNTING_ROLES)
STOCKTAKES_PER_PAGE = 20
PER_PAGE = 50
RECORD_PER_PAGE = 100
RECENT_SCANS = 10
# Where each counter said they are, per stocktake: the one-tap count from a plate uses it.
PLACES_KEY = "stocktake_places"
# The differences first: they are what the record is read for.
RECORD_ORDER = [Finding.MISSING, Finding.WRONG_PLACE, Finding.MOVED, Finding.UNKNOWN, Finding.FOUND]


@dataclass(frozen=True)
class Page:
    """One page of a list worked out in Python (ids), or counted in SQL."""

    items: list
    page: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _page_number(name: str, total: int, per_page: int) -> int:
    number = request.args.get(name, 1, type=database_int) or 1
    return min(max(number, 1), max(1, math.ceil(total / per_page)))


def _load(stocktake_id: int) -> Stocktake:
    return db.one_or_404(
        sa.select(Stocktake)
        .where(Stocktake.id == stocktake_id)
        .options(so.joinedload(Stocktake.started_by), so.joinedload(Stocktake.closed_by))
    )


@bp.route("/")
@counting_required
def index():
    """Open stocktakes first, then the closed records, newest first."""
    query = sa.select(Stocktake).options(
        so.joinedload(Stocktake.started_by), so.joinedload(Stocktake.closed_by)
    ).order_by(
        sa.case((Stocktake.status == StocktakeStatus.OPEN, 0), else_=1),
        Stocktake.started_at.desc(),
        Stocktake.id.desc(),
    )
    page = db.paginate(
        query, page=page_number(), per_page=STOCKTAKES_PER_PAGE, error_out=False
    )
    counts = finding_counts([s.id for s in page.items if not s.is_open])
    return render_template("stocktakes/index.html", page=page, counts=counts, Finding=Finding)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = StartStocktakeForm(PlaceTree.load())
    if form.validate_on_submit():
        try:
            stocktake = start_stocktake(form.scope, current_user, form.client_id.data)
        except StocktakeError as refused:
            form.place.errors.append(refused.message)
        else:
            flash(_("Stocktake of %(scope)s started.", scope=stocktake.scope_title), "success")
            return redirect(url_for("stocktakes.show", stocktake_id=stocktake.id), code=303)
    return render_template("stocktakes/new.html", form=form), (400 if form.errors else 200)


@bp.route("/<int:stocktake_id>")
@counting_required
def show(stocktake_id):
    stocktake = _load(stocktake_id)
    if not stocktake.is_open:
        return _render_record(stocktake)
    return _render_live(stocktake)


def _remembered_place(stocktake: Stocktake):
    place_id = session.get(PLACES_KEY, {}).get(str(stocktake.id))
    return place_id if isinstance(place_id, int) else None


def _remember_place(stocktake: Stocktake, place) -> None:
    places = dict(session.get(PLACES_KEY, {}))
    places = {key: value for key, value in places.items() if key != str(stocktake.id)}
    if place is not None:
        places[str(stocktake.id)] = place.id
    # Only the latest few: a session cookie stays small.
    session[PLACES_KEY] = dict(list(places.items())[-5:])


def _render_live(
    stocktake: Stocktake, count_form=None, close_form=None, error=None, place_id=None, status=200
):
    """The page while counting; a refused count or close is shown again with what was sent,
    and the refusal by its field."""
    tree = PlaceTree.load()
    standing = tally(stocktake, tree)
    if place_id is None:
        place_id = _remembered_place(stocktake)
    try:
        here = counting_place(stocktake, tree, place_id)
    except StocktakeError:
        here = counting_place(stocktake, tree, None)
    places = _places_to_count_in(stocktake, tree)

    missing_number = _page_number("missing", len(standing.missing), PER_PAGE)
    missing_ids = standing.missing[(missing_number - 1) * PER_PAGE:missing_number * PER_PAGE]
    missing = _in_order(Asset, missing_ids, so.joinedload(Asset.kind))
    elsewhere_ids = standing.moved + standing.wrong_place
    elsewhere_number = _page_number("elsewhere", len(elsewhere_ids), PER_PAGE)
    elsewhere = _in_order(
        StocktakeScan,
        elsewhere_ids[(elsewhere_number - 1) * PER_PAGE:elsewhere_number * PER_PAGE],
        so.joinedload(StocktakeScan.asset),
        so.joinedload(StocktakeScan.counted_by),
    )
    unknown_number = _page_number("unknown", standing.unknown, PER_PAGE)
    unknown = db.session.scalars(
        sa.select(StocktakeScan)
        .where(StocktakeScan.stocktake_id == stocktake.id, StocktakeScan.asset_id.is_(None))
        .options(so.joinedload(StocktakeScan.counted_by))
        .order_by(StocktakeScan.id)
        .offset((unknown_number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    recent = db.session.scalars(
        sa.select(StocktakeScan)
        .where(StocktakeScan.stocktake_id == stocktake.id)
        .options(so.joinedload(StocktakeScan.asset), so.joinedload(StocktakeScan.counted_by))
        .order_by(StocktakeScan.id.desc())
        .limit(RECENT_SCANS)
    ).all()
    return render_template(
        "stocktakes/live.html",
        stocktake=stocktake,
        tree=tree,
        standing=standing,
        here=here,
        places=places,
        missing=Page(missing, missing_number, len(standing.missing), PER_PAGE),
        elsewhere=Page(elsewhere, elsewhere_number, len(elsewhere_ids), PER_PAGE),
        moved=set(standing.moved),
        unknown=Page(unknown, unknown_number, standing.unknown, PER_PAGE),
        recent=recent,
        count_form=count_form or CountForm(formdata=None),
        close_form=close_form or CloseForm(formdata=None),
        error=error,
    ), status


def _places_to_count_in(stocktake: Stocktake, tree: PlaceTree) -> list[tuple[int, str]]:
    """The stocktake's place and those inside it, indented from it, in walking order."""
    if stocktake.place_id is None:
        return tree.options()
    top = tree.by_id[stocktake.place_id]
    return [(top.id, top.title)] + [
        (place.id, INDENT * (depth + 1) + place.title) for place, depth in tree.walk(top)
    ]


def _in_order(model, ids: list[int], *options) -> list:
    """The rows with these ids, in the order of the ids (one page of a list sorted elsewhere)."""
    if not ids:
        return []
    found = {
        row.id: row
        for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options))
    }
    return [found[i] for i in ids if i in found]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/<int:stocktake_id>/count", methods=["POST"])
@counting_required
def count(stocktake_id):
    """One code, typed or scanned; answered as JSON to the in-app scanner, else as the page."""
    stocktake = _load(stocktake_id)
    # The one-tap button on a plate's page sends no place: where this person last counted.
    remembered = _remembered_place(stocktake)
    form = CountForm(place=str(remembered) if remembered else "")
    typed, place_value = form.code.data, form.place.data
    try:
        an_id = place_value.isascii() and place_value.isdigit() and len(place_value) < 10
        place_id = int(place_value) if an_id else None
        if place_value and place_id is None:
            raise StocktakeError(_("Choose a place inside this stocktake."), "place")
        tree = PlaceTree.load()
        here = counting_place(stocktake, tree, place_id)
        counted = count_code(stocktake, typed, here, current_user, tree)
    except StocktakeError as refused:
        if _wants_json():
            return jsonify(result="refused", message=str(refused.message), code=typed[:200]), (
                409 if isinstance(refused, AlreadyClosed) else 400
            )
        if isinstance(refused, AlreadyClosed):
            flash(str(refused.message), "error")
            return redirect(url_for("stocktakes.show", stocktake_id=stocktake_id), code=303)
        return _render_live(
            _load(stocktake_id), count_form=form, error=refused, place_id=place_id, status=400
        )
    if counted.place is not None:
        here = counted.place
    _remember_place(stocktake, here)
    if _wants_json():
        now = scan_counts(stocktake, tree)
        return jsonify(
            result=counted.result,
            message=counted.message,
            code=counted.scan.code if counted.scan else "",
            place=here.id if here is not None else None,
            score=_("Found %(found)s of %(expected)s", found=now.found, expected=now.expected),
            # The counts above the lists, other phones' scans included.
            counts={"missing": now.missing, "elsewhere": now.elsewhere, "unknown": now.unknown},
        )
    category = {"counted": "success", "place": "info", "already": "info"}.get(
        counted.result, "error"
    )
    flash(counted.message, category)
    return redirect(url_for("stocktakes.show", stocktake_id=stocktake_id), code=303)


@bp.route("/<int:stocktake_id>/scans/<int:scan_id>/move", methods=["POST"])
@admin_required
def move(stocktake_id, scan_id):
    """Found in another place: the register now has it where it was counted."""
    stocktake = _load(stocktake_id)
    scan = db.one_or_404(
        sa.select(StocktakeScan)
        .where(StocktakeScan.id == scan_id, StocktakeScan.stocktake_id == stocktake.id)
        .options(so.joinedload(StocktakeScan.asset), so.joinedload(StocktakeScan.place))
    )
    back = redirect(url_for("stocktakes.show", stocktake_id=stocktake_id), code=303)
    try:
        moved = move_found_asset(stocktake, scan, current_user)
    except AlreadyDone as done:
        flash(str(done.message), "info")
        return back
    except StocktakeError as refused:
        flash(str(refused.message), "error")
        return back
    tree = PlaceTree.load()
    flash(
        _(
            "%(asset)s is now registered in %(place)s. The move is kept with this stocktake.",
            asset=moved.asset.title,
            place=tree.path(tree.by_id[moved.to_place_id]),
        ),
        "success",
    )
    return back


@bp.route("/<int:stocktake_id>/close", methods=["POST"])
@admin_required
def close(stocktake_id):
    """Sign and close: what was found and what was not becomes the record."""
    stocktake = _load(stocktake_id)
    form = CloseForm()
    try:
        close_stocktake(
            stocktake,
            current_user,
            drawn=form.signature_data.data,
            typed=form.signer_name.data,
            note=form.note.data,
        )
    except AlreadyClosed as done:
        flash(str(done.message), "info")
        return redirect(url_for("stocktakes.show", stocktake_id=stocktake_id), code=303)
    except StocktakeError as refused:
        return _render_live(_load(stocktake_id), close_form=form, error=refused, status=400)
    flash(_("Stocktake closed and signed. This is now its record."), "success")
    return redirect(url_for("stocktakes.show", stocktake_id=stocktake_id), code=303)


def _render_record(stocktake: Stocktake):
    """The closed stocktake as kept: counts, then the lines of each finding; printable."""
    counts = finding_counts([stocktake.id]).get(stocktake.id, {})
    printing = request.args.get("print") == "1"
    chosen = request.args.get("finding", "")
    shown = [f for f in RECORD_ORDER if f.value == chosen] or RECORD_ORDER
    sections = []
    for finding in shown:
        total = counts.get(finding, 0)
        number = 1 if printing else _page_number("page", total, RECORD_PER_PAGE)
        query = (
            sa.select(StocktakeLine)
            .where(StocktakeLine.stocktake_id == stocktake.id, StocktakeLine.finding == finding)
            .order_by(StocktakeLine.id)
        )
        if not printing:
            query = query.offset((number - 1) * RECORD_PER_PAGE).limit(RECORD_PER_PAGE)
        lines = db.session.scalars(query).all() if total else []
        sections.append((finding, Page(lines, number, total, RECORD_PER_PAGE)))
    counted_times = _counted_times(line for _finding, page in sections for line in page.items)
    moves = db.session.scalars(
        sa.select(StocktakeMove)
        .where(StocktakeMove.stocktake_id == stocktake.id)
        .options(so.joinedload(StocktakeMove.moved_by))
        .order_by(StocktakeMove.id)
    ).all()
    return render_template(
        "stocktakes/record.html",
        stocktake=stocktake,
        counts=counts,
        sections=sections,
        chosen=chosen if len(shown) == 1 else "",
        printing=printing,
        moves=moves,
        counted_times=counted_times,
        Finding=Finding,
    )


def _counted_times(lines) -> dict[int, str]:
    """When each line was counted, formatted once per minute: a printed record is long."""
    by_minute, times = {}, {}
    for line in lines:
        if line.counted_at is None:
            continue
        minute = line.counted_at.replace(second=0, microsecond=0)
        if minute not in by_minute:
            by_minute[minute] = format_datetime(minute, "short")
        times[line.id] = by_minute[minute]
    return times


@bp.route("/<int:stocktake_id>/signature.png")
@counting_required
def signature(stocktake_id):
    """The closing signature, drawn by the logistics head (never another record's, by this door)."""
    return signature_png(Stocktake, Stocktake.id == stocktake_id)
