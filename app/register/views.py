from flask import render_template

from app.auth.access import admin_required
from app.register import bp


@bp.route("/assets")
@admin_required
def assets():
    return render_template("error.html", title="TODO", message="register")


@bp.route("/places")
@admin_required
def places():
    return render_template("error.html", title="TODO", message="places")
