"""Issue 14's story on the demo kindergarten, end to end: the group chat hears of an unsafe
swing within the worker's next run, the Monday slide check left undone reminds the inspector
at 10:00 and reaches the head as overdue once its day is past, the gatekeeper's morning list
names the gate, and a chat that was down for a while loses nothing and gets nothing twice.

The chat is a real local WeCom robot (tests/receivers.py); the worker's queue runs when the
test says; every time is given, so the story runs the same on any day.
"""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.demo.seed import seed_demo
from app.extensions import db
from app.models import ChannelKind, Delivery, DeliveryStatus, Notice, Reason
from app.notices import delivery, planning
from tests.factories import make_channel

# The demo as it stands on a Monday morning: its Monday checks are still to do.
MONDAY = date(2026, 12, 7)
# Asia/Shanghai is eight hours ahead of UTC: 07:30, 10:00 and the next morning's 07:30.
MORNING = datetime(2026, 12, 6, 23, 30)
TEN_O_CLOCK = datetime(2026, 12, 7, 2, 0)
TUESDAY_MORNING = datetime(2026, 12, 7, 23, 30)
SWING = "5ST6JX"
MOBILES = {"admin": "13800000001", "inspector": "13800000002", "repairer": "13800000003",
           "gatekeeper": "13800000004"}


@pytest.fixture
def group(app, receiver, worker_queue):
    """The demo, and its logistics group's WeCom robot taking every reason of the story."""
    wecom = receiver(ChannelKind.WECOM)
    with app.app_context():
        seed_demo(MONDAY)
        make_channel(
            url=wecom.url,
            name="后勤群",
            reasons={Reason.UNSAFE, Reason.MORNING, Reason.REMINDER, Reason.OVERDUE},
        )
        db.session.commit()
    # The demo's own history wrote notices of its faults, before the group was there.
    worker_queue.run()
    return wecom


def _messages(robot):
    return [request.json["text"] for request in robot.accepted]


def _report_swing_unsafe(client):
    return client.post(
        f"/q/{SWING}/report",
        data={"description": "秋千座椅裂开", "urgency": "unsafe", "public_name": "王老师"},
    )


def test_an_unsafe_swing_reaches_the_group_with_its_place_and_link(app, client, group,
                                                                   worker_queue):
    assert _report_swing_unsafe(client).status_code in (200, 303)
    # The report's commit queued the send (and the district's count of the school's
    # figures): the worker's next run delivers it.
    assert sorted(worker_queue.waiting()) == ["refresh_school_figures", "send_soon"]
    worker_queue.run()
    (message,) = _messages(group)
    assert "秋千" in message["content"]
    assert "操场" in message["content"]  # its place
    with app.app_context():
        fault_id = db.session.scalar(sa.select(sa.func.max(Notice.fault_id)))
    assert f"http://patrol.test/faults/{fault_id}" in message["content"]
    # The repairers and the head are named in the group.
    assert set(message["mentioned_mobile_list"]) == {MOBILES["admin"], MOBILES["repairer"]}


def test_the_monday_day_of_duties_reminders_and_escalation(app, group):
    with app.app_context():
        planning.plan_due(MORNING)
        delivery.deliver_due(MORNING)
        mornings = _messages(group)
        gatekeepers = [m for m in mornings if m["mentioned_mobile_list"] == [MOBILES["gatekeeper"]]]
        (gatekeepers_list,) = gatekeepers
        assert "大门" in gatekeepers_list["content"]

        planning.plan_due(TEN_O_CLOCK)
        delivery.deliver_due(TEN_O_CLOCK)
        reminders = _messages(group)[len(mornings):]
        slides = [m for m in reminders if "滑梯" in m["content"]]
        assert slides and all(
            m["mentioned_mobile_list"] == [MOBILES["inspector"]] for m in slides
        )

        # Past its day (no grace), the undone slide check reaches the head, once.
        for _ in range(2):
            planning.plan_due(TUESDAY_MORNING)
            delivery.deliver_due(TUESDAY_MORNING)
        overdue = db.session.scalars(
            sa.select(Notice).where(Notice.reason == Reason.OVERDUE)
        ).all()
        slide_overdue = [n for n in overdue if n.checklist.key == "play_slide_weekly"]
        assert len(slide_overdue) == 1
        assert [person.username for person in slide_overdue[0].recipients] == ["admin"]


def test_a_chat_down_for_a_while_loses_nothing_and_gets_nothing_twice(app, client, group,
                                                                     worker_queue):
    group.stop()
    _report_swing_unsafe(client)
    worker_queue.run()
    with app.app_context():
        (waiting,) = db.session.scalars(sa.select(Delivery)).all()
        assert waiting.status == DeliveryStatus.WAITING
        assert waiting.attempt_count == 1
        retry_at = waiting.next_attempt_at

    group.start()
    with app.app_context():
        assert delivery.deliver_due(retry_at) == 1
        assert delivery.deliver_due(retry_at) == 0
        assert db.session.get(Delivery, waiting.id).status == DeliveryStatus.SENT
    assert len(_messages(group)) == 1
