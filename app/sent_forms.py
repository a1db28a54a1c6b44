"""Forms sent from a phone, on a bad network: the id that makes a repeat harmless, and the
photos kept across a refused attempt.

Each form carries an id made when it was opened; the database keeps it unique, so a double
tap or a retry records nothing new. A photo accepted on a refused attempt is carried in a
signed hidden field, so it need not be taken again; the signature ties it to the person and
the form it was uploaded in, so nobody can attach someone else's photo by guessing its name.
"""

import re
import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.photos import claim_photo

CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# A refused form's photos can be claimed by sending it again for a day; after that
# `flask photos clean` may delete them (app/photos/cleanup.py).
PHOTO_TOKEN_MAX_AGE = 24 * 3600


def new_client_id() -> str:
    return uuid.uuid4().hex


def valid_client_id(value: str) -> bool:
    return bool(CLIENT_ID.fullmatch(value))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kept-photo")


def photo_token(filename: str, user_id: int | None, client_id: str) -> str:
    return _serializer().dumps([filename, user_id, client_id])


def photo_from_token(token: str, user_id: int | None, client_id: str) -> str | None:
    try:
        filename, signer, form = _serializer().loads(token, max_age=PHOTO_TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if signer != user_id or form != client_id or not claim_photo(filename):
        return None
    return filename
