"""One message to a chat robot, a webhook or a mailbox, against real servers on this machine."""

import base64
import hashlib
import hmac
import ipaddress
import logging
import socket
import ssl
import subprocess
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from aiosmtpd.controller import Controller

from app.models import ChannelKind, Reason
from app.notices.message import Message
from app.notices.senders import PinnedAdapter, send_chat, send_email
from tests.factories import make_channel, set_school
from tests.receivers import ROBOT_KEY

SECRET = "SEC1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7"
MESSAGE = Message("水管漏水", ("三楼男厕", "请尽快处理"), "http://patrol.test/faults/7")
MOBILES = ["13800000001", "13900000002"]


def channel_for(receiver, secret=None, **fields):
    return make_channel(receiver.kind, url=receiver.url, secret=secret, **fields)


def test_wecom_gets_the_text_and_the_mobiles_to_mention(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        answer = send_chat(channel_for(wecom), MESSAGE, MOBILES)

    assert answer.ok
    [received] = wecom.accepted
    assert received.json == {
        "msgtype": "text",
        "text": {
            "content": "水管漏水\n三楼男厕\n请尽快处理\nhttp://patrol.test/faults/7",
            "mentioned_mobile_list": MOBILES,
        },
    }
    assert received.query == {"key": ROBOT_KEY}
    assert "errcode" in answer.text and ROBOT_KEY not in answer.text


def test_dingtalk_is_signed_with_the_secret_and_names_whom_it_mentions(app, receiver):
    dingtalk = receiver(ChannelKind.DINGTALK, secret=SECRET)
    with app.app_context():
        answer = send_chat(channel_for(dingtalk, SECRET), MESSAGE, MOBILES)

    assert answer.ok, answer.text
    [received] = dingtalk.accepted
    assert received.json == {
        "msgtype": "text",
        "text": {"content": MESSAGE.text + " @13800000001 @13900000002"},
        "at": {"atMobiles": MOBILES, "isAtAll": False},
    }
    timestamp = received.query["timestamp"]
    assert abs(int(timestamp) / 1000 - datetime.now(UTC).timestamp()) < 60
    digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256)
    assert received.query["sign"] == base64.b64encode(digest.digest()).decode()


def test_dingtalk_refuses_a_wrong_signature_and_it_is_a_failure(app, receiver):
    dingtalk = receiver(ChannelKind.DINGTALK, secret=SECRET)
    with app.app_context():
        answer = send_chat(channel_for(dingtalk, "SECwrong-secret-0000"), MESSAGE, [])

    assert not answer.ok
    assert "310000" in answer.text and "sign not match" in answer.text
    assert dingtalk.accepted == []


def test_dingtalk_without_a_secret_is_not_signed(app, receiver):
    dingtalk = receiver(ChannelKind.DINGTALK)
    with app.app_context():
        assert send_chat(channel_for(dingtalk), MESSAGE, []).ok
    [received] = dingtalk.accepted
    assert received.query == {"access_token": ROBOT_KEY}
    assert received.json["text"] == {"content": MESSAGE.text}


def test_feishu_is_signed_in_the_body_and_mentions_no_one(app, receiver):
    feishu = receiver(ChannelKind.FEISHU, secret=SECRET)
    with app.app_context():
        answer = send_chat(channel_for(feishu, SECRET), MESSAGE, MOBILES)

    assert answer.ok, answer.text
    [received] = feishu.accepted
    body = received.json
    timestamp = body.pop("timestamp")
    key = f"{timestamp}\n{SECRET}".encode()
    digest = hmac.new(key, b"", hashlib.sha256).digest()
    assert body.pop("sign") == base64.b64encode(digest).decode()
    assert body == {"msg_type": "text", "content": {"text": MESSAGE.text}}
    assert "138" not in received.body.decode()


