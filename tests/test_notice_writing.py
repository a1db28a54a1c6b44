"""Writing a notice: its recipients and deliveries, once, in the transaction of its cause."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Delivery, FaultEvent, Notice, Reason, Role, Urgency
from app.notices import writing
from tests.factories import make_asset, make_channel, make_staff_report, make_user

FACTS = {"title": "测试", "lines": [], "path": "/"}


def notices():
    return db.session.scalars(sa.select(Notice).order_by(Notice.id)).all()


def test_a_notice_goes_by_email_to_each_active_recipient_with_an_address(app):
    app.config["MAIL_SERVER"] = "smtp.school.test"
    with app.app_context():
        with_address = make_user("wang", email="wang@school.test")
        without = make_user("li", email=None)
        gone = make_user("zhao", email="zhao@school.test", active=False)
        notice = writing.write(
            Reason.TEST, facts=FACTS, recipients=[with_address, without, gone, with_address]
        )
        db.session.commit()

        assert [person.username for person in notice.recipients] == ["wang", "li"]
        assert [(d.recipient, d.user) for d in notice.deliveries] == [
            (f"email:{with_address.id}", with_address)
        ]
        assert notice.deliveries[0].status == "waiting"


def test_without_a_mail_server_nobody_is_emailed_but_everyone_is_recorded(app):
    app.config["MAIL_SERVER"] = ""
    with app.app_context():
        person = make_user("wang", email="wang@school.test")
        notice = writing.write(Reason.TEST, facts=FACTS, recipients=[person])
        db.session.commit()
        assert notice.recipients == [person]
        assert notice.deliveries == []


def test_each_active_channel_that_chose_the_reason_gets_it(app):
    with app.app_context():
        chosen = make_channel(name="后勤群", reasons={Reason.UNSAFE, Reason.TEST})
        make_channel(name="保安群", reasons={Reason.UNSAFE})
        make_channel(name="旧群", reasons={Reason.TEST}, active=False)
        notice = writing.write(Reason.TEST, facts=FACTS)
        db.session.commit()
        assert [(d.recipient, d.channel) for d in notice.deliveries] == [
            (f"channel:{chosen.id}", chosen)
        ]


def test_someone_with_no_email_and_no_mobile_is_still_told_and_the_chats_still_hear(app):
    app.config["MAIL_SERVER"] = "smtp.school.test"
    with app.app_context():
        nobody_reachable = make_user("chen", email=None, mobile=None)
        chat = make_channel(reasons={Reason.TEST})
        notice = writing.write(Reason.TEST, facts=FACTS, recipients=[nobody_reachable])
        db.session.commit()
        assert notice.recipients == [nobody_reachable]
        assert [d.recipient for d in notice.deliveries] == [f"channel:{chat.id}"]


def test_a_key_is_written_once_whether_committed_or_still_in_the_session(app):
    with app.app_context():
        first = writing.write(Reason.TEST, facts=FACTS, key="test:1")
        assert first is not None
        assert writing.write(Reason.TEST, facts=FACTS, key="test:1") is None
        db.session.commit()
        assert writing.write(Reason.TEST, facts=FACTS, key="test:1") is None
        assert writing.write(Reason.TEST, facts=FACTS, key="test:2") is not None
        db.session.commit()
        assert [n.key for n in notices()] == ["test:1", "test:2"]


def test_a_fault_event_is_told_once_per_reason(app):
    with app.app_context():
        fault = make_staff_report(make_asset())
        [event] = fault.events
        db.session.commit()
        assert writing.write(Reason.ASSIGNED, facts=FACTS, fault=fault, fault_event=event)
        assert not writing.write(Reason.ASSIGNED, facts=FACTS, fault=fault, fault_event=event)
        db.session.commit()
        assert not writing.write(Reason.ASSIGNED, facts=FACTS, fault=fault, fault_event=event)
        assert writing.write(Reason.UNSAFE, facts=FACTS, fault=fault, fault_event=event)
        db.session.commit()
        assert [(n.reason, n.fault_event_id) for n in notices()] == [
            (Reason.ASSIGNED, event.id),
            (Reason.UNSAFE, event.id),
        ]


def test_a_pending_fault_event_is_told_once(app):
    with app.app_context():
        fault = make_staff_report(make_asset())
        db.session.commit()
        event = FaultEvent(fault=fault, action="comment", status=fault.status)
        db.session.add(event)
        assert writing.write(Reason.TEST, facts=FACTS, fault=fault, fault_event=event)
        assert not writing.write(Reason.TEST, facts=FACTS, fault=fault, fault_event=event)
        db.session.commit()
        assert len(notices()) == 1


def test_writing_flushes_nothing_of_the_callers(app):
    app.config["MAIL_SERVER"] = "smtp.school.test"
    with app.app_context():
        make_channel(reasons={Reason.TEST})
        db.session.commit()
        person = make_user("wang", Role.REPAIRER, password=None, email="wang@school.test")
        db.session.commit()
        fault = make_staff_report(make_asset())
        db.session.commit()
        fault.urgency = Urgency.UNSAFE
        notice = writing.write(Reason.TEST, facts=FACTS, recipients=[person], key="test:1")
        assert writing.write(Reason.TEST, facts=FACTS, key="test:1") is None
        assert notice in db.session.new and fault in db.session.dirty


def test_a_notice_rolls_back_with_its_cause(app):
    with app.app_context():
        asset = make_asset()
        db.session.commit()
        make_staff_report(asset)
        writing.write(Reason.TEST, facts=FACTS, key="undone")
        db.session.rollback()
        db.session.commit()
        assert notices() == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0

        make_staff_report(asset)
        writing.write(Reason.TEST, facts=FACTS, key="kept")
        db.session.commit()
        assert [n.key for n in notices()] == ["kept"]
