"""The forms of faults: the report from a plate, each step of a fault's life, the list's
filters, and the settings page.

A report's own checks are here. A step's rules (who, when, what a repair must say) are
app.faults.lifecycle's: it refuses with errors by field name, which the step's form shows
beside its fields with what was typed. Every field keeps the name it has always had, so a
report kept in a phone's outbox from an older page still posts.
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from app.models import Cause, FaultStatus, Urgency
from app.request_values import database_int

MAX_RULE = 1000
DESCRIPTION_MAX = 2000
NAME_MAX = 80
PHONE_MAX = 30
PHOTOS_MAX = 5
PHONE = re.compile(r"[0-9 +\-]*")
MAX_DAYS = 3650
PHONE_RULE = _l(
    "A phone number has only digits, spaces, + and -, at most %(max)s.", max=PHONE_MAX
)
STATUS_FILTERS = ("open", *(status.value for status in FaultStatus), "all")


def stripped(value: str | None) -> str:
    """The text as typed, without spaces around it; a field left out of the form is empty."""
    return (value or "").strip()


def phone_as_typed(value: str | None) -> str:
    """A Chinese keyboard may type full-width digits, + and -: they are the same number."""
    return unicodedata.normalize("NFKC", value or "").strip()


def rule_field(label):
    return TextAreaField(label, validators=[Length(max=MAX_RULE)], filters=[stripped])


class FaultSettingsForm(FlaskForm):
    public_reports = BooleanField(
        _l("Anyone who scans a plate may report a fault without an account")
    )
    natural_wear = rule_field(_l("Rule for natural wear"))
    accidental = rule_field(_l("Rule for accidental damage"))
    deliberate = rule_field(_l("Rule for deliberate damage"))


class EveryValue(Field):
    """A name sent several times (hidden inputs): every value, in order; none, an empty list.

    A form sent with no fields at all gives a field no form data, only its default: that
    too is an empty list, never None.
    """

    def process_data(self, value):
        self.data = list(value or ())

    def process_formdata(self, valuelist):
        self.data = list(valuelist)


def urgency_choices():
    return [SelectChoice(urgency.value, urgency.label) for urgency in Urgency]


class ReportForm(FlaskForm):
    """A fault report from a plate, by staff."""

    client_id = HiddenField(filters=[stripped])
    description = TextAreaField(
        _l("What is wrong?"),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Say what is wrong.")),
            Length(max=DESCRIPTION_MAX, message=_l("At most %(max)s characters, please.")),
        ],
    )
    urgency = RadioField(
        _l("How urgent is it?"),
        choices=urgency_choices(),
        validate_choice=False,
        validators=[
            AnyOf([urgency.value for urgency in Urgency], message=_l("Choose how urgent it is."))
        ],
    )
    photos = MultipleFileField(_l("Photos (up to %(max)s)", max=PHOTOS_MAX))
    # The photos an earlier send of this form kept, one signed token each.
    photo_token = EveryValue()
    # A box older pages had: a report kept on a phone since then may still carry it ticked.
    take_out_of_service = BooleanField()

    def new_uploads(self) -> list:
        return [upload for upload in self.photos.data or () if upload and upload.filename]


class PublicReportForm(ReportForm):
    """A fault report from a plate by someone without an account, who says who they are."""

    public_name = StringField(
        _l("Your name"),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("Give your name, so the school knows who reported it.")),
            Length(max=NAME_MAX, message=_l("At most %(max)s characters, please.")),
        ],
    )
    public_phone = StringField(
        _l("Your phone (optional, so the school can ask you)"),
        filters=[phone_as_typed],
        validators=[
            Length(max=PHONE_MAX, message=PHONE_RULE),
            Regexp(rf"^{PHONE.pattern}$", message=PHONE_RULE),
        ],
    )


def optional_id(value) -> int | None:
    """A chosen record's id; None for the empty choice; ValueError past a database integer."""
    return None if value in ("", None) else database_int(value)


