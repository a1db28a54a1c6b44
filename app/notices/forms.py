from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.models import Channel, ChannelKind, DeliveryStatus, Reason
from app.notices.addresses import webhook_url_problem
from app.notices.masks import masked_secret, masked_url

NAME_MAX_LENGTH = Channel.name.type.length
URL_MAX_LENGTH = Channel.url.type.length
SECRET_MAX_LENGTH = Channel.secret.type.length
# What a new channel is sent until the head chooses: what needs someone to act now.
DEFAULT_REASONS = (Reason.UNSAFE, Reason.OVERDUE, Reason.REMINDER)
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
TOO_LONG = _l("At most %(max)d characters, please.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def kind_choices():
    return [SelectChoice(kind.value, kind.label) for kind in ChannelKind]


def reason_choices():
    """Every reason a chat may be sent; the test message is sent by hand, not chosen."""
    return [SelectChoice(reason.value, reason.label) for reason in Reason if reason != Reason.TEST]


def language_choices():
    return [SelectChoice(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]]


class ChannelForm(FlaskForm):
    """A chat channel. Its address and secret are write-only, since each lets anyone post to
    the chat: left empty, the stored one is kept; only "remove the secret" takes the secret
    away. WeCom robots have no secret (the key is in the address); a signed JSON webhook
    cannot go without one."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Give the chat a name, as the school calls it.")),
            Length(max=NAME_MAX_LENGTH, message=TOO_LONG),
        ],
        description=_l("As the school calls the group, e.g. 后勤维修群."),
    )
    kind = SelectField(_l("Kind"), choices=kind_choices, validators=[DataRequired()])
    url = StringField(
        _l("Webhook address"),
        filters=[strip],
        validators=[Length(max=URL_MAX_LENGTH, message=TOO_LONG)],
    )
    secret = PasswordField(
        _l("Signing secret"),
        filters=[strip],
        validators=[Length(max=SECRET_MAX_LENGTH, message=TOO_LONG)],
    )
    remove_secret = BooleanField(_l("Remove the secret"))
    language = SelectField(
        _l("Language of the messages"), choices=language_choices, validators=[DataRequired()]
    )
    reasons = SelectMultipleField(_l("Send to this chat"), choices=reason_choices)

    def __init__(self, *args, stored: Channel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_url = stored.url if stored else None
        self.stored_secret = stored.secret if stored else None

    @property
    def url_hint(self) -> str:
        if self.stored_url:
            return _l(
                "Now: %(masked)s. Leave empty to keep it; paste a new one to replace it.",
                masked=masked_url(self.stored_url),
            )
        return _l("Copied from the group robot's settings; it starts with https://.")

    @property
    def secret_hint(self) -> str:
        if self.stored_secret:
            return _l(
                "Stored: %(masked)s. Leave empty to keep it; type a new one to replace it.",
                masked=masked_secret(self.stored_secret),
            )
        return _l("DingTalk's “SEC…” signing secret, Feishu's signature key, or the key the "
                  "other system checks a signed webhook with.")

    def validate_url(self, field):
        if not field.data:
            if self.stored_url:
                return
            raise ValidationError(_l("Paste the robot's webhook address."))
        problem = webhook_url_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_secret(self, field):
        kind = self.kind.data
        if field.data and self.remove_secret.data:
            raise ValidationError(_l("Type a new secret or remove it, not both."))
        if kind == ChannelKind.WECOM and field.data:
            raise ValidationError(
                _l("A WeChat Work group robot has no secret: its key is in the address.")
            )
        if kind == ChannelKind.WEBHOOK and not self.secret_to_store():
            raise ValidationError(
                _l("A signed webhook needs a secret: the other system checks each message "
                   "with it.")
            )

    def validate_reasons(self, field):
        if not field.data:
            raise ValidationError(_l("Tick at least one reason, or switch the chat off."))

    def secret_to_store(self) -> str | None:
        """The typed secret, else the stored one unless removed; WeCom keeps none."""
        if self.kind.data == ChannelKind.WECOM:
            return None
        if self.secret.data:
            return self.secret.data
        return None if self.remove_secret.data else self.stored_secret

    def fill(self, channel: Channel) -> None:
        channel.name = self.name.data
        channel.kind = ChannelKind(self.kind.data)
        channel.url = self.url.data or self.stored_url
        channel.secret = self.secret_to_store()
        channel.language = self.language.data
        channel.reason_set = self.reasons.data


class NoticeTimesForm(FlaskForm):
    """When the scheduled notices go out, school-local time."""

    morning_time = TimeField(
        _l("Morning list, every school day"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(message=_l("Enter a time like 07:30."))],
        invalid_value_message=_l("Enter a time like 07:30."),
        description=_l("Each person's checks for the day."),
    )
    week_time = TimeField(
        _l("Weekly summary, on Fridays"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(message=_l("Enter a time like 16:00."))],
        invalid_value_message=_l("Enter a time like 16:00."),
        description=_l("The week in numbers, to the chats that receive it."),
    )


# The statuses as the deliveries pages say them: the model's "Failed" reads as an
# inspection's failed check (不合格) in Chinese.
DELIVERY_STATUS_WORDS = {
    DeliveryStatus.WAITING: _l("Waiting"),
    DeliveryStatus.SENDING: _l("Sending"),
    DeliveryStatus.SENT: _l("Sent"),
    DeliveryStatus.FAILED: _l("Failed to send"),
}


def status_choices():
    return [SelectChoice("", _l("Any status"))] + [
        SelectChoice(status.value, DELIVERY_STATUS_WORDS[status]) for status in DeliveryStatus
    ]


class DeliveryFilterForm(FlaskForm):
    """The deliveries list's filter, read from the query string."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=status_choices, default="")

    @property
    def chosen_status(self) -> DeliveryStatus | None:
        return DeliveryStatus(self.status.data) if self.status.data else None
