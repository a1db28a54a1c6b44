from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import memberships, tenancy
from app.auth import sign_ins
from app.auth.access import district_required
from app.core import csv_writing
from app.district import bp, exports, figures, opening, schools, stored
from app.district.forms import DistrictPeriodForm, OpenForm, SchoolEditForm, SchoolForm
from app.district.report import build_report
from app.extensions import db
from app.models import DistrictRole
from app.models.common import utcnow
from app.reports import pdf
from app.reports.choice import month_key, terms_offered
from app.schedule import school_today

# A few zones offered as the field is typed; any zone zoneinfo knows is accepted.
SUGGESTED_ZONES = (
    "Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei",
    "Asia/Singapore", "Europe/London", "UTC",
)


def _dashboard(status=200):
    schools_seen = memberships.district_schools(current_user)
    sort = figures.read_sort(request.args.get("sort"))
    rows = figures.sorted_rows(stored.dashboard_rows(schools_seen, utcnow()), sort)
    return render_template(
        "district/index.html",
        rows=rows,
        sort=sort,
        refresh_minutes=stored.REFRESH_MINUTES,
        districts=memberships.district_memberships(current_user),
        is_district_admin=bool(memberships.district_ids(current_user, (DistrictRole.ADMIN,))),
    ), status


@bp.route("/")
@district_required()
def index():
    """Each school of the user's districts in a row, sortable by any column."""
    return _dashboard()


@bp.route("/schools/<code>/open", methods=["POST"])
@district_required()
def open_school(code):
    """Make the school this phone's, read-only, and open the list behind a number."""
    school = memberships.district_school(current_user, code)
    if school is None:
        abort(404)
    form = OpenForm()
    if not form.validate_on_submit():
        flash(_("There is no such list."), "error")
        return _dashboard(400)
    sign_ins.switch_school(current_user.sign_in, school.id)
    with tenancy.in_school(school):
        address = opening.address(form.next.data, school_today(school.timezone))
    return redirect(address, 303)


def _chosen_period():
    """The period in the query string, the district's schools and the terms to offer; or the
    page saying what is wrong with the period."""
    schools_seen = memberships.district_schools(current_user)
    if not schools_seen:
        return None, schools_seen, [], _report_page(None, None, None, [], status=200)
    # Terms are a school's: the district's first school names them (app.district.report).
    first = schools_seen[0]
    with tenancy.in_school(first):
        today = school_today(first.timezone)
        if request.args:
            form = DistrictPeriodForm(today, formdata=request.args)
        else:
            form = DistrictPeriodForm(today, formdata=None, month=month_key(today))
        valid = form.validate()
        offered = terms_offered(today)
    if not valid:
        return None, schools_seen, offered, _report_page(form, None, today, offered, status=400)
    return form, schools_seen, offered, None


def _report_page(form, report, today, offered, status=200, for_pdf=False):
    return render_template(
        "district/report.html",
        form=form,
        report=report,
        terms=offered,
        this_month=month_key(today) if today else "",
        args=form.args() if report else {},
        generated_at=utcnow(),
        generated_by=current_user.display_name,
        for_pdf=for_pdf,
        cjk_font_missing=for_pdf and not pdf.cjk_font_installed(),
    ), status


@bp.route("/report")
@district_required()
def report():
    """Each school's figures for a month or a term, side by side."""
    form, schools_seen, offered, refused = _chosen_period()
    if refused:
        return refused
    return _report_page(form, build_report(schools_seen, form.period_read), form.today, offered)


@bp.route("/report.csv")
@district_required()
def report_csv():
    form, schools_seen, _offered, refused = _chosen_period()
    if refused:
        return refused
    found = build_report(schools_seen, form.period_read)
    return csv_writing.streamed_response(
        exports.report_rows(found), f"patrol-district-{found.period.key}.csv"
    )


@bp.route("/report.pdf")
@district_required()
def report_pdf():
    """Laid out here, while the request waits: a line per school is a few pages at most."""
    form, schools_seen, _offered, refused = _chosen_period()
    if refused:
        return refused
    found = build_report(schools_seen, form.period_read)
    html, _status = _report_page(form, found, form.today, [], for_pdf=True)
    return pdf.render_pdf(html, {}), 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="patrol-district-{found.period.key}.pdf"',
        "Cache-Control": "private, no-store",
    }


def _administered():
    """The districts this person administers, by code."""
    return [
        m.district
        for m in memberships.district_memberships(current_user)
        if m.role == DistrictRole.ADMIN
    ]


def _administered_school(code):
    school = memberships.district_school(current_user, code, (DistrictRole.ADMIN,))
    if school is None:
        abort(404)
    return school


@bp.route("/schools")
@district_required(DistrictRole.ADMIN)
def school_list():
    districts = _administered()
    return render_template("district/schools.html", districts=districts)


def _school_form_page(form, school=None, status=200):
    return render_template(
        "district/school_form.html", form=form, school=school, zones=SUGGESTED_ZONES
    ), status


@bp.route("/schools/new", methods=["GET", "POST"])
@district_required(DistrictRole.ADMIN)
def new_school():
    districts = _administered()
    form = SchoolForm()
    form.district.choices = [(d.code, d.title) for d in districts]
    if request.method == "GET":
        form.district.data = districts[0].code
        return _school_form_page(form)
    district = next((d for d in districts if d.code == form.district.data), None)
    if not form.validate_on_submit() or district is None:
        if district is None:
            form.district.errors = [_("Choose one of your districts.")]
        return _school_form_page(form, status=400)
    try:
        school = schools.add_school(
            district, form.code.data, form.name.data, form.name_en.data,
            form.timezone.data, form.language.data,
        )
    except schools.SchoolRefused as refused:
        db.session.rollback()
        form[refused.field].errors = [str(refused.message)]
        return _school_form_page(form, status=400)
    db.session.commit()
    flash(_("%(school)s added.", school=school.title), "success")
    return redirect(url_for("district.school_list"), 303)


@bp.route("/schools/<code>/edit", methods=["GET", "POST"])
@district_required(DistrictRole.ADMIN)
def edit_school(code):
    school = _administered_school(code)
    form = SchoolEditForm(obj=school if request.method == "GET" else None)
    if request.method == "GET":
        return _school_form_page(form, school)
    if not form.validate_on_submit():
        return _school_form_page(form, school, status=400)
    try:
        schools.edit_school(
            school, form.name.data, form.name_en.data, form.timezone.data, form.language.data
        )
    except schools.SchoolRefused as refused:
        db.session.rollback()
        form[refused.field].errors = [str(refused.message)]
        return _school_form_page(form, school, status=400)
    db.session.commit()
    flash(_("%(school)s saved.", school=school.title), "success")
    return redirect(url_for("district.school_list"), 303)
