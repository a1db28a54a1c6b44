"""The inspection form as the browser sends it: field names, parsing, and kept photos.

Fields are named after the item's id in the version shown (item-<id>-outcome and so on),
so a form filled in against one version can never be read against another.
Photos accepted on a refused attempt are carried as app.sent_forms tokens.
"""

import re

from app.inspections.submit import Entered, Entry, format_number
from app.sent_forms import photo_from_token, sent_client_id

# What a browser keeps in <input type=number>; anything else would be blanked on the page.
HTML_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
PARTS = ("outcome", "reading", "text", "note")


def field_name(item_id: int, part: str) -> str:
    return f"item-{item_id}-{part}"


def is_html_number(typed: str) -> bool:
    return bool(HTML_NUMBER.fullmatch(typed))


def parse_form(form, files, items, user_id: int) -> Entered:
    client_id = sent_client_id(form.get("client_id", ""))
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
