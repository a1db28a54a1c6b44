"""`flask --app app users …`"""

import sys
from typing import NoReturn

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import tenancy
from app.core.commands import CommandGroup
from app.extensions import db
from app.models import SCHOOL_ROLES, DistrictMember, DistrictRole, Role, School, User
from app.schools.rules import find_district, find_school
from app.users.rules import (
    DISPLAY_NAME_MAX_LENGTH,
    USERNAME_RULE,
    AccountRuleError,
    add_to_school,
    change_password,
    find_user,
    is_valid_username,
    mobile_problem,
    normalize_mobile,
    normalize_username,
    password_problem,
    remove_from_school,
    set_active,
)

users_cli = CommandGroup("users", help="Manage who may sign in.")

PASSWORD_STDIN_HELP = "Read the password from standard input instead of asking (for scripts)."


def init_app(app):
    app.cli.add_command(users_cli)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", help="admin, inspector or repairer: their role in the school.")
@click.option("--school", "school_code", help="The school's code; needed when there are several.")
@click.option("--district", "district_code", help="For a district's people: the district's code.")
@click.option(
    "--district-role",
    default=DistrictRole.OFFICE.value,
    show_default=True,
    help="office (reads every school of the district) or admin (manages them).",
)
@click.option("--display-name", help="The name shown on records; the username if left out.")
@click.option("--mobile", help="Optional: a mobile number, e.g. 13800138000, for chat notices.")
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
def create(
    username, role, school_code, district_code, district_role, display_name, mobile,
    password_stdin,
):
    """Add a user who may sign in, with a role in a school or in a district (or both); asks
    for the password twice."""
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
    if role is None and (district_code is None or school_code is not None):
        _fail(
            _(
                "Give --role (%(roles)s) for their role in a school, or --district CODE for "
                "a district's people.",
                roles=_school_role_names(),
            )
        )
    school = None if role is None else _chosen_school(school_code)
    if role is not None:
        _check_role(role)
    district = None
    if district_code is not None:
        district = _existing_district(district_code)
        if district_role not in {r.value for r in DistrictRole}:
            _fail(
                _(
                    "Unknown district role “%(role)s”: choose %(roles)s.",
                    role=district_role,
                    roles=", ".join(r.value for r in DistrictRole),
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
    password = _read_password(password_stdin)
    user = User(username=username, display_name=display_name, mobile=mobile)
    user.set_password(password)
    db.session.add(user)
    if district is not None:
        db.session.add(
            DistrictMember(user=user, district=district, role=DistrictRole(district_role))
        )
    if school is None:
        db.session.commit()
    else:
        with tenancy.in_school(school):
            user.role = Role(role)
            db.session.commit()
    click.echo(_("%(name)s can now sign in as %(username)s.", name=display_name, username=username))


@users_cli.command("add-to-school")
@click.argument("username")
@click.option("--school", "school_code", required=True, help="The school's code.")
@click.option("--role", required=True, help="admin, inspector or repairer: their role there.")
def add_to_school_command(username, school_code, role):
    """Give someone who already has an account a role in another school too."""
    user = _existing_user(username)
    school = _existing_school(school_code)
    _check_role(role)
    with tenancy.in_school(school):
        try:
            add_to_school(user, Role(role))
            db.session.commit()
        except AccountRuleError as refused:
            db.session.rollback()
            _fail(refused.message)
    click.echo(
        _(
            "%(username)s now works in %(school)s as %(role)s.",
            username=user.username,
            school=school.code,
            role=role,
        )
    )


@users_cli.command("remove-from-school")
@click.argument("username")
@click.option("--school", "school_code", required=True, help="The school's code.")
def remove_from_school_command(username, school_code):
    """Take someone out of one school; their account, other schools and records stay."""
    user = _existing_user(username)
    school = _existing_school(school_code)
    with tenancy.in_school(school):
        try:
            remove_from_school(user)
            db.session.commit()
        except AccountRuleError as refused:
            db.session.rollback()
            _fail(refused.message)
    click.echo(
        _(
            "%(username)s no longer works in %(school)s.",
            username=user.username,
            school=school.code,
        )
    )


@users_cli.command("list")
@click.option("--school", "school_code", help="The school's code; needed when there are several.")
def list_users(school_code):
    """Everyone who works in the school, with their role there, disabled ones included."""
    with tenancy.in_school(_chosen_school(school_code)):
        users = db.session.scalars(
            sa.select(User)
            .join(User.membership)
            .options(so.contains_eager(User.membership))
            .order_by(User.username)
        ).all()
        for user in users:
            state = _("active") if user.active else _("disabled")
            click.echo(
                f"{user.username:<20} {user.role.value:<10} {state:<9} {user.display_name}"
            )


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


def _school_role_names() -> str:
    return ", ".join(r.value for r in SCHOOL_ROLES)


def _check_role(role: str) -> None:
    if role not in {r.value for r in SCHOOL_ROLES}:
        _fail(
            _("Unknown role “%(role)s”: choose %(roles)s.", role=role, roles=_school_role_names())
        )


def _chosen_school(code: str | None) -> School:
    """The school named by --school; left out, the deployment's only school."""
    if code is not None:
        return _existing_school(code)
    schools = db.session.scalars(sa.select(School).order_by(School.code)).all()
    if len(schools) != 1:
        _fail(
            _(
                "This Patrol has several schools: name one with --school (%(codes)s).",
                codes=", ".join(school.code for school in schools),
            )
        )
    return schools[0]


def _existing_school(code: str) -> School:
    school = find_school(code)
    if school is None:
        _fail(_("There is no school with the code “%(code)s”.", code=code))
    return school


def _existing_district(code: str):
    district = find_district(code)
    if district is None:
        _fail(_("There is no district with the code “%(code)s”.", code=code))
    return district


def _existing_user(username: str) -> User:
    user = find_user(username)
    if user is None:
        _fail(_("There is no user called “%(username)s”.", username=username))
    return user


def _change(user: User, *, active: bool) -> None:
    try:
        set_active(user, active)
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
