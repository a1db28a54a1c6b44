from flask import redirect, render_template, url_for
from flask_login import current_user

from app import routines, tenancy
from app.auth.access import staff_required
from app.dashboard.charts import faults_chart, term_chart
from app.dashboard.figures import build_dashboard
from app.home import bp
from app.models import Role
from app.models.common import utcnow


@bp.route("/")
@staff_required
def index():
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
