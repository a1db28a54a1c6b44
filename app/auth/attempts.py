"""How fast passwords may be tried at sign-in, without letting a stranger lock anyone out.

Only refused sign-ins count (a busy morning is not an attack). From a phone that has not
signed in as the named user before, refusals are counted
- per address: many names tried from one place;
- per username and address together: one name guessed from one place;
- per username from anywhere, more loosely: one name guessed from many places.
A stranger's guesses fill only these. A phone that signed in as that user before (see
app.auth.known_phones) is not held by them, so the owner's own phone still gets in with the
right password; it has a limit of its own instead, as tight as a stranger's.
"""

import sqlalchemy as sa
from flask import g, request

from app.auth import known_phones
from app.extensions import db
from app.models import User
from app.request_address import counted_address

PER_ADDRESS = "20 per 10 minutes"
PER_USERNAME_AND_ADDRESS = "5 per minute"
PER_USERNAME = "20 per hour"
PER_KNOWN_PHONE = "5 per minute;20 per hour"


def refused(response) -> bool:
    return response.status_code == 400


def typed_username() -> str:
    return request.form.get("username", "").strip().lower()[:40]


def username_key() -> str:
    return "login:" + typed_username()


def username_and_address_key() -> str:
    return f"login:{typed_username()}@{counted_address()}"


def known_phone_key() -> str:
    return f"login-phone:{known_phones.phone_id()}"


def from_known_phone() -> bool:
    """Whether this phone signed in before as the user the form names."""
    if "from_known_phone" not in g:
        g.from_known_phone = known_phones.phone_id() is not None and known_phones.knows(
            db.session.scalar(sa.select(User.id).where(User.username == typed_username()))
        )
    return g.from_known_phone


def from_another_phone() -> bool:
    return not from_known_phone()
