"""The logistics head's list of deliveries, each delivery's attempts, and sending again."""

import re
from datetime import datetime, timedelta

import pytest

from app.extensions import db
from app.models import ChannelKind, Delivery, DeliveryStatus, Reason
from tests.factories import (
    make_attempt,
    make_channel,
    make_delivery,
    make_notice,
    make_user,
)
from tests.queries import count_queries

START = datetime(2026, 11, 30, 1, 0)
ROBOT_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=5e7a1d3c-robot-key-9b2f"


def notice_about(reason, title):
    notice = make_notice(title=title)
    notice.reason = reason
    return notice


def text(response):
    return response.get_data(as_text=True)


def titles_in(page):
    return re.findall(r'<span class="grow">([^<]+?)\s*<small>', page)


@pytest.fixture
def three(app):
    """A sent one to a chat, a failed email, and one still waiting: in that order of writing."""
    with app.app_context():
        chat = make_channel(name="后勤维修群", url=ROBOT_URL)
        ms_li = make_user("li", display_name="李老师", email="li@school.cn")
        sent = make_delivery(
            notice_about(Reason.UNSAFE, "秋千不安全"), chat,
            status=DeliveryStatus.SENT, attempt_count=1, created_at=START,
            sent_at=START + timedelta(seconds=5),
        )
        make_attempt(sent, ok=True, answer='200 OK\n{"errcode":0,"errmsg":"ok"}', at=START)
        failed = make_delivery(
            notice_about(Reason.MORNING, "今天的检查"), ms_li,
            status=DeliveryStatus.FAILED, attempt_count=2, created_at=START + timedelta(hours=1),
            last_error="550 mailbox unavailable",
        )
        make_attempt(failed, ok=False, answer="421 try again later", at=START + timedelta(hours=1))
        make_attempt(failed, ok=False, answer="550 mailbox unavailable",
                     at=START + timedelta(hours=2))
        waiting = make_delivery(
            notice_about(Reason.OVERDUE, "例行检查逾期"), chat,
            created_at=START + timedelta(hours=3),
        )
        db.session.commit()
        return {"sent": sent.id, "failed": failed.id, "waiting": waiting.id}


def test_the_newest_delivery_comes_first(client, auth, three):
    auth.login()
    page = text(client.get("/notices/deliveries"))
    assert titles_in(page) == ["例行检查逾期", "今天的检查", "秋千不安全"]


def test_each_delivery_says_why_to_whom_how_it_went(client, auth, three):
    auth.login()
    page = text(client.get("/notices/deliveries"))
    assert "Unsafe now" in page and "Your checks today" in page and "Overdue" in page
    assert "Chat: 后勤维修群" in page
    assert "Email to 李老师" in page
    assert "Sent" in page and "Failed to send" in page and "Waiting" in page
    assert "2 attempts" in page and "1 attempt" in page
    assert "550 mailbox unavailable" in page


@pytest.mark.parametrize(
    "status, shown", [("failed", ["今天的检查"]), ("sent", ["秋千不安全"]),
                      ("waiting", ["例行检查逾期"]), ("sending", []),
                      ("", ["例行检查逾期", "今天的检查", "秋千不安全"])]
)
def test_the_list_is_filtered_by_status(client, auth, three, status, shown):
    auth.login()
    page = text(client.get(f"/notices/deliveries?status={status}"))
    assert titles_in(page) == shown


@pytest.mark.parametrize("status", ["lost", "<script>", "x" * 10_000])
def test_a_status_that_is_not_one_is_refused_clearly(client, auth, three, status):
    auth.login()
    response = client.get("/notices/deliveries", query_string={"status": status})
    assert response.status_code == 400
    assert "Not a valid choice" in text(response)
    assert "<script>" not in text(response).split("<main>")[1]


def test_the_list_comes_in_pages(app, client, auth):
    with app.app_context():
        chat = make_channel(name="后勤维修群", url=ROBOT_URL)
        for number in range(51):
            make_delivery(make_notice(title=f"第{number}条"), chat,
                          created_at=START + timedelta(minutes=number))
        db.session.commit()
    auth.login()
    first = text(client.get("/notices/deliveries"))
    assert len(titles_in(first)) == 50
    assert "Page 1 of 2" in first
    second = text(client.get("/notices/deliveries?page=2"))
    assert titles_in(second) == ["第0条"]
    assert text(client.get("/notices/deliveries?page=99")).count("<li>") == 0


