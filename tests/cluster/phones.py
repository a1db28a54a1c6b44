"""Phones for the cluster test: HTTP clients that send what Patrol's pages and the phone's
outbox (static/js/outbox.js) send, through nginx, over HTTPS it does not verify (the
cluster's certificate is self-signed).

Every request carries an X-Request-ID of its own, so nginx's log says which server
answered it.
"""

import base64
import re
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

import requests
from PIL import Image, ImageDraw

DEMO_PASSWORD = "demo"
# What outbox.js sends with each form, and the answers it does not send again (LASTING).
OUTBOX_HEADERS = {"X-Patrol-Outbox": "1", "Accept": "application/json"}
LASTING = {400, 401, 403, 404, 409, 413}
# A busy server's answers: the outbox waits as long as Retry-After says, within reason.
BUSY = {429, 503}
USUAL_PAUSE_SECONDS, LEAST_PAUSE_SECONDS, MOST_PAUSE_SECONDS = 5, 1, 300
# How long a phone keeps trying one send, and how long it waits after no answer (outbox.js
# tries again when the network comes back: at once, here, all but).
SEND_PATIENCE_SECONDS = 90
RETRY_PAUSE_SECONDS = 0.3
REQUEST_TIMEOUT_SECONDS = 60
MAX_REDIRECTS = 5


def new_id() -> str:
    return uuid.uuid4().hex


def drawn_signature() -> str:
    """A finger's signature as the signature pad sends it: a PNG data URL."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 30)], fill="black", width=3)
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def photo(width=1200, height=900, seed=0) -> bytes:
    """A phone photo: a JPEG with enough in it that its size is a photo's, not a blank's."""
    image = Image.effect_noise((width, height), 40 + seed % 20).convert("RGB")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Radio buttons by name: every value offered.
    choices: dict[str, list[str]] = field(default_factory=dict)

    def values(self, **changed) -> dict[str, str]:
        """What a plain submit sends (radios as checked), with `changed` put in."""
        values = dict(self.fields)
        values.update(changed)
        return values


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = Form(action=attributes.get("action", ""))
            self.forms.append(self._open)
            return
        form, name = self._open, attributes.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind == "radio":
                form.choices.setdefault(name, []).append(attributes.get("value", "on"))
            if kind in ("radio", "checkbox") and "checked" not in attributes:
                return
            if kind in ("file", "submit", "button", "image", "reset"):
                return
            form.fields.append((name, attributes.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # As browsers do, the line break that opens a textarea is not its text.
            text = self._text.removeprefix("\r").removeprefix("\n")
            self._open.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "form":
            self._open = None


def forms(page: str) -> list[Form]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def form(page: str, action: str) -> Form:
    """The page's one form whose action matches the pattern `action` ("": a form that posts
    to its own page)."""
    found = [each for each in forms(page) if re.fullmatch(action, each.action)]
    if len(found) != 1:
        actions = [each.action for each in forms(page)]
        raise AssertionError(f"{len(found)} forms match {action!r} among {actions}")
    return found[0]


@dataclass
class Sent:
    """A form the outbox sent: its client id, the answer and how many tries it took."""

    client_id: str
    status: int
    url: str
    tries: int


class Phone:
    """One phone: a session of its own (its cookies), through nginx."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.request_ids: list[str] = []
        self.user_id = ""

    def request(self, method: str, path: str, headers=None, **options) -> requests.Response:
        request_id = new_id()
        self.request_ids.append(request_id)
        # Patrol's forms check over HTTPS that they come from its own pages, as a browser says.
        sent = {"X-Request-ID": request_id, "Referer": f"{self.base_url}/"}
        sent.update(headers or {})
        # Per request: REQUESTS_CA_BUNDLE in the environment would override the session's.
        options.setdefault("verify", False)
        options.setdefault("timeout", REQUEST_TIMEOUT_SECONDS)
        options.setdefault("allow_redirects", False)
        return self.session.request(method, self.base_url + path, headers=sent, **options)

    def get(self, path: str, **options) -> requests.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options) -> requests.Response:
        return self.request("POST", path, **options)

    def page(self, path: str) -> str:
        """The page at path, after the redirects a browser follows (each a request of its
        own, free to land on either server)."""
        answer = self.get(path)
        for _ in range(MAX_REDIRECTS):
            if answer.status_code not in (301, 302, 303):
                break
            path = urlsplit(answer.headers["Location"])._replace(scheme="", netloc="").geturl()
            answer = self.get(path)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code}"
        return answer.text

    def sign_in(self, username: str) -> None:
        login = form(self.page("/login"), "")
        answer = self.post(
            "/login", data=login.values(username=username, password=DEMO_PASSWORD)
        )
        assert answer.status_code in (302, 303), f"{username} not signed in: {answer.text}"
        # The pages name who is signed in; the outbox sends it with each form it keeps.
        home = self.page("/")
        self.user_id = home.split('data-user="', 1)[1].split('"', 1)[0]
        assert self.user_id, f"{username}'s page names nobody"

    def send_from_outbox(self, action: str, fields: dict, files=None, public=False) -> Sent:
        """Send a kept form as outbox.js does, again and again with the same client id
        until Patrol answers 201 (recorded) or 200 (already recorded)."""
        entered_by = "public" if public else self.user_id
        headers = OUTBOX_HEADERS | {"X-Patrol-Entered-By": entered_by}
        deadline = time.monotonic() + SEND_PATIENCE_SECONDS
        tries = 0
        while True:
            tries += 1
            pause = RETRY_PAUSE_SECONDS
            try:
                token = self.get("/offline/csrf", headers=OUTBOX_HEADERS)
                if token.status_code == 200:
                    answer = self.post(
                        action,
                        data=fields | {"csrf_token": token.json()["csrf_token"]},
                        files=files,
                        headers=headers,
                    )
                    if answer.status_code in (200, 201):
                        return Sent(fields["client_id"], answer.status_code,
                                    answer.json()["url"], tries)
                    if answer.status_code in LASTING:
                        raise AssertionError(
                            f"{action} refused, {answer.status_code}: {answer.text[:500]}"
                        )
                    if answer.status_code in BUSY:
                        asked = answer.headers.get("Retry-After", "")
                        pause = (
                            min(max(int(asked), LEAST_PAUSE_SECONDS), MOST_PAUSE_SECONDS)
                            if asked.isdigit() else USUAL_PAUSE_SECONDS
                        )
            except (requests.RequestException, ValueError):
                # No answer, or one cut short (its server died while nginx passed it on):
                # outbox.js keeps the form and sends it again, as here.
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{action} not recorded in {SEND_PATIENCE_SECONDS} s")
            time.sleep(pause)