def test_feishu_refuses_a_wrong_signature_and_it_is_a_failure(app, receiver):
    feishu = receiver(ChannelKind.FEISHU, secret=SECRET)
    with app.app_context():
        answer = send_chat(channel_for(feishu, "another-secret-value"), MESSAGE, [])
    assert not answer.ok
    assert "19021" in answer.text
    assert "another-secret-value" not in answer.text


def test_feishu_without_a_secret_sends_no_signature(app, receiver):
    feishu = receiver(ChannelKind.FEISHU)
    with app.app_context():
        assert send_chat(channel_for(feishu), MESSAGE, []).ok
    assert feishu.accepted[0].json == {"msg_type": "text", "content": {"text": MESSAGE.text}}


def test_the_webhook_gets_patrols_signed_json(app, receiver):
    webhook = receiver(ChannelKind.WEBHOOK, secret=SECRET)
    with app.app_context():
        answer = send_chat(
            channel_for(webhook, SECRET), MESSAGE, MOBILES, delivery_id=41, reason=Reason.TEST
        )

    assert answer.ok, answer.text
    [received] = webhook.accepted
    body = received.json
    sent_at = datetime.fromisoformat(body.pop("sent_at"))
    assert sent_at.utcoffset().total_seconds() == 0
    assert abs((sent_at - datetime.now(UTC)).total_seconds()) < 60
    assert body == {
        "delivery": 41,
        "reason": "test",
        "title": "水管漏水",
        "lines": ["三楼男厕", "请尽快处理"],
        "link": "http://patrol.test/faults/7",
        "mentions": MOBILES,
    }
    headers = received.headers
    assert headers["X-Patrol-Delivery"] == "41"
    signed = headers["X-Patrol-Timestamp"].encode() + b"." + received.body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Patrol-Signature"] == f"sha256={expected}"


def test_a_webhook_refusing_the_signature_is_a_failure(app, receiver):
    webhook = receiver(ChannelKind.WEBHOOK, secret=SECRET)
    with app.app_context():
        answer = send_chat(channel_for(webhook, "not-the-districts-secret"), MESSAGE, [])
    assert not answer.ok
    assert answer.text.startswith("401")


def test_an_unsigned_webhook_has_no_signature_and_a_null_delivery(app, receiver):
    webhook = receiver(ChannelKind.WEBHOOK)
    with app.app_context():
        assert send_chat(channel_for(webhook), MESSAGE, []).ok
    [received] = webhook.accepted
    assert "X-Patrol-Signature" not in received.headers
    assert "X-Patrol-Delivery" not in received.headers
    assert received.json["delivery"] is None and received.json["reason"] is None


@pytest.mark.parametrize(
    ("kind", "code"),
    [(ChannelKind.WECOM, 45009), (ChannelKind.DINGTALK, 130101), (ChannelKind.FEISHU, 9499)],
)
def test_an_error_code_inside_a_200_is_a_failure(app, receiver, kind, code):
    robot = receiver(kind)
    robot.answer_error_code(code)
    with app.app_context():
        answer = send_chat(channel_for(robot), MESSAGE, [])
    assert not answer.ok
    assert answer.text.startswith("200 OK") and str(code) in answer.text


@pytest.mark.parametrize("kind", list(ChannelKind))
def test_a_server_error_is_a_failure_and_the_key_it_echoes_is_hidden(app, receiver, kind):
    robot = receiver(kind, secret=SECRET)
    robot.answer_status(500)
    with app.app_context():
        answer = send_chat(channel_for(robot, SECRET), MESSAGE, [])
    assert not answer.ok
    assert answer.text.startswith("500 Internal Server Error")
    assert "Internal Server Error" in answer.text and "•••" in answer.text
    assert ROBOT_KEY not in answer.text and SECRET not in answer.text
    if kind == ChannelKind.DINGTALK:
        assert "sign=•••" in answer.text.replace("%3D", "=")


