from flask import render_template

from app.auth.access import admin_required
from app.users import bp


@bp.route("/")
@admin_required
def index():
    return render_template("error.html", title="TODO", message="users")
