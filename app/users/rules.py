"""Who may hold an account, who works in which school, and the changes that would lock the
school out of Patrol.

Shared by the admin's page and the `users` commands, so both refuse the same things.
"""

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import memberships, tenancy
from app.auth import sign_ins
from app.extensions import db
from app.models import SCHOOL_ROLES, Membership, Role, SignIn, User
from app.users.common_passwords import is_common

USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,40}")
USERNAME_RULE = _l("3 to 40 characters: letters a–z, digits, dot, dash or underscore.")
DISPLAY_NAME_MAX_LENGTH = 80
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 200


# A mobile number as chats and text messages take it: digits, perhaps a leading + and the
# country code; 6 to 15 digits (E.164's most), a Chinese mobile being 11 (138 0013 8000).
MOBILE_PATTERN = re.compile(r"\+?[0-9]{6,15}")
MOBILE_SEPARATORS = re.compile(r"[\s\-().]")
MOBILE_RULE = _l("Type a mobile number: 6 to 15 digits, e.g. 13800138000 or +8613800138000.")


class AccountRuleError(ValueError):
    """A change refused; `message` says why in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def normalize_username(text: str) -> str:
    """Usernames are kept in lower case, so "Wang.Li" and "wang.li" are the same person."""
    return text.strip().lower()


def normalize_mobile(text: str) -> str:
    """A mobile number as stored: full-width digits made plain, spaces, dashes, dots and
    brackets dropped ("138 0013-8000" → "13800138000")."""
    return MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def mobile_problem(mobile: str):
    """Why a normalised mobile number cannot be used, or None."""
    return None if MOBILE_PATTERN.fullmatch(mobile) else MOBILE_RULE


def is_valid_username(username: str) -> bool:
    return USERNAME_PATTERN.fullmatch(username) is not None


def find_user(username: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == normalize_username(username))
    )


def password_problem(password: str):
    """Why a new password cannot be used, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _l("Use at least %(count)s characters.", count=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _l("Use at most %(count)s characters.", count=PASSWORD_MAX_LENGTH)
    if is_common(password):
        return _l("This is one of the most common passwords, the first ones anyone tries. "
                  "Choose another.")
    return None


def change_password(user: User, password: str, keeping: SignIn | None = None) -> None:
    """A new password signs the user out on every phone but `keeping`, the one that set it
    (none when the logistics head or a command sets it): the thing to do after a phone is lost.
    """
    user.set_password(password)
    sign_ins.end_all(user, keeping=keeping)


def change_account(user: User, *, role: Role, active: bool, actor: User | None = None) -> None:
    """Give the user a role and let them sign in or not, unless that would lock people out.

    `actor` is the admin making the change on the web; the commands have none.
    Disabling a user ends their sign-ins at once, so enabling them again revives none.
    """
    if actor is not None and actor.id == user.id:
        if not active:
            raise AccountRuleError(_l("You cannot disable your own account."))
        if user.role == Role.ADMIN and role != Role.ADMIN:
            raise AccountRuleError(_l("You cannot take away your own admin role."))
    loses_admin = user.role == Role.ADMIN and user.active and (role != Role.ADMIN or not active)
    if loses_admin and not _other_active_admins(user):
        raise AccountRuleError(
            _l(
                "%(name)s is the last active admin. Make someone else an admin first.",
                name=user.display_name,
            )
        )
    if user.active and not active:
        sign_ins.end_all(user)
    user.role = role
    user.active = active


def _other_active_admins(user: User) -> list[int]:
    # Every active admin row is locked, so two admins demoting each other at the same
    # moment are served one after the other, and the second sees the first's change.
    admins = db.session.scalars(
        sa.select(User.id)
        .join(User.membership)
        .where(Membership.role == Role.ADMIN, User.active.is_(True))
        .with_for_update()
    ).all()
    return [admin_id for admin_id in admins if admin_id != user.id]


def add_to_school(user: User, role: Role) -> Membership:
    """Give a person who already has an account a role in the current school too.

    Refused for someone already working here (their role is changed on their own page), and
    for a role no school gives (Role.VIEWER belongs to the district's readers).
    """
    if role not in SCHOOL_ROLES:
        raise AccountRuleError(_l("Choose a role this school gives."))
    if memberships.membership_in(user, tenancy.current_school_id()) is not None:
        raise AccountRuleError(
            _l("%(name)s already works in this school.", name=user.display_name)
        )
    membership = Membership(user_id=user.id, role=role)
    db.session.add(membership)
    return membership


def remove_from_school(user: User, actor: User | None = None) -> None:
    """Take the person out of the current school, and nothing else: their account, their
    other schools and everything they recorded here stay (their records keep their name).

    Refused for their last school (a person belongs to at least one: disable the account
    instead), for the school's last active admin, and for an admin removing themselves
    (`actor`, on the web; the commands have none). A phone of theirs working in this school
    is moved to another of their schools on its next page (app.auth.sign_ins).
    """
    membership = memberships.membership_in(user, tenancy.current_school_id())
    if membership is None:
        raise AccountRuleError(
            _l("%(name)s does not work in this school.", name=user.display_name)
        )
    if actor is not None and actor.id == user.id:
        raise AccountRuleError(_l("You cannot remove yourself from this school."))
    if len(memberships.schools_of(user)) == 1:
        raise AccountRuleError(
            _l(
                "This is the last school of %(name)s: everyone belongs to at least one. "
                "Disable the account instead.",
                name=user.display_name,
            )
        )
    if membership.role == Role.ADMIN and user.active and not _other_active_admins(user):
        raise AccountRuleError(
            _l(
                "%(name)s is the last active admin. Make someone else an admin first.",
                name=user.display_name,
            )
        )
    db.session.delete(membership)


def set_active(user: User, active: bool) -> None:
    """Let the user sign in or not: one account, so in every school of theirs at once.

    Refused where they are the last active admin of any of their schools (the `users`
    commands, which work in no one school). Disabling ends their sign-ins at once.
    """
    if user.active and not active:
        for membership in memberships.schools_of(user):
            if membership.role != Role.ADMIN:
                continue
            with tenancy.in_school(membership.school_id):
                if not _other_active_admins(user):
                    raise AccountRuleError(
                        _l(
                            "%(name)s is the last active admin. Make someone else an admin "
                            "first.",
                            name=user.display_name,
                        )
                    )
        sign_ins.end_all(user)
    user.active = active
