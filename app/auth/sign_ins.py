"""Sign-ins: one per phone, each of which its user or the logistics head can end.

- A phone's session and remember-me cookies carry its sign-in's random token; the database
  keeps only its SHA-256.
- A sign-in opens pages while it has not ended, its user is active, and it was used within
  the remember-me cookie's lifetime: a copy of a cookie is worth no more than the phone's own.
- Signing out ends this phone's sign-in; "sign out everywhere" ends all of the user's; the
  logistics head can end all of a user's (a lost phone); disabling a user ends all of theirs;
  a new password ends all but the one of the phone that set it.
- A sign-in works in one school at a time, one of its user's (app.memberships): the one
  chosen last on that phone, else their first. A user no longer in that school is moved to
  another of theirs and told so.
- A sign-in is kept a month (KEPT_AFTER) after it ended or ran out, then forgotten by the
  worker: the phones' list and the questions "who was signed in, on what" need no more.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, flash
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from app import memberships, tenancy
from app.auth import devices
from app.extensions import db
from app.models import DistrictMember, Membership, School, SignIn, User
from app.models.common import utcnow

KEPT_AFTER = timedelta(days=30)

# How stale "last used" may be: a write every few minutes per phone, not one per request.
TOUCH_EVERY = timedelta(minutes=5)

# How many schools the user works in: the header offers a school switch only past one.
_CountedMembership = so.aliased(Membership)
_school_count = (
    sa.select(sa.func.count(_CountedMembership.id))
    .where(_CountedMembership.user_id == User.id)
    .correlate(User)
    .scalar_subquery()
)

# Built once: every signed-in request runs it, and finds the school and role with the user.
_by_token = (
    sa.select(
        User,
        SignIn,
        Membership,
        School,
        _school_count,
        # Whether the header offers the district's pages: asked here, not once more per page.
        sa.exists().where(DistrictMember.user_id == User.id).label("in_a_district"),
    )
    .join(SignIn, SignIn.user_id == User.id)
    .outerjoin(
        Membership,
        sa.and_(Membership.user_id == User.id, Membership.school_id == SignIn.school_id),
    )
    .outerjoin(School, School.id == SignIn.school_id)
    .where(
        SignIn.token_hash == sa.bindparam("token_hash", type_=sa.String),
        SignIn.ended_at.is_(None),
        SignIn.last_used_at > sa.bindparam("used_since", type_=sa.DateTime),
        User.active.is_(True),
    )
)


def start(user: User, user_agent: str) -> SignIn:
    """A new sign-in for this phone, which becomes the user's for this request."""
    token = secrets.token_urlsafe(32)
    sign_in = SignIn(
        user=user,
        token_hash=_hash(token),
        device=devices.describe(user_agent),
        school_id=memberships.first_school_id(user),
    )
    sign_in.token = token
    user.sign_in = sign_in
    db.session.add(sign_in)
    return sign_in


def load(token: str) -> User | None:
    """The user a cookie's token signs in, or None when its sign-in is no longer good."""
    now = utcnow()
    with tenancy.everywhere():
        row = db.session.execute(
            _by_token, {"token_hash": _hash(token), "used_since": now - lifetime()}
        ).first()
        if row is None:
            return None
        user, sign_in, membership, school, school_count, in_a_district = row
        sign_in.token = token
        user.sign_in = sign_in
        user.school_count = school_count
        user.in_a_district = in_a_district
        set_committed_value(user, "membership", membership)
        if membership is None:
            _settle(user, sign_in, school)
    if sign_in.school_id is None:
        tenancy.enter(())
    else:
        loaded = school if school is not None and school.id == sign_in.school_id else None
        tenancy.enter((sign_in.school_id,), loaded)
    if now - sign_in.last_used_at >= TOUCH_EVERY:
        _touch(sign_in, now)
    return user


def _settle(user: User, sign_in: SignIn, school: School | None) -> None:
    """The phone's school when the user is no member of it: read-only for the district's
    people in a school of theirs; else the user's first school, and they are told."""
    if school is not None:
        user.district_role = memberships.district_role_over(user, school)
        if user.district_role is not None:
            return
    school_id = memberships.first_school_id(user)
    if school is not None:
        flash(_("You no longer work in %(school)s.", school=school.title), "info")
    if school_id != sign_in.school_id:
        switch_school(sign_in, school_id)
    if school_id is not None:
        set_committed_value(
            user, "membership", memberships.membership_in(user, school_id)
        )


def switch_school(sign_in: SignIn, school_id: int | None) -> None:
    """Make another school the phone's, in a transaction of its own."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(SignIn.__table__)
            .where(SignIn.id == sign_in.id)
            .values(school_id=school_id)
        )
    set_committed_value(sign_in, "school_id", school_id)


def lifetime() -> timedelta:
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def still_good(user: User) -> list[SignIn]:
    """The user's sign-ins that would still open pages, last used first."""
    return db.session.scalars(
        sa.select(SignIn)
        .where(
            SignIn.user_id == user.id,
            SignIn.ended_at.is_(None),
            SignIn.last_used_at > utcnow() - lifetime(),
        )
        .order_by(SignIn.last_used_at.desc(), SignIn.id.desc())
    ).all()


def end(sign_in: SignIn) -> None:
    if sign_in.ended_at is None:
        sign_in.ended_at = utcnow()


def end_all(user: User, keeping: SignIn | None = None) -> None:
    """End every sign-in of the user, except `keeping` (the phone that asked) if given."""
    statement = sa.update(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
    if keeping is not None:
        statement = statement.where(SignIn.id != keeping.id)
    db.session.execute(statement.values(ended_at=utcnow()))


def _touch(sign_in: SignIn, now: datetime) -> None:
    # In a transaction of its own, so the request's own work is neither committed nor
    # waited for; the loaded row is updated without being marked as changed.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(SignIn.__table__).where(SignIn.id == sign_in.id).values(last_used_at=now)
        )
    set_committed_value(sign_in, "last_used_at", now)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def forget_old(now: datetime | None = None) -> int:
    """Delete the sign-ins that ended, or ran out unused, over KEPT_AFTER ago; how many."""
    now = now or utcnow()
    forgotten = db.session.execute(
        sa.delete(SignIn).where(
            sa.or_(
                SignIn.ended_at < now - KEPT_AFTER,
                SignIn.last_used_at < now - lifetime() - KEPT_AFTER,
            )
        )
    ).rowcount
    db.session.commit()
    return forgotten
