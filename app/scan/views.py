from flask import redirect, request, url_for

from app.scan import bp


@bp.route("/q")
def lookup():
    return redirect(url_for("scan.door", code=request.args.get("code", "")))


@bp.route("/q/<code>")
def door(code):
    return code