def test_a_redirect_is_not_followed(app, receiver):
    elsewhere = receiver(ChannelKind.WECOM)
    wecom = receiver(ChannelKind.WECOM)
    wecom.redirect_to(elsewhere.url)
    with app.app_context():
        answer = send_chat(channel_for(wecom), MESSAGE, [])
    assert not answer.ok
    assert "redirect" in answer.text and "302" in answer.text
    assert ROBOT_KEY not in answer.text
    assert len(wecom.received) == 1
    assert elsewhere.received == []


def test_a_server_that_does_not_answer_in_time_is_a_failure(app, receiver):
    slow = receiver(ChannelKind.WECOM)
    slow.answer_after(30)
    app.config["NOTICE_SEND_TIMEOUT"] = 0.3
    with app.app_context():
        answer = send_chat(channel_for(slow), MESSAGE, [])
    assert not answer.ok
    assert answer.text == "No answer within 0.3 seconds."


def test_a_service_that_is_down_is_a_failure_without_its_key(app, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    down = receiver(ChannelKind.DINGTALK, secret=SECRET)
    down.stop()
    with app.app_context():
        channel = channel_for(down, SECRET, name="校园群")
        answer = send_chat(channel, MESSAGE, [])
    assert not answer.ok
    assert answer.text.startswith("Could not reach the server")
    assert "127.0.0.1" in answer.text
    assert ROBOT_KEY not in answer.text and SECRET not in answer.text
    assert "sign=" not in answer.text or "sign=•••" in answer.text.replace("%3D", "=")
    assert f"channel {channel.id} (校园群)" in caplog.text


def test_secrets_and_keys_stay_out_of_the_logs(app, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    robots = [receiver(kind, secret=SECRET) for kind in ChannelKind]
    with app.app_context():
        for robot in robots:
            assert send_chat(channel_for(robot, SECRET), MESSAGE, MOBILES).ok
            robot.answer_status(500)
            assert not send_chat(channel_for(robot, SECRET), MESSAGE, MOBILES).ok
    assert "Notice sent to channel" in caplog.text
    assert "Notice not sent to channel" in caplog.text
    assert ROBOT_KEY not in caplog.text and SECRET not in caplog.text
    assert "127.0.0.1:" not in caplog.text


def test_an_address_refused_now_is_not_sent_to(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    with app.app_context():
        answer = send_chat(channel_for(wecom), MESSAGE, [])
    assert not answer.ok
    assert answer.text == "The address must start with https://."
    assert wecom.received == []


# Connecting to the checked address, yet checking the certificate against the host name.


def a_certificate(folder, name):
    """A certificate for `name`, signed by itself: its file is both the server's and the only
    authority the client trusts."""
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )
    return key, cert


@pytest.fixture
def tls_robot(tmp_path):
    """An HTTPS robot on this machine showing the certificate of `name`; what it was asked
    (the name sent for TLS, the Host header) in `seen`."""
    servers = []

    def start(name):
        key, cert = a_certificate(tmp_path, name)
        seen = {}
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda sock, server_name, context: seen.update(sni=server_name)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                seen["host"] = self.headers["Host"]
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format, *args):
                pass

        server = HTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1], cert, seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def no_dns(monkeypatch):
    def getaddrinfo(host, *args, **kwargs):
        ipaddress.ip_address(host)  # numbers only: a name raises
        return original(host, *args, **kwargs)

    original = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def pinned_post(url, address, trusted):
    with requests.Session() as session:
        session.mount("https://", PinnedAdapter(ipaddress.ip_address(address)))
        return session.post(url, data=b"{}", timeout=5, verify=str(trusted))


def test_a_pinned_send_goes_to_the_address_and_checks_the_certificate_for_the_name(
    tls_robot, no_dns
):
    port, cert, seen = tls_robot("robot.example")
    answer = pinned_post(f"https://robot.example:{port}/hook", "127.0.0.1", trusted=cert)
    assert answer.status_code == 200
    assert seen == {"sni": "robot.example", "host": f"robot.example:{port}"}