# The steps of a fault's life. Their fields are read as typed: lifecycle says what is wrong.


class StepForm(FlaskForm):
    """A step that carries nothing but itself (take, start)."""

    def show_refusal(self, errors: dict) -> None:
        """The lifecycle's errors beside the fields they are about: a signature's beside the
        name typed to sign."""
        for name, message in errors.items():
            self["signer_name" if name == "signature" else name].errors = [message]


class AssignForm(StepForm):
    repairer = SelectField(
        _l("Assign to"),
        coerce=optional_id,
        # A repairer past any id, or none chosen, is no repairer: the lifecycle says so.
        validate_choice=False,
    )


def note_field(label=None, id=None):
    return TextAreaField(label, filters=[stripped], id=id)


class SignedStepForm(StepForm):
    signature_data = HiddenField()
    signer_name = StringField()


class CompleteForm(SignedStepForm):
    note = note_field(_l("What was done"))
    parts = note_field(_l("Parts used (optional)"))
    cost = StringField(_l("Cost in yuan (optional)"))
    cause = RadioField(
        _l("Cause"),
        choices=[SelectChoice(cause, cause.label) for cause in Cause],
        validate_choice=False,
    )


class AcceptForm(SignedStepForm):
    pass


class ReopenForm(StepForm):
    reason = note_field(_l("Not fixed? Say why and send it back"))


class CommentForm(StepForm):
    comment = note_field(_l("Comment"), id="comment-text")


# The steps that take an optional note: one page may hold all three, so each has its own id.


class BackInServiceForm(StepForm):
    # Its label names the asset: see the fault's page.
    note = note_field(id="back-in-service-note")


class StillUsableForm(StepForm):
    note = note_field(_l("Safe to use until it is repaired? Why (optional)"), "still-usable-note")


class DismissForm(StepForm):
    note = note_field(_l("Not a real fault? Why (optional)"), "dismiss-note")


STEP_FORMS = {
    "assign": AssignForm,
    "take": StepForm,
    "start": StepForm,
    "complete": CompleteForm,
    "accept": AcceptForm,
    "reopen": ReopenForm,
    "comment": CommentForm,
    "back-in-service": BackInServiceForm,
    "still-usable": StillUsableForm,
    "dismiss": DismissForm,
}


# The fault list's filters: a link's query string, read as a form.


class FaultFilterForm(FlaskForm):
    """What the list shows. A filter that cannot be used is dropped, as if not in the link:
    the link may be old, or typed by hand."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        default="open",
        choices=[
            SelectChoice(
                status,
                {"open": _l("Open"), "all": _l("All")}.get(status)
                or FaultStatus(status).label,
            )
            for status in STATUS_FILTERS
        ],
    )
    place = SelectField(_l("Place"), coerce=optional_id)
    urgency = SelectField(
        _l("Urgency"), default="", choices=[SelectChoice("", _l("Any")), *urgency_choices()]
    )
    age = IntegerField(
        _l("Older than (days)"), validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)]
    )
    newer = IntegerField(
        _l("Reported within (days)"), validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)]
    )
    accepted = StringField(_l("Accepted in (month)"), default="")
    visitor = BooleanField(_l("Only those a visitor took out of service"), false_values=("", "0"))
    out = BooleanField(_l("Only those whose asset is out of service"), false_values=("", "0"))

    def drop_what_cannot_be_used(self) -> None:
        self.validate()
        for field in self:
            if field.errors:
                field.data = field.default

    def as_link(self) -> dict:
        """The filters for the pager's links, as the form sends them."""
        return {
            "status": self.status.data,
            "urgency": self.urgency.data,
            "place": self.place.data or "",
            "age": self.age.data or "",
            "newer": self.newer.data or "",
            "accepted": self.accepted.data,
            "visitor": "1" if self.visitor.data else "",
            "out": "1" if self.out.data else "",
        }
