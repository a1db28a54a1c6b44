"""Sending one message: to a chat robot or a webhook over HTTPS, or to one address by email.

Each send makes one request and reports what the other side answered; it never raises for
a network or service error, and never retries (delivery.py decides when to try again).

- Nothing counts as sent unless the other side said so: a network error, a time-out
  (NOTICE_SEND_TIMEOUT to connect, and again to answer), any answer but 2xx, and a chat's
  error code inside a 200 are all failures.
- A redirect is never followed (it is a failure): the address was checked, the place it
  points to was not. The address is checked again at each send, and the send connects to
  the very address that check judged, never looking the name up again (addresses.py).
- The robot's key (in the address's query or path) and the signing secret are never put
  into an answer or a log line: logs name the channel by its id and name.

The plain webhook is Patrol's own, for district systems: a JSON POST
  {"delivery": <id or null>, "reason": <Reason value or null>, "title", "lines", "link",
   "mentions": [mobiles], "sent_at": <ISO 8601 UTC>}
with the headers X-Patrol-Timestamp (unix seconds), X-Patrol-Delivery (the delivery's id:
the same id twice is the same notice, drop the repeat) and, when the channel has a secret,
X-Patrol-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>, the body being
the exact bytes received. Any 2xx answer means received.
"""

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import parse_qsl, quote, urlsplit

import requests
from flask import current_app
from flask_babel import gettext as _
from requests.adapters import HTTPAdapter

from app import tenancy
from app.models import Channel, ChannelKind, Reason
from app.notices.addresses import IPAddress, check_webhook_url
from app.notices.message import Message

# What is kept of an answer: enough to read the other side's error, not a whole page.
ANSWER_LIMIT = 2000
# What is read of an answer's body, JSON to judge included.
BODY_LIMIT = 64 * 1024
# Stands for a key or secret in an answer.
HIDDEN = "•••"
# Shorter values say nothing secret and, masked, would hide too much of an answer.
SHORTEST_SECRET = 8
# A key in an address's path is a long random string (Feishu's is a UUID); its shorter
# parts ("open-apis", "district") are names, kept so the answer stays readable.
SHORTEST_PATH_KEY = 16

# urllib3 logs each request line, the robot's key in its query, at DEBUG: never let it out.
logging.getLogger("urllib3.connectionpool").addFilter(
    lambda record: record.levelno > logging.DEBUG
)


# The longest text each chat takes, in UTF-8 bytes: WeCom's robot 2,048, DingTalk's 20,000,
# Feishu's a whole request of 20 KB (its JSON and signature besides). A morning list or a
# long description is cut to fit rather than refused for a day of retries.
TEXT_LIMITS = {ChannelKind.WECOM: 2048, ChannelKind.DINGTALK: 20000, ChannelKind.FEISHU: 18000}


@dataclass(frozen=True)
class Answer:
    ok: bool
    # What the other side said (status and body, cut short), or why nothing was sent.
    text: str


def send_chat(
    channel: Channel,
    message: Message,
    mobiles,
    delivery_id: int | None = None,
    reason: Reason | None = None,
) -> Answer:
    """Post `message` to the channel's robot or webhook, naming `mobiles` where it can.

    `delivery_id` and `reason` go into the plain webhook's body; the chat robots ignore them.
    """
    mobiles = list(mobiles)
    checked = check_webhook_url(channel.url)
    if checked.problem:
        answer = Answer(False, checked.problem)
    else:
        request = _REQUESTS[channel.kind](channel, message, mobiles, delivery_id, reason)
        answer = _post(channel, request, checked.connect_to)
    if answer.ok:
        current_app.logger.info("Notice sent to channel %s (%s)", channel.id, channel.name)
    else:
        current_app.logger.warning(
            "Notice not sent to channel %s (%s): %s", channel.id, channel.name, answer.text
        )
    return answer


@dataclass(frozen=True)
class _Request:
    body: bytes
    # Whether a 2xx answer's JSON says it was taken; None: any 2xx will do.
    accepted: Callable[[dict], bool] | None = None
    params: tuple = ()
    headers: tuple = ()
    # Made with the secret (a signature): kept out of answers like the secret itself.
    hidden: tuple = ()


