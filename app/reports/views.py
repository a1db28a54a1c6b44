import sqlalchemy as sa
from flask import Response, render_template, request
from flask_login import current_user

from app.auth.access import admin_required
from app.core import csv_writing
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.models import Checklist
from app.models.common import utcnow
from app.register import csv_io
from app.reports import bp, exports, figures, pdf
from app.reports.choice import Choice, month_key, terms_offered
from app.reports.forms import ReportChoiceForm
from app.routines import today as school_today


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


def _report_page(choice: Choice, for_pdf: bool) -> tuple[str, figures.Report]:
    report = figures.build_report(choice, school_today())
    html = render_template(
        "reports/report.html",
        report=report,
        choice=choice,
        args=choice.args(),
        generated_at=utcnow(),
        generated_by=current_user.display_name,
        for_pdf=for_pdf,
        cjk_font_missing=not pdf.cjk_font_installed(),
    )
    return html, report


@bp.route("/report")
@admin_required
def report():
    choice, refused = _chosen()
    if refused:
        return refused
    html, _ = _report_page(choice, for_pdf=False)
    return html


@bp.route("/report.pdf")
@admin_required
def report_pdf():
    choice, refused = _chosen()
    if refused:
        return refused
    html, report = _report_page(choice, for_pdf=True)
    document = pdf.render_pdf(html, figures.signature_images(report.signature_ids()))
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_filename(choice, "pdf")}"'},
    )


def _filename(choice: Choice, extension: str, what: str = "report") -> str:
    parts = ["patrol", what, choice.period.key]
    if choice.place is not None:
        parts.append(choice.place.code)
    if choice.checklist is not None:
        parts.append(f"routine{choice.checklist.id}")
    return "-".join(parts) + f".{extension}"


@bp.route("/inspections.csv")
@admin_required
def inspections_csv():
    choice, refused = _chosen()
    if refused:
        return refused
    return csv_writing.streamed_response(
        exports.inspection_rows(choice), _filename(choice, "csv", "inspections")
    )


@bp.route("/faults.csv")
@admin_required
def faults_csv():
    choice, refused = _chosen()
    if refused:
        return refused
    return csv_writing.streamed_response(
        exports.fault_rows(choice), _filename(choice, "csv", "faults")
    )


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
