"""Sending the deliveries: at most once each, tried again for a day, never lost; against chat
robots and a mail server on this machine, with `now` standing for the present."""

import ipaddress
import logging
import socket
import threading
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from app.models import ChannelKind, Delivery, DeliveryAttempt, DeliveryStatus
from app.notices.addresses import webhook_url_problem
from app.notices.delivery import RETRY_FOR, deliver_due, resend
from tests.factories import make_channel, make_delivery, make_notice, make_user, set_school, user
from tests.receivers import ROBOT_KEY

NOW = datetime(2026, 12, 4, 0, 30)
SECRET = "SECa9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4"
WAITS = [
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=1),
]


def a_delivery(robot, title="三楼男厕漏水", recipients=(), secret=None, at=NOW, **channel):
    """A test notice written at `at` for the chat `robot` plays; its delivery's id."""
    to = make_channel(robot.kind, url=robot.url, secret=secret, **channel)
    notice = make_notice(title=title, recipients=recipients)
    delivery = make_delivery(notice, to, created_at=at, next_attempt_at=at)
    db.session.commit()
    return delivery.id


def reread(delivery_id) -> Delivery:
    db.session.expire_all()
    return db.session.get(Delivery, delivery_id)


def until_done(delivery_id, limit=100):
    """Run the worker at each next try until the delivery is no longer waiting."""
    for _ in range(limit):
        delivery = reread(delivery_id)
        if delivery.status != DeliveryStatus.WAITING:
            return delivery
        deliver_due(now=delivery.next_attempt_at)
    raise AssertionError("still waiting")


