from flask import redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import staff_required
from app.home import bp
from app.models import Role


@bp.route("/")
@staff_required
def index():
    # Inspectors and repairers come to walk the round; the logistics head to run the register.
    if current_user.role != Role.ADMIN:
        return redirect(url_for("rounds.today"))
    return render_template("home/index.html")
