"""Chat robots and a webhook on this machine, each answering as the real service does.

A Receiver is a real HTTP server in a thread (port 0: any free one) that plays WeCom's group
robot, DingTalk's custom robot, Feishu's custom bot or a district system taking Patrol's
signed webhook. It checks what the real one checks (the robot's key, DingTalk's and
Feishu's signature, X-Patrol-Signature), answers a wrong one as the service does, and
records every request. A test can make it answer an error code inside a 200, a status
(500), a redirect, or nothing for a while; stop it (the service is down) and start it again
on the same address.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from app.models import ChannelKind

# The robot's key in its address, as WeCom, DingTalk and Feishu hand one out.
ROBOT_KEY = "5f1c9a7e-robot-key-0d8b2e44"
# The longest text each robot takes, in UTF-8 bytes (WeCom's documented 2,048; DingTalk's
# 20,000), answered with the service's own error when longer.
TEXT_LIMITS = {ChannelKind.WECOM: 2048, ChannelKind.DINGTALK: 20000}
# How far a signature's time stamp may be from now (DingTalk and Feishu: an hour).
SIGNATURE_WINDOW_SECONDS = 3600
PATHS = {
    ChannelKind.WECOM: f"/cgi-bin/webhook/send?key={ROBOT_KEY}",
    ChannelKind.DINGTALK: f"/robot/send?access_token={ROBOT_KEY}",
    ChannelKind.FEISHU: f"/open-apis/bot/v2/hook/{ROBOT_KEY}",
    ChannelKind.WEBHOOK: f"/district/patrol-notices/{ROBOT_KEY}",
}


@dataclass(frozen=True)
class Received:
    path: str
    query: dict
    headers: dict
    body: bytes
    # Whether the service took it (the key and signature were right, and it answered 2xx OK).
    accepted: bool

    @property
    def json(self):
        return json.loads(self.body)


class Receiver:
    def __init__(self, kind: ChannelKind, secret: str | None = None):
        self.kind = kind
        self.secret = secret
        self.received: list[Received] = []
        self._answer = None
        self._slow_seconds = 0.0
        # Set when the receiver stops, so an answer held back ends with it.
        self._stopping = threading.Event()
        self._server = None
        self._port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}{PATHS[self.kind]}"

    @property
    def accepted(self) -> list[Received]:
        return [request for request in self.received if request.accepted]

    def start(self) -> None:
        """Listen (again, on the same port once it has been stopped)."""
        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer_error_code(self, code: int) -> None:
        """Answer 200 with this error code in the JSON, as a robot out of quota does."""
        self._answer = ("code", code)

    def answer_status(self, status: int) -> None:
        self._answer = ("status", status)

    def redirect_to(self, location: str) -> None:
        self._answer = ("redirect", location)

    def answer_after(self, seconds: float) -> None:
        """Hold every answer back this long (or until the receiver stops)."""
        self._slow_seconds = seconds

    def answer_normally(self) -> None:
        self._answer = None
        self._slow_seconds = 0.0

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                status, answer = receiver._judge(self.path, query, self.headers, body)
                if receiver._slow_seconds:
                    receiver._stopping.wait(receiver._slow_seconds)
                receiver.received.append(
                    Received(parts.path, query, dict(self.headers), body, accepted=status is None)
                )
                self._reply(status or 200, answer)

            def _reply(self, status, answer):
                self.send_response(status)
                if status in (301, 302, 303, 307, 308):
                    self.send_header("Location", answer)
                    answer = ""
                content = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format, *args):
                pass

        return Handler

    def _judge(self, address, query, headers, body):
        """(None, the service's OK answer) when it takes the message, else (status, answer)."""
        path = urlsplit(address).path
        refusal = getattr(self, f"_check_{self.kind.value}")(path, query, headers, body)
        if refusal is not None:
            return refusal
        if self._answer is None:
            return None, OK_ANSWERS[self.kind]
        how, value = self._answer
        if how == "code":
            return 200, ERROR_ANSWERS[self.kind](value)
        if how == "status":
            # As a proxy's error page may: the address asked for, the robot's key in it.
            return value, {"error": "Internal Server Error", "address": address}
        return 302, value

    def _check_wecom(self, path, query, headers, body):
        if query.get("key") != ROBOT_KEY:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        if _too_long(json.loads(body)["text"]["content"], ChannelKind.WECOM):
            return 200, {"errcode": 40058, "errmsg": "content exceed max length 2048"}
        return None

    def _check_dingtalk(self, path, query, headers, body):
        if query.get("access_token") != ROBOT_KEY:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        if _too_long(json.loads(body)["text"]["content"], ChannelKind.DINGTALK):
            return 200, {"errcode": 460101, "errmsg": "message too long"}
        if self.secret is None:
            return None
        timestamp = query.get("timestamp", "0")
        expected = base64.b64encode(
            hmac.new(
                self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
            ).digest()
        ).decode()
        fresh = abs(time.time() - int(timestamp) / 1000) < SIGNATURE_WINDOW_SECONDS
        if not fresh or not hmac.compare_digest(query.get("sign", ""), expected):
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        return None

    def _check_feishu(self, path, query, headers, body):
        if not path.endswith(ROBOT_KEY):
            return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token"}
        if self.secret is None:
            return None
        sent = json.loads(body)
        timestamp = sent.get("timestamp", "0")
        key = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        fresh = abs(time.time() - int(timestamp)) < SIGNATURE_WINDOW_SECONDS
        if not fresh or not hmac.compare_digest(sent.get("sign", ""), expected):
            return 200, {"code": 19021, "msg": "sign match fail or timestamp out of range"}
        return None

    def _check_webhook(self, path, query, headers, body):
        if self.secret is None:
            return None
        timestamp = headers.get("X-Patrol-Timestamp", "")
        signed = timestamp.encode() + b"." + body
        expected = "sha256=" + hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Patrol-Signature", ""), expected):
            return 401, {"error": "bad signature"}
        return None


def _too_long(text: str, kind: ChannelKind) -> bool:
    return len(text.encode()) > TEXT_LIMITS[kind]


OK_ANSWERS = {
    ChannelKind.WECOM: {"errcode": 0, "errmsg": "ok"},
    ChannelKind.DINGTALK: {"errcode": 0, "errmsg": "ok"},
    ChannelKind.FEISHU: {
        "StatusCode": 0,
        "StatusMessage": "success",
        "code": 0,
        "data": {},
        "msg": "success",
    },
    ChannelKind.WEBHOOK: {"received": True},
}
ERROR_ANSWERS = {
    ChannelKind.WECOM: lambda code: {"errcode": code, "errmsg": "api freq out of limit"},
    ChannelKind.DINGTALK: lambda code: {"errcode": code, "errmsg": "send too fast"},
    ChannelKind.FEISHU: lambda code: {"code": code, "msg": "request trigger frequency limit"},
    ChannelKind.WEBHOOK: lambda code: {"error": code},
}