def test_a_pinned_send_refuses_a_certificate_for_another_name(tls_robot, no_dns):
    port, cert, seen = tls_robot("elsewhere.example")
    with pytest.raises(requests.exceptions.SSLError, match="robot.example"):
        pinned_post(f"https://robot.example:{port}/hook", "127.0.0.1", trusted=cert)
    assert seen == {"sni": "robot.example"}


# Email, through an SMTP server on this machine.


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_FROM="patrol@school.test",
    )
    set_school(app, name="实验小学")
    yield handler
    controller.stop()


def test_an_email_has_the_title_as_subject_and_the_lines_then_the_link(app, inbox):
    with app.app_context():
        answer = send_email("teacher@school.test", MESSAGE)
    assert answer.ok
    [(recipients, message)] = inbox.messages
    assert recipients == ["teacher@school.test"]
    assert message["Subject"] == "水管漏水"
    assert message["From"] == "实验小学 <patrol@school.test>"
    assert message.get_content().splitlines() == [
        "三楼男厕",
        "请尽快处理",
        "",
        "http://patrol.test/faults/7",
    ]


def test_an_email_that_cannot_be_sent_is_a_failure(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_PASSWORD="hunter22")
    with app.app_context():
        answer = send_email("teacher@school.test", MESSAGE)
    assert not answer.ok
    assert "refused" in answer.text.lower()


def test_no_email_without_a_mail_server(app):
    with app.app_context():
        answer = send_email("teacher@school.test", MESSAGE)
    assert not answer.ok
    assert "MAIL_SERVER" in answer.text


LONG = Message("秋千座椅裂开", ("阳光幼儿园 › 操场", "裂" * 2000, "存在安全隐患"),
               "http://patrol.test/faults/7")


@pytest.mark.parametrize("kind", [ChannelKind.WECOM, ChannelKind.DINGTALK])
def test_a_long_message_is_cut_to_what_the_chat_takes_keeping_its_title_and_link(
    app, receiver, kind
):
    robot = receiver(kind)
    longer = Message(LONG.title, (LONG.lines[0], "裂" * 8000), LONG.link)
    with app.app_context():
        answer = send_chat(channel_for(robot), longer if kind == ChannelKind.DINGTALK else LONG,
                           MOBILES)

    assert answer.ok, answer.text
    [received] = robot.accepted
    content = received.json["text"]["content"]
    assert content.startswith("秋千座椅裂开\n阳光幼儿园 › 操场\n裂裂")
    assert "…\nhttp://patrol.test/faults/7" in content
    if kind == ChannelKind.DINGTALK:
        assert content.endswith(" @13800000001 @13900000002")


def test_a_message_that_fits_is_sent_whole():
    assert MESSAGE.text_within(2048) == MESSAGE.text
    assert MESSAGE.text_within(2048, " @1") == MESSAGE.text + " @1"


def test_a_cut_never_splits_a_character_and_stays_within_the_limit():
    for limit in range(60, 120):
        text = LONG.text_within(limit)
        assert len(text.encode()) <= limit
        assert text.startswith(LONG.title + "\n") and text.endswith("\n" + LONG.link)


def test_a_title_with_a_line_break_is_one_subject_line(app, inbox):
    broken = Message("秋千\r\nBcc: everyone@example.com", ("一行",), "http://patrol.test/")
    with app.app_context():
        answer = send_email("head@school.cn", broken)

    assert answer.ok, answer.text
    [(recipients, email)] = inbox.messages
    assert recipients == ["head@school.cn"]
    assert email["Subject"] == "秋千 Bcc: everyone@example.com"
    assert email["Bcc"] is None


def test_an_address_with_a_line_break_is_refused_not_raised(app, inbox):
    with app.app_context():
        answer = send_email("head@school.cn\r\nBcc: x@example.com", MESSAGE)

    assert not answer.ok
    assert inbox.messages == []
