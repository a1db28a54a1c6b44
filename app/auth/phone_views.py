""""Your phones": where each person sees the phones signed in as them and ends them."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import bp, sign_ins
from app.auth.access import staff_required
from app.auth.views import sign_out_this_phone
from app.extensions import db
from app.models import SignIn


@bp.route("/phones")
@staff_required
def phones():
    return render_template(
        "auth/phones.html",
        sign_ins=sign_ins.still_good(current_user),
        this_phone=current_user.sign_in,
        lifetime_days=sign_ins.lifetime().days,
    )


@bp.route("/phones/<int:sign_in_id>/end", methods=["POST"])
@staff_required
def end_phone(sign_in_id):
    sign_in = db.get_or_404(SignIn, sign_in_id)
    if sign_in.user_id != current_user.id:
        abort(404)
    if sign_in.id == current_user.sign_in.id:
        sign_out_this_phone()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    sign_ins.end(sign_in)
    db.session.commit()
    flash(_("That phone is signed out."), "success")
    return redirect(url_for("auth.phones"))


@bp.route("/phones/end-others", methods=["POST"])
@staff_required
def end_other_phones():
    sign_ins.end_all(current_user, keeping=current_user.sign_in)
    db.session.commit()
    flash(_("Every other phone is signed out."), "success")
    return redirect(url_for("auth.phones"))


@bp.route("/phones/end-all", methods=["POST"])
@staff_required
def end_all_phones():
    sign_ins.end_all(current_user)
    sign_out_this_phone()
    flash(_("You are signed out on every phone, this one included."), "info")
    return redirect(url_for("auth.login"))