def test_the_filter_is_kept_from_page_to_page(app, client, auth):
    with app.app_context():
        chat = make_channel(name="后勤维修群", url=ROBOT_URL)
        for number in range(51):
            make_delivery(make_notice(title=f"第{number}条"), chat, status=DeliveryStatus.FAILED)
        db.session.commit()
    auth.login()
    page = text(client.get("/notices/deliveries?status=failed"))
    assert "/notices/deliveries?page=2&amp;status=failed" in page


def test_a_longer_list_takes_no_more_queries(app, client, auth):
    def add(count):
        with app.app_context():
            for number in range(count):
                person = make_user(f"person{number}{count}", email=f"p{number}@school.cn")
                chat = make_channel(name=f"群{number}", url=ROBOT_URL)
                notice = make_notice(title=f"第{number}条")
                make_delivery(notice, person)
                make_delivery(notice, chat)
            db.session.commit()

    auth.login()
    add(1)
    few = count_queries(app, lambda: client.get("/notices/deliveries"))
    add(10)
    many = count_queries(app, lambda: client.get("/notices/deliveries"))
    assert many == few


def test_a_delivery_lists_every_attempt_with_its_answer(client, auth, three):
    auth.login()
    page = text(client.get(f"/notices/deliveries/{three['failed']}"))
    assert "421 try again later" in page
    assert "550 mailbox unavailable" in page
    assert page.count("Did not work") == 2
    assert '{"errcode":0' not in page
    sent = text(client.get(f"/notices/deliveries/{three['sent']}"))
    assert "Worked" in sent
    assert "errmsg" in sent


def test_no_answer_shows_the_robots_key(app, client, auth):
    with app.app_context():
        chat = make_channel(
            kind=ChannelKind.DINGTALK,
            url="https://oapi.dingtalk.com/robot/send?access_token=a1b2c3d4e5f6a7b8",
            secret="SECsigning-secret-0123456789",
        )
        failed = make_delivery(
            make_notice(), chat, status=DeliveryStatus.FAILED, attempt_count=1,
            last_error="HTTPSConnectionPool: /robot/send?access_token=a1b2c3d4e5f6a7b8 refused",
        )
        make_attempt(
            failed, ok=False, at=START,
            answer="SECsigning-secret-0123456789 refused for access_token=a1b2c3d4e5f6a7b8",
        )
        db.session.commit()
        failed_id = failed.id
    auth.login()
    for path in ("/notices/deliveries", f"/notices/deliveries/{failed_id}"):
        page = text(client.get(path))
        assert "a1b2c3d4e5f6" not in page
        assert "secret-0123" not in page
        assert "access_token=••••a7b8" in page


def test_a_failed_delivery_is_sent_again(app, client, auth, three):
    auth.login()
    page = text(client.get(f"/notices/deliveries/{three['failed']}"))
    assert "Send again" in page
    response = client.post(f"/notices/deliveries/{three['failed']}/resend")
    assert response.status_code == 303
    assert "sent again" in text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Delivery, three["failed"]).status == DeliveryStatus.WAITING


@pytest.mark.parametrize("which", ["sent", "waiting"])
def test_only_a_failed_delivery_is_sent_again(app, client, auth, three, which):
    auth.login()
    assert "Send again" not in text(client.get(f"/notices/deliveries/{three[which]}"))
    page = text(client.post(f"/notices/deliveries/{three[which]}/resend", follow_redirects=True))
    assert "Only a failed delivery can be sent again" in page
    with app.app_context():
        delivery = db.session.get(Delivery, three[which])
        assert delivery.status == DeliveryStatus(which)
        assert len(delivery.attempts) == (1 if which == "sent" else 0)


def test_one_being_sent_is_not_sent_again(app, client, auth, three):
    with app.app_context():
        db.session.get(Delivery, three["waiting"]).status = DeliveryStatus.SENDING
        db.session.commit()
    auth.login()
    page = text(client.post(f"/notices/deliveries/{three['waiting']}/resend",
                            follow_redirects=True))
    assert "Only a failed delivery can be sent again" in page
    with app.app_context():
        assert db.session.get(Delivery, three["waiting"]).status == DeliveryStatus.SENDING


def test_an_unknown_delivery_is_not_found(client, auth):
    auth.login()
    assert client.get("/notices/deliveries/999").status_code == 404
    assert client.post("/notices/deliveries/999/resend").status_code == 404


def test_the_pages_speak_chinese(client, auth, three):
    auth.login()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = text(client.get("/notices/deliveries"))
    assert "Failed" not in page and "Deliveries" not in page
    # A delivery that failed is not an inspection's failed check (不合格).
    assert "发送失败" in page and "不合格" not in page
    detail = text(client.get(f"/notices/deliveries/{three['failed']}"))
    assert "Send again" not in detail and "Attempts" not in detail
