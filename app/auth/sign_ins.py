"""Sign-ins: one per phone, each of which its user or the logistics head can end.

- A phone's session and remember-me cookies carry its sign-in's random token; the database
  keeps only its SHA-256.
- A sign-in opens pages while it has not ended, its user is active, and it was used within
  the remember-me cookie's lifetime: a copy of a cookie is worth no more than the phone's own.
- Signing out ends this phone's sign-in; "sign out everywhere" ends all of the user's; the
  logistics head can end all of a user's (a lost phone); disabling a user ends all of theirs;
  a new password ends all but the one of the phone that set it.
- A sign-in is kept a month (KEPT_AFTER) after it ended or ran out, then forgotten by the
  worker: the phones' list and the questions "who was signed in, on what" need no more.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from app.auth import devices
from app.extensions import db
from app.models import SignIn, User
from app.models.common import utcnow

KEPT_AFTER = timedelta(days=30)

# How stale "last used" may be: a write every few minutes per phone, not one per request.
TOUCH_EVERY = timedelta(minutes=5)

# Built once: every signed-in request runs it.
_by_token = (
    sa.select(User, SignIn)
    .join(SignIn, SignIn.user_id == User.id)
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
    sign_in = SignIn(user=user, token_hash=_hash(token), device=devices.describe(user_agent))
    sign_in.token = token
    user.sign_in = sign_in
    db.session.add(sign_in)
    return sign_in


def load(token: str) -> User | None:
    """The user a cookie's token signs in, or None when its sign-in is no longer good."""
    now = utcnow()
    row = db.session.execute(
        _by_token, {"token_hash": _hash(token), "used_since": now - lifetime()}
    ).first()
    if row is None:
        return None
    user, sign_in = row
    sign_in.token = token
    user.sign_in = sign_in
    if now - sign_in.last_used_at >= TOUCH_EVERY:
        _touch(sign_in, now)
    return user


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
