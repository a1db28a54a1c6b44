import functools
import secrets

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import attempts, bp, known_phones, sign_ins
from app.auth.forms import LanguageForm, LoginForm
from app.extensions import db, limiter
from app.i18n import LANGUAGE_COOKIE
from app.models import User
from app.urls import safe_next

# Where Flask-WTF keeps the raw CSRF token in the session (its WTF_CSRF_FIELD_NAME).
CSRF_SESSION_KEY = "csrf_token"


def _counting_refusals(limit, key_func=None, exempt_when=attempts.from_known_phone):
    """A limit on refused sign-ins (app.auth.attempts says which count where)."""
    return limiter.limit(
        limit,
        methods=["POST"],
        key_func=key_func,
        deduct_when=attempts.refused,
        exempt_when=exempt_when,
    )


@bp.route("/login", methods=["GET", "POST"])
@_counting_refusals(attempts.PER_ADDRESS)
@_counting_refusals(attempts.PER_USERNAME_AND_ADDRESS, attempts.username_and_address_key)
@_counting_refusals(attempts.PER_USERNAME, attempts.username_key)
@_counting_refusals(
    attempts.PER_KNOWN_PHONE, attempts.known_phone_key, exempt_when=attempts.from_another_phone
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if not _password_matches(user, form.password.data):
            flash(_("Wrong username or password."), "error")
        elif not user.active:
            flash(_("This account is disabled. Ask the logistics head."), "error")
        else:
            sign_ins.start(user, request.user_agent.string)
            db.session.commit()
            # A token made before signing in (perhaps planted by someone else) ends here.
            session.pop(CSRF_SESSION_KEY, None)
            login_user(user, remember=form.remember.data)
            response = redirect(safe_next(form.next.data) or url_for("home.index"))
            known_phones.remember(response, user.id)
            return response
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _password_matches(user: User | None, password: str) -> bool:
    if user is None:
        # Hashed all the same: a quicker answer would tell which usernames exist.
        check_password_hash(_unknown_user_hash(), password)
        return False
    return user.check_password(password)


@functools.cache
def _unknown_user_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


@bp.route("/logout", methods=["POST"])
def logout():
    # A POST, so CSRFProtect checks its token: another site cannot sign anyone out.
    sign_out_this_phone()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def sign_out_this_phone() -> None:
    """End this phone's sign-in on the server, so no copy of its cookies opens a page again,
    and drop the CSRF token made while signed in."""
    if current_user.is_authenticated:
        sign_ins.end(current_user.sign_in)
        db.session.commit()
    logout_user()
    session.pop(CSRF_SESSION_KEY, None)


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("home.index")
    response = make_response(redirect(target))
    if form.validate() and form.language.data in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            # Whoever chooses a language for the pages wants their notices in it too.
            current_user.language = form.language.data
            db.session.commit()
        response.set_cookie(
            LANGUAGE_COOKIE,
            form.language.data,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response

