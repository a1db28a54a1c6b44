"""The inspection form as the browser sends it: field names, parsing, and kept photos.

Fields are named after the item's id in the version shown (item-<id>-outcome and so on),
so a form filled in against one version can never be read against another.

A photo accepted on a refused attempt is carried in a signed hidden field, so it need not
be taken again; the signature ties it to the person and the form (client id) it was
uploaded in, so nobody can attach someone else's photo by guessing its name.
"""

import re
import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.inspections.submit import Entered, Entry, format_number

CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# What a browser keeps in <input type=number>; anything else would be blanked on the page.
HTML_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
PHOTO_TOKEN_MAX_AGE = 7 * 24 * 3600
PARTS = ("outcome", "reading", "text", "note")


def field_name(item_id: int, part: str) -> str:
    return f"item-{item_id}-{part}"


def new_client_id() -> str:
    return uuid.uuid4().hex


def valid_client_id(value: str) -> bool:
    return bool(CLIENT_ID.fullmatch(value))


def is_html_number(typed: str) -> bool:
    return bool(HTML_NUMBER.fullmatch(typed))


def parse_form(form, files, items, user_id: int) -> Entered:
    client_id = form.get("client_id", "").strip()
    entered = Entered(
        client_id=client_id,
        entries={},
        signature_data=form.get("signature_data", "").strip(),
        signer_name=form.get("signer_name", ""),
        note=form.get("note", ""),
        all_ok=bool(form.get("all_ok")),
    )
    for item in items:
        entry = Entry(**{part: form.get(field_name(item.id, part), "") for part in PARTS})
        token = form.get(field_name(item.id, "photo_token"), "")
        entry.photo = photo_from_token(token, user_id, client_id) if token else None
        entered.entries[item.id] = entry
        upload = files.get(field_name(item.id, "photo"))
        if upload is not None and upload.filename:
            entered.uploads[item.id] = upload
    return entered


def entered_from(inspection, client_id: str) -> Entered:
    """A correction's form starts from the answers of the inspection it corrects."""
    entries = {
        answer.item_id: Entry(
            outcome=answer.outcome.value if answer.outcome else "",
            reading="" if answer.reading is None else format_number(answer.reading),
            text=answer.text,
            note=answer.note,
            photo=answer.photo,
        )
        for answer in inspection.answers
    }
    return Entered(client_id=client_id, entries=entries, note=inspection.note)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="inspection-photo")


def photo_token(filename: str, user_id: int, client_id: str) -> str:
    return _serializer().dumps([filename, user_id, client_id])


def photo_from_token(token: str, user_id: int, client_id: str) -> str | None:
    try:
        filename, signer, form = _serializer().loads(token, max_age=PHOTO_TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if signer != user_id or form != client_id:
        return None
    return filename
