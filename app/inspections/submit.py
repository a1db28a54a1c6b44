"""Submitting an inspection: check what the inspector entered, then record all of it or nothing.

Rules, as the inspector meets them:
- Every required item is answered; a failed check says what is wrong in a note.
- A reading is a number ("0,3" counts as 0.3); outside its allowed range it is flagged and
  counts as failed.
- Photos are checked and stored as soon as they arrive, so a form refused for another
  reason does not make anyone take them again.
- "All OK" marks every check not yet answered as OK and records nothing: the inspector
  looks the form over and signs, and only Send records.
- The inspection is signed: a finger drawing or (without JavaScript) a typed name. The
  signer is the person signed in, and a typed name must be theirs.
- A retired asset is not inspected. An out-of-service one may be (a check of a broken
  thing is useful), and a check that is not due may be done, flagged off schedule.
- Each failed check and each out-of-range reading raises a fault; a failed critical item
  takes the asset out of service at once.
- The same form sent twice (a double tap, a retry after a flaky network) records nothing
  new and is answered as the first time; its client id sent by another inspector, or for
  another asset, checklist or correction, is refused (app.core.sent_forms).
"""

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app import tenancy
from app.core.numbers import typed_number
from app.core.photos import PhotoError, save_photo
from app.core.sent_forms import SentForm
from app.core.signatures import SignatureError, make_signature
from app.extensions import db
from app.faults.raising import raise_fault
from app.models import (
    Answer,
    AssetStatus,
    Fault,
    Inspection,
    ItemType,
    Outcome,
    Signature,
    Urgency,
)
from app.models.common import utcnow
from app.routines import has_items, routine_states
from app.schedule import local_date

MAX_NOTE_LENGTH = 2000
MAX_TEXT_LENGTH = 4000


@dataclass
class Entry:
    """What the inspector entered for one item, kept as typed so a refused form shows it again."""

    outcome: str = ""
    reading: str = ""
    text: str = ""
    note: str = ""
    photo: str | None = None  # a stored photo's filename, once it has been accepted


@dataclass
class Entered:
    """One sending of the form."""

    client_id: str
    entries: dict[int, Entry]  # by ChecklistItem.id
    uploads: dict = field(default_factory=dict)  # new photo files (FileStorage) by item id
    signature_data: str = ""
    signer_name: str = ""
    note: str = ""

    def entry(self, item_id: int) -> Entry:
        return self.entries.setdefault(item_id, Entry())


def item_name(item_id: int) -> str:
    """The form's name for one item as a whole; its fields are item-<id>-<part>."""
    return f"item-{item_id}"


@dataclass
class Result:
    inspection: Inspection | None = None
    created: bool = False  # False for a repeat: the inspection is the one first recorded
    # As a WTForms form's errors: the messages by the form's name for the field at fault,
    # item_name(item id) for an item, "note" and "signature" for the form as a whole.
    errors: dict[str, list] = field(default_factory=dict)


