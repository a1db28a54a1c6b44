from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app import routines, tenancy
from app.dashboard.charts import faults_chart, term_chart
from app.dashboard.figures import build_dashboard
from app.errors import NoSchool
from app.home import bp
from app.models import SCHOOL_ROLES, Role
from app.models.common import utcnow


@bp.route("/")
@login_required
def index():
    # A district's people who work in no school here (or look at one of the district's,
    # read-only) come to the district's dashboard; anyone else needs a role in the school.
    if current_user.role not in SCHOOL_ROLES:
        if current_user.in_a_district:
            return redirect(url_for("district.index"))
        if current_user.role is None:
            raise NoSchool()
        abort(403)
    # Inspectors and repairers come to walk the round; the logistics head to run the register
    # and read the dashboard.
    if current_user.role != Role.ADMIN:
        return redirect(url_for("rounds.today"))
    dashboard = build_dashboard(
        routines.today(), utcnow(), tenancy.school_timezone()
    )
    return render_template(
        "home/index.html",
        dashboard=dashboard,
        term_chart=term_chart(dashboard.term),
        faults_chart=faults_chart(dashboard.fault_weeks),
    )
