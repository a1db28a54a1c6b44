from flask import render_template

from app.auth.access import staff_required
from app.home import bp


@bp.route("/")
@staff_required
def index():
    return render_template("home/index.html")
