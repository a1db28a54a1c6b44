"""Phones that signed in before, told apart by a long-lived cookie signed with the secret key.

The cookie names the phone (a random id) and the users who signed in on it, nothing else.
Only Patrol can make one, so a stranger cannot pass for the owner's phone without the
phone itself; the sign-in limits use it to let the owner through (see app.auth.attempts).
"""

import secrets
from datetime import timedelta

from flask import current_app, g, request
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE = "patrol_phone"
MAX_AGE = timedelta(days=365)
# A shared phone (the gatehouse's) may be used by a few people; the most recent ones count.
USERS_KEPT = 10


def phone_id() -> str | None:
    """This phone's id, when it signed in here before."""
    return _read()["phone"] if _read() else None


def knows(user_id: int) -> bool:
    """Whether this phone signed in as the user before."""
    return bool(_read()) and user_id in _read()["users"]


def remember(response, user_id: int) -> None:
    """After a sign-in: the phone keeps (or gets) its id and puts the user first."""
    known = _read() or {"phone": secrets.token_urlsafe(16), "users": []}
    users = [user_id] + [other for other in known["users"] if other != user_id]
    value = _serializer().dumps({"phone": known["phone"], "users": users[:USERS_KEPT]})
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(MAX_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )


def _read() -> dict | None:
    if "known_phone" not in g:
        g.known_phone = _verified(request.cookies.get(COOKIE))
    return g.known_phone


def _verified(value: str | None) -> dict | None:
    if not value:
        return None
    try:
        known = _serializer().loads(value, max_age=MAX_AGE.total_seconds())
    except BadData:
        return None
    if not (isinstance(known, dict) and isinstance(known.get("phone"), str)):
        return None
    users = known.get("users")
    if not (isinstance(users, list) and all(isinstance(user, int) for user in users)):
        return None
    return known


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="patrol.known-phone")
