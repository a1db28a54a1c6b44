"""`flask --app app users …`"""

import sys
from typing import NoReturn

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.extensions import db
from app.models import SCHOOL_ROLES, Role, User
from app.users.rules import (
    DISPLAY_NAME_MAX_LENGTH,
    USERNAME_RULE,
    AccountRuleError,
    change_account,
    change_password,
    find_user,
    is_valid_username,
    mobile_problem,
    normalize_mobile,
    normalize_username,
    password_problem,
)

users_cli = AppGroup("users", help="Manage who may sign in.")

PASSWORD_STDIN_HELP = "Read the password from standard input instead of asking (for scripts)."


def init_app(app):
    app.cli.add_command(users_cli)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, help="admin, inspector or repairer.")
@click.option("--display-name", help="The name shown on records; the username if left out.")
@click.option("--mobile", help="Optional: a mobile number, e.g. 13800138000, for chat notices.")
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
def create(username, role, display_name, mobile, password_stdin):
    """Add a user who may sign in; asks for the password twice."""
    username = normalize_username(username)
    if not is_valid_username(username):
        _fail(
            _(
                "Username “%(username)s” cannot be used: %(rule)s",
                username=username,
                rule=USERNAME_RULE,
            )
        )
    if find_user(username) is not None:
        _fail(_("There is already a user called “%(username)s”.", username=username))
    if role not in {r.value for r in SCHOOL_ROLES}:
        _fail(
            _(
                "Unknown role “%(role)s”: choose %(roles)s.",
                role=role,
                roles=", ".join(r.value for r in SCHOOL_ROLES),
            )
        )
    display_name = (display_name or "").strip() or username
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        _fail(
            _(
                "The display name is too long: at most %(count)s characters.",
                count=DISPLAY_NAME_MAX_LENGTH,
            )
        )
    mobile = normalize_mobile(mobile or "") or None
    if mobile is not None and mobile_problem(mobile):
        _fail(_("The mobile number cannot be used: %(reason)s", reason=mobile_problem(mobile)))
    user = User(username=username, display_name=display_name, role=Role(role), mobile=mobile)
    user.set_password(_read_password(password_stdin))
    db.session.add(user)
    db.session.commit()
    click.echo(_("%(name)s can now sign in as %(username)s.", name=display_name, username=username))


@users_cli.command("list")
def list_users():
    """Everyone who has an account, disabled ones included."""
    users = db.session.scalars(sa.select(User)
            .join(User.membership)
            .options(so.contains_eager(User.membership))
            .order_by(User.username)
        ).all()
    for user in users:
        state = _("active") if user.active else _("disabled")
        click.echo(f"{user.username:<20} {user.role.value:<10} {state:<9} {user.display_name}")


@users_cli.command("disable")
@click.argument("username")
def disable(username):
    """Stop a user from signing in; what they recorded keeps their name."""
    user = _existing_user(username)
    _change(user, active=False)
    click.echo(_("%(username)s can no longer sign in.", username=user.username))


@users_cli.command("enable")
@click.argument("username")
def enable(username):
    """Let a disabled user sign in again."""
    user = _existing_user(username)
    _change(user, active=True)
    click.echo(_("%(username)s can sign in again.", username=user.username))


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
def set_password(username, password_stdin):
    """Give a user a new password, which signs them out on every phone; asks for it twice."""
    user = _existing_user(username)
    change_password(user, _read_password(password_stdin))
    db.session.commit()
    click.echo(_("The password of %(username)s was changed.", username=user.username))


def _existing_user(username: str) -> User:
    user = find_user(username)
    if user is None:
        _fail(_("There is no user called “%(username)s”.", username=username))
    return user


def _change(user: User, *, active: bool) -> None:
    try:
        change_account(user, role=user.role, active=active)
    except AccountRuleError as refused:
        db.session.rollback()
        _fail(refused.message)
    db.session.commit()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            _("Password"),
            hide_input=True,
            confirmation_prompt=_("Password again"),
        )
    problem = password_problem(password)
    if problem:
        _fail(_("The password cannot be used: %(reason)s", reason=problem))
    return password


def _fail(message: str) -> NoReturn:
    """Stop with the reason and exit status 1, so scripts notice."""
    raise click.ClickException(str(message))