class InspectionRefused(Exception):
    """The inspection cannot be done at all (not a matter of correcting the form)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class _Checked:
    item: object
    outcome: Outcome | None = None
    reading: float | None = None
    out_of_range: bool = False
    text: str = ""
    note: str = ""
    photo: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAIL or self.out_of_range


def sent_inspection(
    client_id: str, asset, checklist, inspector, corrects: Inspection | None
) -> SentForm:
    """This send of an inspection form: see app.core.sent_forms for when it is a repeat."""
    return SentForm(
        Inspection,
        client_id,
        inspector_id=inspector.id,
        asset_id=asset.id,
        checklist_id=checklist.id,
        corrects_id=corrects.id if corrects is not None else None,
    )


def routine_state(asset, checklist):
    """Where this routine stands for this asset today, or None when it does not apply."""
    states = routine_states([asset], checklists=[checklist] if has_items(checklist) else [])
    return states[0] if states else None


def refusal(asset, corrects: Inspection | None = None) -> str | None:
    """Why this inspection cannot be done at all, or None."""
    if asset.status == AssetStatus.RETIRED:
        return _l(
            "%(asset)s is retired: it is no longer inspected. Nothing was recorded.",
            asset=asset.title,
        )
    if corrects is not None:
        newer = correction_of(corrects)
        if newer is not None:
            return _l(
                "This record was already corrected by #%(number)s. Correct that one instead.",
                number=newer,
            )
    return None


def correction_of(inspection: Inspection) -> int | None:
    """The id of the inspection that corrects this one, if any."""
    return db.session.scalar(
        sa.select(Inspection.id).where(Inspection.corrects_id == inspection.id).limit(1)
    )


def submit_inspection(
    *,
    asset,
    checklist,
    version,
    inspector,
    entered: Entered,
    corrects: Inspection | None = None,
) -> Result:
    """Validate and record one inspection, in one transaction; see the module's rules."""
    errors: dict[str, list] = {}

    def record() -> Inspection | None:
        reason = refusal(asset, corrects)
        if reason:
            raise InspectionRefused(reason)
        checked = []
        for item in version.items:
            answer, problems = _check_item(item, entered)
            checked.append(answer)
            if problems:
                errors[item_name(item.id)] = problems
        try:
            _check_length(entered.note, MAX_NOTE_LENGTH)
        except ValidationError as problem:
            errors["note"] = [problem.args[0]]
        signature = None
        try:
            signature = _signature(entered, inspector)
        except ValidationError as problem:
            errors["signature"] = [problem.args[0]]
        if errors:
            return None

        now = utcnow()
        if corrects is not None:
            # A correction restates a check done that day: it keeps the day and the schedule
            # flag.
            day, off_schedule = corrects.local_date, corrects.off_schedule
            already_failed = {answer.item_id for answer in corrects.answers if answer.failed}
        else:
            day = local_date(now, tenancy.school_timezone())
            state = routine_state(asset, checklist)
            off_schedule = state is None or not state.is_due_now
            already_failed = set()
        inspection = _record(
            asset, checklist, version, inspector, entered, checked, signature, corrects, now,
            day, off_schedule,
        )
        for answer in checked:
            if answer.failed and answer.item.id not in already_failed:
                _raise_fault_for(answer, inspection, asset, inspector, now)
        return inspection

    sent = sent_inspection(entered.client_id, asset, checklist, inspector, corrects)
    inspection, created = sent.record(record)
    if inspection is None:
        return Result(errors=errors)
    return Result(inspection=inspection, created=created)


def mark_all_ok(entered: Entered, items) -> dict:
    """"All OK" sent without JavaScript: every check not yet answered is marked OK, and
    nothing is recorded; the form goes back for changes and the signature.

    Answers already given stay as they are, and readings are never invented. Photos chosen
    meanwhile are kept as on any send; the only errors returned are theirs.
    """
    errors = {}
    for item in items:
        entry = entered.entry(item.id)
        if item.type == ItemType.CHECK and not entry.outcome:
            entry.outcome = Outcome.PASS.value
        try:
            _keep_upload(item, entered)
        except ValidationError as problem:
            errors[item_name(item.id)] = [problem.args[0]]
    return errors


def _keep_upload(item, entered: Entered) -> None:
    """Store the photo just chosen for this item, if any."""
    upload = entered.uploads.get(item.id)
    if upload is None:
        return
    try:
        entered.entry(item.id).photo = save_photo(upload)
    except PhotoError as error:
        raise ValidationError(error.message) from None


def _check_item(item, entered: Entered) -> tuple[_Checked, list]:
    """The item's answer as it would be recorded, and every problem with it: each check
    raises its message, and the item collects them as a WTForms field does."""
    entry = entered.entry(item.id)
    checked = _Checked(item=item)
    problems = []

    def collect(check, *args):
        try:
            check(*args)
        except ValidationError as problem:
            problems.append(problem.args[0])

    collect(_keep_upload, item, entered)
    if item.type == ItemType.CHECK:
        collect(_check_outcome, item, entry, checked)
    elif item.type == ItemType.READING:
        collect(_check_reading, item, entry, checked)
    elif item.type == ItemType.TEXT:
        collect(_check_text, item, entry, checked)
    elif item.type == ItemType.PHOTO and not problems:
        # A photo just refused has said why already.
        collect(_check_photo, item, entry)
    checked.note = entry.note.strip()
    collect(_check_length, checked.note, MAX_NOTE_LENGTH)
    checked.photo = entry.photo
    return checked, problems


