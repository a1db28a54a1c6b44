import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import memberships
from app.auth import sign_ins
from app.auth.access import admin_required
from app.extensions import db
from app.models import Role, User
from app.users import bp
from app.users.forms import AddMemberForm, EditUserForm, NewUserForm
from app.users.rules import (
    AccountRuleError,
    add_to_school,
    change_account,
    change_password,
    find_user,
    remove_from_school,
)


@bp.route("/")
@admin_required
def index():
    users = db.session.scalars(
        sa.select(User)
        .join(User.membership)
        .options(so.contains_eager(User.membership))
        .order_by(User.active.desc(), User.display_name, User.username)
    ).all()
    return render_template("users/index.html", users=users)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = NewUserForm()
    if not form.is_submitted():
        form.role.data = Role.INSPECTOR.value
    if form.validate_on_submit():
        user = User(
            username=form.username.data,
            display_name=form.display_name.data,
            role=Role(form.role.data),
            email=form.email.data,
            mobile=form.mobile.data,
            language=form.language.data or None,
        )
        user.set_password(form.password.data)
        db.session.add(user)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            # Another admin added the same username a moment ago.
            db.session.rollback()
            form.username.errors.append(_("This username is already taken."))
        else:
            flash(
                _(
                    "%(name)s can now sign in as %(username)s.",
                    name=user.display_name,
                    username=user.username,
                ),
                "success",
            )
            return redirect(url_for("users.index"))
    return render_template("users/new.html", form=form), _status()


@bp.route("/add", methods=["GET", "POST"])
@admin_required
def add():
    """Someone who already signs in to Patrol (in another school) given a role here."""
    form = AddMemberForm()
    if not form.is_submitted():
        form.role.data = Role.REPAIRER.value
    if form.validate_on_submit():
        user = find_user(form.username.data)
        try:
            add_to_school(user, Role(form.role.data))
            db.session.commit()
        except AccountRuleError as refused:
            db.session.rollback()
            form.username.errors.append(refused.message)
        except sa.exc.IntegrityError:
            # Another admin added the same person a moment ago.
            db.session.rollback()
            form.username.errors.append(
                _("%(name)s already works in this school.", name=user.display_name)
            )
        else:
            flash(
                _("%(name)s now works in this school too.", name=user.display_name), "success"
            )
            return redirect(url_for("users.index"))
    return render_template("users/add.html", form=form), _status()


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(user_id):
    user = memberships.member_or_404(user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        try:
            change_account(
                user, role=Role(form.role.data), active=form.active.data, actor=current_user
            )
        except AccountRuleError as refused:
            db.session.rollback()
            flash(refused.message, "error")
        else:
            user.display_name = form.display_name.data
            user.email = form.email.data
            user.mobile = form.mobile.data
            user.language = form.language.data or None
            if form.password.data:
                change_password(user, form.password.data, keeping=_own_sign_in(user))
            db.session.commit()
            flash(_("%(name)s saved.", name=user.display_name), "success")
            return redirect(url_for("users.index"))
    return _render_edit(form, user), _status()


@bp.route("/<int:user_id>/sign-out", methods=["POST"])
@admin_required
def sign_out_everywhere(user_id):
    """A lost phone: every phone signed in as the user must sign in again, with the password.
    An admin doing this for themselves keeps the phone they are using."""
    user = memberships.member_or_404(user_id)
    keeping = _own_sign_in(user)
    sign_ins.end_all(user, keeping=keeping)
    db.session.commit()
    if keeping:
        flash(_("Every other phone is signed out."), "success")
    else:
        flash(_("%(name)s is signed out on every phone.", name=user.display_name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove(user_id):
    """Take someone out of this school only: their account, other schools and records stay."""
    user = memberships.member_or_404(user_id)
    try:
        remove_from_school(user, actor=current_user)
    except AccountRuleError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("users.edit", user_id=user.id))
    db.session.commit()
    flash(
        _(
            "%(name)s no longer works in this school. What they recorded keeps their name.",
            name=user.display_name,
        ),
        "success",
    )
    return redirect(url_for("users.index"))


def _render_edit(form, user):
    return render_template(
        "users/edit.html", form=form, user=user, sign_ins=sign_ins.still_good(user)
    )


def _own_sign_in(user: User):
    """The admin's own phone, when the admin is changing their own account: kept signed in."""
    return current_user.sign_in if user.id == current_user.id else None


def _status():
    return 400 if request.method == "POST" else 200
