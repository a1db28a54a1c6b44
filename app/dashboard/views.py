from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from app import routines, settings, terms
from app.auth.access import admin_required, roles_required
from app.compliance import Counts
from app.dashboard import bp
from app.dashboard.figures import in_walking_order, routine_term_by_asset, week_checks
from app.dashboard.forms import DashboardSettingsForm
from app.dashboard.readings import rising_readings
from app.extensions import db
from app.models import Checklist, Role
from app.request_values import database_int
from app.schedule import State

PER_PAGE = 50
# The lists behind the dashboard's numbers, which the district also opens, read-only.
head_or_district_required = roles_required(Role.ADMIN, Role.VIEWER)
STATE_FILTERS = {state.value: state for state in (State.DONE, State.DUE, State.OVERDUE)}


class Page:
    """One page of a list already in memory, shaped like Flask-SQLAlchemy's pagination."""

    def __init__(self, items: list, page: int, per_page: int = PER_PAGE):
        self.total = len(items)
        self.page = page
        self.pages = max(1, -(-self.total // per_page))
        self.items = items[(page - 1) * per_page : page * per_page]
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1


@bp.app_template_filter("repair_duration")
def repair_duration(span: timedelta) -> str:
    """Hours under two days, days from then on, to one decimal."""
    hours = span.total_seconds() / 3600
    if hours < 48:
        return _("%(hours)s h", hours=format_decimal(round(hours, 1), "0.#"))
    return _("%(days)s days", days=format_decimal(round(hours / 24, 1), "0.#"))


def _page_number() -> int:
    page = request.args.get("page", 1, type=database_int)
    if not 1 <= page <= 10_000:
        abort(404)
    return page


@bp.route("/checks")
@head_or_district_required
def checks():
    """This week's checks behind the dashboard's numbers, by routine and by state."""
    page_number = _page_number()
    entries = week_checks(routines.today())
    routine_id = request.args.get("routine", type=database_int)
    routine = next((e.checklist for e in entries if e.checklist.id == routine_id), None)
    if routine is not None:
        entries = [e for e in entries if e.checklist.id == routine.id]
    state = STATE_FILTERS.get(request.args.get("state", ""))
    if state is not None:
        entries = [e for e in entries if e.state == state]
    page = Page(in_walking_order(entries), page_number)
    if page_number > page.pages:
        abort(404)
    filters = {"routine": routine.id if routine else "", "state": state.value if state else ""}
    return render_template(
        "dashboard/checks.html", page=page, routine=routine, state=state, filters=filters
    )


@bp.route("/term")
@head_or_district_required
def term():
    """One routine's checks over the term so far, asset by asset: what its rate counts."""
    routine = db.get_or_404(Checklist, request.args.get("routine", type=database_int) or 0)
    if not routine.active:
        abort(404)
    page_number = _page_number()
    school_term, rows = routine_term_by_asset(routines.today(), routine)
    page = Page(rows, page_number)
    if page_number > page.pages:
        abort(404)
    total = Counts()
    for row in rows:
        total.add(row.counts)
    return render_template(
        "dashboard/term.html",
        routine=routine,
        term=school_term,
        today=routines.today(),
        page=page,
        total=total,
        filters={"routine": routine.id},
    )


@bp.route("/readings")
@admin_required
def readings():
    """Every reading flagged for rising fast, the steepest first."""
    page_number = _page_number()
    share = settings.reading_rise_share()
    page = Page(rising_readings(share), page_number)
    if page_number > page.pages:
        abort(404)
    return render_template("dashboard/readings.html", page=page, share=share)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def edit_settings():
    """The share of its limit a reading may rise by before the dashboard flags it, and the
    days the school's terms start on (what the dashboard and the term reports count over)."""
    form = DashboardSettingsForm()
    status = 200
    if request.method == "GET":
        form.reading_rise_share.data = settings.reading_rise_share()
        form.fill_term_starts(terms.term_starts())
    elif form.validate_on_submit():
        settings.put(settings.READING_RISE_SHARE, str(form.reading_rise_share.data))
        for key, (month, day) in (
            (terms.AUTUMN_START, form.starts.autumn),
            (terms.SPRING_START, form.starts.spring),
        ):
            settings.put(key, f"{month:02d}-{day:02d}")
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("dashboard.edit_settings"), code=303)
    else:
        status = 400
    this_term = terms.term_containing(routines.today())
    return render_template("dashboard/settings.html", form=form, this_term=this_term), status