def _check_outcome(item, entry: Entry, checked: _Checked) -> None:
    if not entry.outcome:
        if item.required:
            raise ValidationError(_l("Choose OK, Fail or N/A."))
        return
    try:
        checked.outcome = Outcome(entry.outcome)
    except ValueError:
        entry.outcome = ""
        raise ValidationError(_l("Choose OK, Fail or N/A.")) from None
    if checked.outcome == Outcome.FAIL and not entry.note.strip():
        raise ValidationError(_l("Say what is wrong in the note."))


def _check_reading(item, entry: Entry, checked: _Checked) -> None:
    if not entry.reading.strip():
        if item.required:
            raise ValidationError(_l("Enter the reading."))
        return
    value = parse_number(entry.reading)
    if value is None:
        raise ValidationError(_l("Enter a number, for example 0.3."))
    checked.reading = value
    checked.out_of_range = not item.in_range(value)


def _check_text(item, entry: Entry, checked: _Checked) -> None:
    checked.text = entry.text.strip()
    _check_length(checked.text, MAX_TEXT_LENGTH)
    if item.required and not checked.text:
        raise ValidationError(_l("Write your answer here."))


def _check_photo(item, entry: Entry) -> None:
    """A required photo: taken now, or kept from a refused attempt."""
    if item.required and not entry.photo:
        raise ValidationError(_l("Take a photo."))


def _check_length(typed: str, limit: int) -> None:
    if len(typed) > limit:
        raise ValidationError(_l("Too long: at most %(count)s characters.", count=limit))


def parse_number(typed: str) -> float | None:
    """A reading as a person types it (app.core.numbers), or None; never inf or NaN."""
    number = typed_number(typed)
    if number is None:
        return None
    value = float(number)
    return value if math.isfinite(value) else None


def _signature(entered: Entered, inspector) -> Signature:
    try:
        return make_signature(
            inspector, entered.signature_data, entered.signer_name, own_name_only=True
        )
    except SignatureError as error:
        # A drawing that cannot be used is not shown again: the signer draws a new one.
        entered.signature_data = ""
        raise ValidationError(error.message) from None


def _record(
    asset, checklist, version, inspector, entered, checked, signature, corrects, now, day,
    off_schedule,
) -> Inspection:
    signature.signed_at = now
    inspection = Inspection(
        client_id=entered.client_id,
        asset=asset,
        checklist=checklist,
        version=version,
        inspector=inspector,
        signature=signature,
        submitted_at=now,
        local_date=day,
        passed=not any(answer.failed for answer in checked),
        off_schedule=off_schedule,
        note=entered.note.strip(),
        corrects=corrects,
    )
    for answer in checked:
        inspection.answers.append(
            Answer(
                item=answer.item,
                position=answer.item.position,
                outcome=answer.outcome,
                reading=answer.reading,
                out_of_range=answer.out_of_range,
                text=answer.text,
                note=answer.note,
                photo=answer.photo,
            )
        )
    db.session.add(inspection)
    return inspection


def _raise_fault_for(answer: _Checked, inspection, asset, inspector, now) -> Fault:
    item = answer.item
    return raise_fault(
        asset,
        fault_description(item, answer.reading, answer.note),
        Urgency.UNSAFE if item.critical else Urgency.NEEDS_REPAIR,
        inspection=inspection,
        item=item,
        photo=answer.photo,
        reporter=inspector,
        take_out_of_service=item.critical,
        at=now,
    )


def fault_description(item, reading: float | None, note: str) -> str:
    """Stored once, in the school's wording of the item, with the reading and its limits."""
    description = item.text
    if reading is not None:
        unit = f" {item.unit}" if item.unit else ""
        limits = allowed_range(item)
        description += f": {format_number(reading)}{unit}"
        if limits:
            description += f" ({limits}{unit})"
    if note:
        description += f" — {note}"
    return description


def allowed_range(item) -> str:
    low, high = item.min_value, item.max_value
    if low is not None and high is not None:
        return f"{format_number(low)}–{format_number(high)}"
    if high is not None:
        return f"≤ {format_number(high)}"
    if low is not None:
        return f"≥ {format_number(low)}"
    return ""


def format_number(value: float) -> str:
    return f"{value:.15g}"


def faults_raised(inspection: Inspection) -> list[Fault]:
    return list(
        db.session.scalars(
            sa.select(Fault).where(Fault.inspection_id == inspection.id).order_by(Fault.id)
        )
    )
