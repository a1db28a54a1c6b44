import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app import worker
from app.auth.access import admin_required
from app.core import csv_writing
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.models import Checklist, PreparedReport, PreparedStatus
from app.register import csv_io
from app.reports import bp, exports, preparing, tasks
from app.reports.choice import month_key, terms_offered
from app.reports.forms import ReportChoiceForm
from app.routines import today as school_today

# How often the page waiting for a PDF asks again (a meta refresh: no script needed).
REFRESH_SECONDS = 3


def _picker(form: ReportChoiceForm, status=200):
    today = school_today()
    routines = db.session.scalars(sa.select(Checklist).order_by(Checklist.name)).all()
    return render_template(
        "reports/index.html",
        form=form,
        terms=terms_offered(today),
        places=PlaceTree.load().options(),
        routines=routines,
        this_month=month_key(today),
    ), status


def _chosen():
    """The choice in the query string, or the picker page saying what is wrong with it."""
    form = ReportChoiceForm(school_today(), formdata=request.args)
    if not form.validate():
        return None, _picker(form, 400)
    return form.choice, None


@bp.route("/")
@admin_required
def index():
    if request.args:
        form = ReportChoiceForm(school_today(), formdata=request.args)
        return _picker(form, 200 if form.validate() else 400)
    today = school_today()
    return _picker(ReportChoiceForm(today, formdata=None, month=month_key(today)))


@bp.route("/report")
@admin_required
def report():
    choice, refused = _chosen()
    if refused:
        return refused
    html, _ = preparing.report_html(
        choice, for_pdf=False, generated_by=current_user.display_name
    )
    return html


@bp.route("/report.pdf", methods=["GET", "POST"])
@admin_required
def report_pdf():
    """The worker lays the PDF out (preparing.py): a GET (the picker's button, a kept link)
    offers to ask for it; the POST asks and is answered at once with the page that waits."""
    choice, refused = _chosen()
    if refused:
        return refused
    if request.method == "GET":
        return render_template(
            "reports/prepared.html", prepared=None, choice=choice, args=choice.args()
        )
    prepared, new = preparing.ask(current_user, choice, str(get_locale()))
    db.session.commit()
    if new and not worker.enqueue_quietly(tasks.prepare_pdf, prepared.id):
        preparing.could_not_enqueue(prepared)
        db.session.commit()
    return redirect(url_for("reports.prepared", prepared_id=prepared.id), 303)


@bp.route("/pdf/<int:prepared_id>")
@admin_required
def prepared(prepared_id):
    found = _own_prepared(prepared_id)
    return render_template(
        "reports/prepared.html",
        prepared=found,
        choice=preparing.choice_if_it_reads(found),
        args=preparing.choice_args(found),
        slow=preparing.is_slow(found),
        refresh_seconds=REFRESH_SECONDS,
    )


@bp.route("/pdf/<int:prepared_id>/download")
@admin_required
def prepared_download(prepared_id):
    found = _own_prepared(prepared_id)
    if found.status != PreparedStatus.READY:
        return redirect(url_for("reports.prepared", prepared_id=found.id))
    return Response(
        found.content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _own_prepared(prepared_id: int) -> PreparedReport:
    """Only the person who asked, and only while it is kept: anyone else is told nothing."""
    found = preparing.find_for(current_user, prepared_id)
    if found is None:
        abort(404)
    return found


@bp.route("/inspections.csv")
@admin_required
def inspections_csv():
    return _chosen_csv(exports.inspection_rows, "inspections")


@bp.route("/faults.csv")
@admin_required
def faults_csv():
    return _chosen_csv(exports.fault_rows, "faults")


def _chosen_csv(rows, what: str):
    """The rows of the chosen period and place as a CSV file named for `what`, or the picker
    saying what is wrong with the choice."""
    choice, refused = _chosen()
    if refused:
        return refused
    return csv_writing.streamed_response(rows(choice), choice.file_name("csv", what))


@bp.route("/register.csv")
@admin_required
def register_csv():
    """The register (of one place, if chosen): the same file the register page exports."""
    today = school_today()
    form = ReportChoiceForm(today, formdata=request.args, month=month_key(today))
    # Only the place is read: the register has no period.
    if not form.place.validate(form):
        return _picker(form, 400)
    place = form.place.row
    if place is None:
        return csv_writing.streamed_response(
            csv_io.register_rows(), f"patrol-assets-{school_today()}.csv"
        )
    return csv_writing.streamed_response(
        csv_io.register_rows(PlaceTree.load().subtree_ids(place)),
        f"patrol-assets-{place.code}-{school_today()}.csv",
    )
