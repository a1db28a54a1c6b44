"""The inspection form: what its page needs to draw it, and what the browser sends back
(field names, parsing, and kept photos).

Fields are named after the item's id in the version shown (item-<id>-outcome and so on),
so a form filled in against one version can never be read against another.
Photos accepted on a refused attempt are carried as app.core.sent_forms tokens.
"""

import re

from flask import url_for
from flask_login import current_user

from app.core.sent_forms import new_client_id, photo_from_token, photo_token, sent_client_id
from app.inspections.submit import (
    Entered,
    Entry,
    allowed_range,
    format_number,
    item_name,
    parse_number,
)

# What a browser keeps in <input type=number>; anything else would be blanked on the page.
HTML_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
PARTS = ("outcome", "reading", "text", "note")


def field_name(item_id: int, part: str) -> str:
    return f"{item_name(item_id)}-{part}"


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


def form_context(
    asset, checklist, version, entered, state, errors=None, corrects=None, fresh=False,
    all_ok_marked=False,
) -> dict:
    """What templates/inspections/_form.html draws the form from, wherever it is shown: on
    its own page, or opened at once on the scan page. state is where the routine stands
    (None for a correction); all_ok_marked says "All OK" was just sent without JavaScript.
    """
    for item in version.items:
        entered.entry(item.id)
    photo_tokens = {
        item_id: photo_token(entry.photo, current_user.id, entered.client_id)
        for item_id, entry in entered.entries.items()
        if entry.photo
    }
    return dict(
        asset=asset,
        checklist=checklist,
        version=version,
        entered=entered,
        errors=errors or {},
        corrects=corrects,
        state=state,
        fresh=fresh,
        all_ok_marked=all_ok_marked,
        photo_tokens=photo_tokens,
        field_name=field_name,
        item_name=item_name,
        allowed_range=allowed_range,
        parse_number=parse_number,
        is_html_number=is_html_number,
        action=(
            url_for("inspections.correct", inspection_id=corrects.id)
            if corrects is not None
            else url_for("inspections.new", asset_id=asset.id, checklist_id=checklist.id)
        ),
    )


def new_form_context(asset, checklist, state) -> dict:
    """A form not yet filled in, for the routine's current version, with a new client id."""
    entered = Entered(client_id=new_client_id(), entries={})
    return form_context(asset, checklist, checklist.current_version, entered, state, fresh=True)