def _json(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _wecom(channel, message, mobiles, delivery_id, reason):
    content = {
        "content": message.text_within(TEXT_LIMITS[ChannelKind.WECOM]),
        "mentioned_mobile_list": mobiles,
    }
    return _Request(
        _json({"msgtype": "text", "text": content}),
        accepted=lambda answer: answer.get("errcode") == 0,
    )


def _dingtalk(channel, message, mobiles, delivery_id, reason):
    params = ()
    if channel.secret:
        timestamp = str(int(time.time() * 1000))
        digest = hmac.new(
            channel.secret.encode(), f"{timestamp}\n{channel.secret}".encode(), hashlib.sha256
        ).digest()
        sign = base64.b64encode(digest).decode()
        params = (("timestamp", timestamp), ("sign", sign))
    # DingTalk notifies the people named in atMobiles only when the text names them too.
    content = message.text_within(
        TEXT_LIMITS[ChannelKind.DINGTALK], "".join(f" @{mobile}" for mobile in mobiles)
    )
    payload = {
        "msgtype": "text",
        "text": {"content": content},
        "at": {"atMobiles": mobiles, "isAtAll": False},
    }
    return _Request(
        _json(payload),
        accepted=lambda answer: answer.get("errcode") == 0,
        params=params,
        hidden=tuple(value for name, value in params if name == "sign"),
    )


def _feishu(channel, message, mobiles, delivery_id, reason):
    # Feishu names people by their Feishu ids only, which Patrol does not know: no mentions.
    payload = {
        "msg_type": "text",
        "content": {"text": message.text_within(TEXT_LIMITS[ChannelKind.FEISHU])},
    }
    hidden = ()
    if channel.secret:
        timestamp = str(int(time.time()))
        key = f"{timestamp}\n{channel.secret}".encode()
        digest = hmac.new(key, b"", hashlib.sha256).digest()
        sign = base64.b64encode(digest).decode()
        payload = {"timestamp": timestamp, "sign": sign, **payload}
        hidden = (sign,)

    def accepted(answer):
        code = answer.get("code", answer.get("StatusCode"))
        return code == 0

    return _Request(_json(payload), accepted=accepted, hidden=hidden)


def _webhook(channel, message, mobiles, delivery_id, reason):
    payload = {
        "delivery": delivery_id,
        "reason": reason.value if reason is not None else None,
        "title": message.title,
        "lines": list(message.lines),
        "link": message.link,
        "mentions": mobiles,
        "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    body = _json(payload)
    timestamp = str(int(time.time()))
    headers = [("X-Patrol-Timestamp", timestamp)]
    if delivery_id is not None:
        headers.append(("X-Patrol-Delivery", str(delivery_id)))
    hidden = ()
    if channel.secret:
        signed = timestamp.encode() + b"." + body
        digest = hmac.new(channel.secret.encode(), signed, hashlib.sha256).hexdigest()
        headers.append(("X-Patrol-Signature", f"sha256={digest}"))
        hidden = (digest,)
    return _Request(body, headers=tuple(headers), hidden=hidden)


_REQUESTS = {
    ChannelKind.WECOM: _wecom,
    ChannelKind.DINGTALK: _dingtalk,
    ChannelKind.FEISHU: _feishu,
    ChannelKind.WEBHOOK: _webhook,
}


class PinnedAdapter(HTTPAdapter):
    """Connects to `address` whatever the URL's host resolves to by then, while TLS (SNI),
    the certificate check and the Host header still go by the URL's host name: the
    certificate must be the host's own, as if the name had been looked up."""

    def __init__(self, address: IPAddress):
        super().__init__()
        self.address = address

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        pool_kwargs["server_hostname"] = host_params["host"].strip("[]")
        host_params["host"] = str(self.address)
        return host_params, pool_kwargs

    def add_headers(self, request, **kwargs):
        # Else the connection would name the address it connected to.
        request.headers["Host"] = urlsplit(request.url).netloc


def _post(channel, request, connect_to: IPAddress | None) -> Answer:
    seconds = current_app.config["NOTICE_SEND_TIMEOUT"]
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Patrol",
        **dict(request.headers),
    }
    try:
        with requests.Session() as session:
            if connect_to is not None:
                session.mount("https://", PinnedAdapter(connect_to))
            with session.post(
                channel.url.strip(),
                params=dict(request.params),
                data=request.body,
                headers=headers,
                timeout=seconds,
                allow_redirects=False,
                stream=True,
            ) as response:
                body = _read_some(response)
    except requests.Timeout:
        shown = f"{seconds:g}"
        return Answer(False, _("No answer within %(seconds)s seconds.", seconds=shown))
    except requests.RequestException as error:
        detail = _masked(str(error), channel, request.hidden)
        return Answer(False, _cut(_("Could not reach the server: %(error)s", error=detail)))
    said = f"{response.status_code} {response.reason}\n{body}"
    if 300 <= response.status_code < 400:
        said = "\n".join((
            _("Sent elsewhere (a redirect), which Patrol does not follow."),
            response.headers.get("Location", ""),
            said,
        ))
    text = _cut(_masked(said, channel, request.hidden))
    if not 200 <= response.status_code < 300:
        return Answer(False, text)
    if request.accepted is None:
        return Answer(True, text)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    return Answer(isinstance(answer, dict) and bool(request.accepted(answer)), text)


def _read_some(response) -> str:
    """The start of the answer's body: a server sending endlessly is not read to its end."""
    body = b""
    for chunk in response.iter_content(8192):
        body += chunk
        if len(body) >= BODY_LIMIT:
            break
    return body.decode(response.encoding or "utf-8", errors="replace")


def _masked(text: str, channel: Channel, hidden=()) -> str:
    """`text` without the channel's secret, its address's key (in the query or the path),
    nor the `hidden` values (a signature made with the secret)."""
    for secret in sorted(_secrets(channel, hidden), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


def _secrets(channel, hidden):
    parts = urlsplit(channel.url.strip())
    found = {channel.secret or "", *hidden}
    found.update(value for _name, value in parse_qsl(parts.query))
    # Feishu's and others' key is a part of the path (/open-apis/bot/v2/hook/<key>).
    found.update(part for part in parts.path.split("/") if len(part) >= SHORTEST_PATH_KEY)
    found |= {quote(value, safe="") for value in found}
    return {value for value in found if len(value) >= SHORTEST_SECRET}


def _cut(text: str) -> str:
    return text if len(text) <= ANSWER_LIMIT else text[:ANSWER_LIMIT] + "…"


def send_email(address: str, message: Message) -> Answer:
    """Send `message` to `address` through the school's SMTP server (MAIL_SERVER,
    MAIL_PORT, STARTTLS with MAIL_USE_TLS, MAIL_USERNAME/MAIL_PASSWORD), from MAIL_FROM in
    the school's name. The subject is the title; the body, the lines and then the link."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return Answer(False, _("Email is not set up on this server (MAIL_SERVER)."))
    email = EmailMessage()
    # One line: a name typed with a line break must not end the header early.
    email["Subject"] = " ".join(message.title.split())
    email.set_content("\n".join((*message.lines, "", message.link)) + "\n")
    try:
        email["From"] = formataddr((tenancy.school_name(), config["MAIL_FROM"]))
        email["To"] = address
    except ValueError as error:
        return Answer(False, _cut(_("The address was refused: %(error)s", error=error)))
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["NOTICE_SEND_TIMEOUT"]
        ) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        text = str(error)
        if config["MAIL_PASSWORD"]:
            text = text.replace(config["MAIL_PASSWORD"], HIDDEN)
        current_app.logger.warning("Email to %s not sent: %s", address, text)
        return Answer(False, _cut(text or type(error).__name__))
    return Answer(True, _("Accepted by %(server)s.", server=config["MAIL_SERVER"]))