def test_a_due_delivery_is_sent_once(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        delivery_id = a_delivery(wecom)
        assert deliver_due(now=NOW) == 1
        assert deliver_due(now=NOW + timedelta(hours=2)) == 0
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.sent_at == NOW
        assert delivery.attempt_count == 1 and delivery.claimed_until is None
        [attempt] = delivery.attempts
        assert (attempt.started_at, attempt.finished_at, attempt.ok) == (NOW, NOW, True)
        assert '"errcode": 0' in attempt.answer
    [received] = wecom.received
    assert received.json["text"]["content"].startswith("三楼男厕漏水\n")


def test_a_delivery_not_yet_due_waits(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        delivery_id = a_delivery(wecom, at=NOW + timedelta(minutes=1))
        assert deliver_due(now=NOW) == 0
        assert reread(delivery_id).status == DeliveryStatus.WAITING
        assert deliver_due(now=NOW + timedelta(minutes=1)) == 1
    assert len(wecom.received) == 1


def test_the_oldest_due_go_first_and_at_most_the_limit(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        for minutes in (3, 1, 2):
            a_delivery(wecom, title=f"{minutes}", at=NOW - timedelta(minutes=minutes))
        assert deliver_due(now=NOW, limit=2) == 2
        assert [r.json["text"]["content"][0] for r in wecom.received] == ["3", "2"]
        assert deliver_due(now=NOW, limit=2) == 1
    assert len(wecom.received) == 3


def test_an_error_code_in_a_200_is_tried_again(app, receiver):
    dingtalk = receiver(ChannelKind.DINGTALK, secret=SECRET)
    dingtalk.answer_error_code(130101)
    with app.app_context():
        delivery_id = a_delivery(dingtalk, secret=SECRET)
        assert deliver_due(now=NOW) == 0
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.WAITING
        assert delivery.next_attempt_at == NOW + timedelta(seconds=30)
        assert "130101" in delivery.last_error
        assert delivery.attempts[0].ok is False

        dingtalk.answer_normally()
        assert deliver_due(now=NOW + timedelta(seconds=29)) == 0
        assert deliver_due(now=NOW + timedelta(seconds=30)) == 1
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.SENT and delivery.last_error is None
        assert [attempt.ok for attempt in delivery.attempts] == [False, True]
    assert len(dingtalk.accepted) == 1


def test_a_service_down_is_tried_with_growing_waits_and_gets_it_once_back(app, receiver):
    feishu = receiver(ChannelKind.FEISHU, secret=SECRET)
    feishu.stop()
    with app.app_context():
        delivery_id = a_delivery(feishu, secret=SECRET)
        tried_at = [NOW]
        for _ in WAITS:
            deliver_due(now=tried_at[-1])
            delivery = reread(delivery_id)
            assert delivery.status == DeliveryStatus.WAITING
            assert delivery.last_error.startswith("无法连接服务器")
            tried_at.append(delivery.next_attempt_at)
        waits = [later - earlier for earlier, later in zip(tried_at, tried_at[1:], strict=False)]
        assert waits == WAITS

        feishu.start()
        assert deliver_due(now=tried_at[-1]) == 1
        assert deliver_due(now=tried_at[-1] + timedelta(hours=1)) == 0
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.attempt_count == len(WAITS) + 1
    assert len(feishu.received) == 1 and len(feishu.accepted) == 1


def test_after_a_day_of_failures_it_fails_with_the_last_answer(app, receiver):
    webhook = receiver(ChannelKind.WEBHOOK, secret=SECRET)
    webhook.answer_status(503)
    with app.app_context():
        delivery_id = a_delivery(webhook, secret=SECRET)
        delivery = until_done(delivery_id)
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.last_error.startswith("503 Service Unavailable")
        last, before = delivery.attempts[-1], delivery.attempts[-2]
        assert last.started_at - NOW >= RETRY_FOR > before.started_at - NOW
        assert last.answer == delivery.last_error
        assert not any(attempt.ok for attempt in delivery.attempts)
        # The first hours try often, then once an hour: 6 quick tries and about 23 hourly.
        assert 28 <= delivery.attempt_count <= 31
        assert deliver_due(now=NOW + timedelta(days=3)) == 0
        assert len(webhook.received) == delivery.attempt_count


def test_two_workers_racing_send_each_delivery_exactly_once(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        titles = [f"notice {number}" for number in range(24)]
        ids = [a_delivery(wecom, title=title) for title in titles]
    start = threading.Barrier(2)
    sent_counts, errors = [], []

    def worker():
        try:
            with app.app_context():
                start.wait()
                sent_counts.append(deliver_due(now=NOW))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported to the test below)
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(sent_counts) == len(ids)
    received = sorted(r.json["text"]["content"].split("\n")[0] for r in wecom.received)
    assert received == sorted(titles)
    with app.app_context():
        for delivery_id in ids:
            delivery = reread(delivery_id)
            assert delivery.status == DeliveryStatus.SENT
            assert len(delivery.attempts) == 1


def test_a_claim_already_taken_is_not_sent(app, receiver):
    from app.notices.delivery import _claim

    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        delivery_id = a_delivery(wecom)
        assert _claim(delivery_id, NOW) is True
        assert _claim(delivery_id, NOW) is False
        assert deliver_due(now=NOW) == 0
        assert reread(delivery_id).status == DeliveryStatus.SENDING
    assert wecom.received == []


def interrupted(robot, claimed_until):
    """A delivery a worker claimed and started sending, then was killed."""
    delivery = reread(a_delivery(robot))
    delivery.status = DeliveryStatus.SENDING
    delivery.claimed_until = claimed_until
    delivery.attempt_count = 1
    db.session.add(DeliveryAttempt(delivery=delivery, started_at=NOW))
    db.session.commit()
    return delivery.id


def test_an_interrupted_send_fails_and_is_never_sent_again_by_itself(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        delivery_id = interrupted(wecom, claimed_until=NOW + timedelta(minutes=2))
        # Still within its claim: the send may be under way.
        assert deliver_due(now=NOW + timedelta(minutes=1)) == 0
        assert reread(delivery_id).status == DeliveryStatus.SENDING

        assert deliver_due(now=NOW + timedelta(minutes=3)) == 0
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.last_error == "发送过程中被中断：消息可能已送达；如未收到，请重新发送。"
        [attempt] = delivery.attempts
        assert attempt.ok is None and attempt.finished_at is None
        assert attempt.answer == delivery.last_error
        assert deliver_due(now=NOW + timedelta(days=2)) == 0
        assert reread(delivery_id).status == DeliveryStatus.FAILED
    assert wecom.received == []


def test_an_interrupted_send_is_told_in_the_schools_language(app, receiver):
    set_school(app, language="en")
    with app.app_context():
        delivery_id = interrupted(receiver(ChannelKind.WECOM), claimed_until=NOW)
        deliver_due(now=NOW + timedelta(seconds=1))
        assert reread(delivery_id).last_error == (
            "Interrupted while sending: it may have arrived; send it again if not."
        )


def test_a_resent_delivery_is_sent_once_more_with_a_new_day_of_tries(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    wecom.answer_error_code(45009)
    with app.app_context():
        delivery_id = a_delivery(wecom)
        failed = until_done(delivery_id)
        assert failed.status == DeliveryStatus.FAILED
        tries = failed.attempt_count
        later = NOW + timedelta(days=3)

        resend(failed, now=later)
        db.session.commit()
        # A new run: failing again waits 30 s, and does not fail at once.
        assert deliver_due(now=later) == 0
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.WAITING
        assert delivery.next_attempt_at == later + timedelta(seconds=30)
        assert delivery.attempt_count == 1 and len(delivery.attempts) == tries + 1

        wecom.answer_normally()
        assert deliver_due(now=later + timedelta(seconds=30)) == 1
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.SENT
        assert len(delivery.attempts) == tries + 2

        resend(delivery, now=later + timedelta(hours=1))
        db.session.commit()
        assert reread(delivery_id).status == DeliveryStatus.SENT
        assert deliver_due(now=later + timedelta(hours=2)) == 0
    assert len(wecom.accepted) == 1


def test_a_resent_run_fails_a_day_after_the_resend(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    wecom.answer_status(500)
    with app.app_context():
        delivery_id = a_delivery(wecom)
        until_done(delivery_id)
        later = NOW + timedelta(days=5)
        resend(reread(delivery_id), now=later)
        db.session.commit()
        delivery = until_done(delivery_id)
        assert delivery.status == DeliveryStatus.FAILED
        last, before = delivery.attempts[-1], delivery.attempts[-2]
        assert last.started_at - later >= RETRY_FOR > before.started_at - later


def test_an_interrupted_send_can_be_resent(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        delivery_id = interrupted(wecom, claimed_until=NOW)
        deliver_due(now=NOW + timedelta(minutes=1))
        resend(reread(delivery_id), now=NOW + timedelta(minutes=5))
        db.session.commit()
        assert deliver_due(now=NOW + timedelta(minutes=5)) == 1
    assert len(wecom.accepted) == 1


def test_the_chat_names_the_active_recipients_with_a_mobile(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        recipients = [
            make_user("wang", mobile="13800000001"),
            make_user("li"),
            make_user("zhao", mobile="13900000002", active=False),
            make_user("sun", mobile="13700000003"),
        ]
        a_delivery(wecom, recipients=recipients)
        assert deliver_due(now=NOW) == 1
    [received] = wecom.received
    assert received.json["text"]["mentioned_mobile_list"] == ["13800000001", "13700000003"]


def test_the_webhook_carries_the_delivery_id_and_reason(app, receiver):
    webhook = receiver(ChannelKind.WEBHOOK, secret=SECRET)
    with app.app_context():
        delivery_id = a_delivery(webhook, secret=SECRET)
        assert deliver_due(now=NOW) == 1
    [received] = webhook.accepted
    assert received.headers["X-Patrol-Delivery"] == str(delivery_id)
    assert received.json["delivery"] == delivery_id and received.json["reason"] == "test"


def test_a_chat_switched_off_or_removed_fails_at_once(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        off_id = a_delivery(wecom, name="旧群", active=False)
        notice = make_notice()
        removed = make_delivery(notice, make_channel(url=wecom.url), next_attempt_at=NOW)
        removed.channel, removed.recipient = None, "channel:999"
        db.session.commit()
        assert deliver_due(now=NOW) == 0
        off = reread(off_id)
        assert off.status == DeliveryStatus.FAILED
        assert off.last_error == "群聊“旧群”已停用。"
        assert off.attempts[0].ok is False and off.attempts[0].answer == off.last_error
        assert reread(removed.id).status == DeliveryStatus.FAILED
        assert reread(removed.id).last_error == "该群聊已被删除。"
    assert wecom.received == []


def test_an_address_no_longer_allowed_is_not_sent_to(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        delivery_id = a_delivery(wecom)
        app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
        assert deliver_due(now=NOW) == 0
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.WAITING
        assert delivery.last_error == "网址必须以 https:// 开头。"
    assert wecom.received == []


def test_a_redirect_is_a_failure_and_not_followed(app, receiver):
    elsewhere = receiver(ChannelKind.WECOM)
    wecom = receiver(ChannelKind.WECOM)
    wecom.redirect_to(elsewhere.url)
    with app.app_context():
        delivery_id = a_delivery(wecom)
        assert deliver_due(now=NOW) == 0
        assert reread(delivery_id).status == DeliveryStatus.WAITING
        assert "302" in reread(delivery_id).last_error
    assert elsewhere.received == []


def test_a_slow_service_is_a_failure_tried_again(app, receiver):
    slow = receiver(ChannelKind.WECOM)
    slow.answer_after(30)
    app.config["NOTICE_SEND_TIMEOUT"] = 0.3
    with app.app_context():
        delivery_id = a_delivery(slow)
        assert deliver_due(now=NOW) == 0
        delivery = reread(delivery_id)
        assert delivery.status == DeliveryStatus.WAITING
        assert delivery.last_error == "0.3 秒内没有应答。"


def test_secrets_stay_out_of_answers_and_logs(app, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    dingtalk = receiver(ChannelKind.DINGTALK, secret=SECRET)
    dingtalk.answer_status(500)
    with app.app_context():
        delivery_id = a_delivery(dingtalk, secret=SECRET)
        deliver_due(now=NOW)
        dingtalk.stop()
        deliver_due(now=NOW + timedelta(seconds=30))
        dingtalk.start()
        dingtalk.answer_normally()
        assert deliver_due(now=NOW + timedelta(minutes=2)) == 1
        delivery = reread(delivery_id)
        answers = [attempt.answer for attempt in delivery.attempts]
    assert len(answers) == 3
    for text in [*answers, caplog.text]:
        assert ROBOT_KEY not in text and SECRET not in text
    assert "•••" in answers[0]


def test_a_broken_notice_fails_alone(app, receiver):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        broken_id = a_delivery(wecom)
        broken = reread(broken_id)
        broken.notice.facts = {"lines": ["no title"]}
        db.session.commit()
        fine_id = a_delivery(wecom, title="fine")
        assert deliver_due(now=NOW) == 1
        assert reread(broken_id).status == DeliveryStatus.FAILED
        assert "KeyError" in reread(broken_id).last_error
        assert reread(fine_id).status == DeliveryStatus.SENT
    assert len(wecom.received) == 1


def test_a_sender_that_breaks_is_a_failed_try_kept_and_tried_again(app, receiver, monkeypatch):
    from app.notices import delivery as notice_delivery

    def broken_sender(*args, **kwargs):
        raise RuntimeError("a mistake in Patrol")

    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        broken_id = a_delivery(wecom)
        fine_id = a_delivery(wecom, title="fine")
        monkeypatch.setattr(notice_delivery, "send_chat", broken_sender)
        assert deliver_due(now=NOW) == 0
        broken = reread(broken_id)
        assert broken.status == DeliveryStatus.WAITING
        assert broken.next_attempt_at == NOW + WAITS[0]
        assert "a mistake in Patrol" in broken.attempts[0].answer
        assert reread(fine_id).status == DeliveryStatus.WAITING  # its own try, not skipped
        monkeypatch.undo()
        assert deliver_due(now=NOW + WAITS[0]) == 2
    assert len(wecom.accepted) == 2


# Email, through an SMTP server on this machine.


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def inbox(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="patrol@school.test")
    yield handler
    controller.stop()


def test_email_goes_to_the_address_at_send_time_and_a_missing_one_fails_alone(
    app, receiver, inbox
):
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        moved = make_user("wang", email="old@school.test", mobile="13800000001")
        gone = make_user("li", email="li@school.test")
        left = make_user("zhao", email="zhao@school.test", active=False)
        notice = make_notice(title="本周检查", recipients=[moved, gone, left, user("admin")])
        to_chat = make_delivery(notice, make_channel(url=wecom.url), created_at=NOW)
        by_email = {
            person.username: make_delivery(notice, person, created_at=NOW, next_attempt_at=NOW)
            for person in (moved, gone, left)
        }
        to_chat.next_attempt_at = NOW
        moved.email = "new@school.test"
        gone.email = None
        db.session.commit()

        assert deliver_due(now=NOW) == 2
        assert reread(to_chat.id).status == DeliveryStatus.SENT
        assert reread(by_email["wang"].id).status == DeliveryStatus.SENT
        no_email = reread(by_email["li"].id)
        assert no_email.status == DeliveryStatus.FAILED
        assert no_email.last_error == "Li 已没有电子邮件地址。"
        assert reread(by_email["zhao"].id).last_error == "此人的账号已停用。"
    assert [envelope.rcpt_tos for envelope in inbox.envelopes] == [["new@school.test"]]
    mail = message_from_bytes(inbox.envelopes[0].content, policy=policy.default)
    assert mail["Subject"] == "本周检查"
    [received] = wecom.received
    assert received.json["text"]["mentioned_mobile_list"] == ["13800000001"]


def test_an_email_the_server_refuses_is_tried_again(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    with app.app_context():
        person = make_user("wang", email="wang@school.test")
        delivery = make_delivery(make_notice(), person, created_at=NOW, next_attempt_at=NOW)
        db.session.commit()
        assert deliver_due(now=NOW) == 0
        delivery = reread(delivery.id)
        assert delivery.status == DeliveryStatus.WAITING
        assert delivery.next_attempt_at == NOW + timedelta(seconds=30)



PUBLIC = "203.119.129.1"


@pytest.fixture
def rebinding_dns(app, monkeypatch):
    """A hostile DNS server: every name answers the public PUBLIC the first time it is looked
    up and this machine ever after, as a server giving out answers that last no time can.
    Numbers are answered as themselves, as the system does without asking DNS. The test
    has no internet: a connection to PUBLIC is refused, and `tried` lists every target."""
    import urllib3.util.connection

    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    asked = set()
    tried = []

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ip = str(ipaddress.ip_address(host))
        except ValueError:
            ip = "127.0.0.1" if host in asked else PUBLIC
            asked.add(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, int(port)))]

    connect = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        tried.append(address[0])
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(111, "Connection refused")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return tried


def test_a_name_answering_otherwise_at_connect_time_is_not_followed(app, rebinding_dns):
    # What the name would lead to, on this machine: it must see no connection.
    with socket.create_server(("127.0.0.1", 0)) as inside:
        inside.settimeout(0.2)
        port = inside.getsockname()[1]
        app.config["NOTICE_SEND_TIMEOUT"] = 0.5
        with app.app_context():
            to = make_channel(url=f"https://robot.example:{port}/cgi-bin/webhook/send?key=k")
            delivery = make_delivery(make_notice(), to, created_at=NOW, next_attempt_at=NOW)
            db.session.commit()
            assert deliver_due(now=NOW) == 0
            delivery = reread(delivery.id)
            assert delivery.status == DeliveryStatus.WAITING
            [attempt] = delivery.attempts
        with pytest.raises(TimeoutError):
            inside.accept()
    assert rebinding_dns == [PUBLIC]
    assert attempt.ok is False
    assert attempt.answer.startswith("无法连接服务器：")
    assert f"host='{PUBLIC}'" in attempt.answer and "127.0.0.1" not in attempt.answer


def test_a_name_answering_inside_the_network_at_send_time_is_refused_and_tried_again(
    app, rebinding_dns
):
    with app.app_context():
        to = make_channel(url="https://robot.example/cgi-bin/webhook/send?key=k")
        assert webhook_url_problem(to.url) is None  # as when it was saved
        delivery = make_delivery(make_notice(), to, created_at=NOW, next_attempt_at=NOW)
        db.session.commit()
        assert deliver_due(now=NOW) == 0
        delivery = reread(delivery.id)
        assert delivery.status == DeliveryStatus.WAITING
        assert delivery.next_attempt_at == NOW + WAITS[0]
        [attempt] = delivery.attempts
        assert attempt.ok is False
        assert attempt.answer.startswith("“robot.example”位于本地网络内")
    assert rebinding_dns == []
