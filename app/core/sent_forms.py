"""Forms sent from a phone, on a bad network: the id that makes a repeat harmless, and the
photos kept across a refused attempt.

Each form carries a client id made when it was shown (in the page by the server, or on the
phone by crypto.randomUUID); the database keeps it unique. One rule for every form that
carries one (an inspection or its correction, a fault report, the start of a stocktake):

- No record has the id: the form is recorded anew.
- A record has it and the same form made it: the same sender (the same user; for a public
  report, the same browser) about the same thing (the asset and checklist, the inspection
  corrected, the place counted). It is a repeat (a double tap, a retry after a flaky
  network, two phones' sends racing) and is answered as the first send was; nothing new.
- A record has it but another form made it: refused (409), nothing recorded, and nothing said
  of that record. The id is whatever the sender chose, so it proves nothing by itself:
  answering as the first would drop the second person's form unseen, and hand them the
  first one's record (a public reporter's name, description and photos).

A send whose id is missing or malformed gets a fresh one made here, so it is recorded as
new and matches nobody's record. Every form Patrol shows carries a good id and the outbox
keeps only forms that have one, so the only thing lost is the repeat protection that such a
send never had; a hand-made or script-less form still works.

A photo accepted on a refused attempt is carried in a signed hidden field, so it need not be
taken again; the signature ties it to the person and the form it was uploaded in, so nobody
can attach someone else's photo by guessing its name.
"""

import re
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.core.photos import claim_photo
from app.extensions import db

CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# A refused form's photos can be claimed by sending it again for a day; after that
# `flask photos clean` may delete them (app/core/photos/cleanup.py).
PHOTO_TOKEN_MAX_AGE = 24 * 3600


class FormReused(Exception):
    """The client id is another form's: answered with 409 and this message, nothing more."""

    message = _l("This form was already used for something else. Nothing was recorded.")


def new_client_id() -> str:
    return uuid.uuid4().hex


def sent_client_id(typed: str) -> str:
    """The id the form was sent with, or a fresh one when it is missing or malformed."""
    typed = typed.strip()
    return typed if CLIENT_ID.fullmatch(typed) else new_client_id()


def earlier_send(model, client_id: str, **same):
    """The record an earlier send of this same form made, or None when the form is new.

    `same` gives, by column, what makes it the same form: the sender and what the form is
    about, as this send has them. A record with this client id that differs in any of them
    is another form: the transaction is rolled back and FormReused raised. Asked again when
    the commit meets the unique client id (two sends at once), it says which the winner was.
    """
    earlier = db.session.scalar(sa.select(model).where(model.client_id == client_id))
    if earlier is None:
        return None
    if any(getattr(earlier, column) != value for column, value in same.items()):
        db.session.rollback()
        raise FormReused()
    return earlier


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
