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

Every such form is recorded through SentForm, so the rule above is kept in one place.

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
from sqlalchemy.exc import IntegrityError

from app.core.photos import claim_photo, keep_photos
from app.extensions import db

CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# A refused form's photos can be claimed by sending it again for a day; after that
# `flask photos clean` may delete them (app/core/photos/cleanup.py).
PHOTO_TOKEN_MAX_AGE = 24 * 3600


class FormReused(Exception):
    """The client id is another form's: answered with 409 and this message, nothing more."""

    message = _l("This form was already used for something else. Nothing was recorded.")


class ClientIdMalformed(Exception):
    """The client id sent is not one Patrol or a phone makes: answered with 400, nothing more."""

    message = _l(
        "This form is damaged. Reload the page and fill it in again. Nothing was recorded."
    )


def new_client_id() -> str:
    return uuid.uuid4().hex


def sent_client_id(typed: str | None) -> str:
    """The id the form was sent with; a fresh one when it has none; ClientIdMalformed when
    what it has is not a client id.

    One rule for every form, chosen so that nothing is lost and nothing recorded twice:
    - Missing: an old page kept in a browser's cache, or one sent without JavaScript, may
      carry none, and refusing it would lose the person's work. Such a send cannot be a
      retry by the outbox (it keeps only forms with a good id), so a fresh id records it
      once, as new, and matches nobody's record; only the repeat protection it never had
      is missing.
    - Malformed: nothing Patrol shows or the phone's outbox makes sends one, so the sender is
      broken or hostile. A fresh id would record each of its retries again; refused (400),
      nothing is recorded, and a broken sender learns it at once rather than by duplicates.
    """
    typed = (typed or "").strip()
    if not typed:
        return new_client_id()
    if not CLIENT_ID.fullmatch(typed):
        raise ClientIdMalformed()
    return typed


class SentForm:
    """One send of a form with a client id (sent_client_id), recorded once.

    `same` gives, by column, what makes it the same form: the sender and what the form is
    about, as this send has them. A record with this client id that differs in any of them
    is another form: the transaction is rolled back and FormReused raised. Made before the
    new record is added, so that reading what `same` needs flushes nothing.
    """

    def __init__(self, model, client_id: str, **same):
        self.model, self.client_id, self.same = model, client_id, same

    def earlier(self):
        """The record an earlier send of this same form made, or None when the form is new."""
        model = self.model
        earlier = db.session.scalar(sa.select(model).where(model.client_id == self.client_id))
        if earlier is None:
            return None
        if any(getattr(earlier, column) != value for column, value in self.same.items()):
            db.session.rollback()
            raise FormReused()
        return earlier

    def record(self, make):
        """(record, created): the earlier send's record, or what make() adds, committed.

        make() is called only for a new form and returns the record it added to the session,
        or None when there is nothing to record (the form has errors): then nothing is
        committed and (None, False) returned.
        """
        earlier = self.earlier()
        if earlier is not None:
            return earlier, False
        try:
            made = make()
            if made is None:
                return None, False
            db.session.commit()
        except IntegrityError as clash:
            return self._winner(clash), False
        return made, True

    def commit(self, made):
        """(record, created): commit the new record, for a caller that looked for an earlier
        send itself (earlier) before it had the record made."""
        try:
            db.session.commit()
        except IntegrityError as clash:
            return self._winner(clash), False
        return made, True

    def _winner(self, clash: IntegrityError):
        """Two sends at once both got past the look for an earlier one; the unique client id
        let one commit. The other is answered with the winner's record, or refused when that
        was another form; any other clash is not ours to answer."""
        db.session.rollback()
        earlier = self.earlier()
        if earlier is None:
            raise clash
        return earlier


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kept-photo")


def photo_token(filename: str, user_id: int | None, client_id: str) -> str:
    """The hidden field carrying a stored photo across a refused attempt: the photo is kept
    now, since only a later request records the form naming it."""
    keep_photos()
    return _serializer().dumps([filename, user_id, client_id])


def photo_from_token(token: str, user_id: int | None, client_id: str) -> str | None:
    try:
        filename, signer, form = _serializer().loads(token, max_age=PHOTO_TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if signer != user_id or form != client_id or not claim_photo(filename):
        return None
    return filename
