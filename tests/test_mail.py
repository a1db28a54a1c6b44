"""Email through SMTP, against a local server the test starts (aiosmtpd)."""

import logging
import socket
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from markupsafe import escape

from app import mail
from app.extensions import db
from app.faults.raising import raise_fault
from app.models import Role, Urgency, User
from tests.factories import make_asset, make_user


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_FROM="patrol@school.test")
    yield handler
    controller.stop()


def user(username, email=None):
    found = db.session.scalar(sa.select(User).where(User.username == username))
    if email:
        found.email = email
    return found


def swing_fault(urgency=Urgency.NEEDS_REPAIR, reporter=None):
    # Not flushed, unlike make_staff_report: the mail hooks must leave flushing to the commit.
    return raise_fault(make_asset("秋千", "Swing"), "座板开裂", urgency, reporter=reporter)


def text(message):
    return message.get_content()


def test_an_assigned_job_mails_the_repairer_in_both_languages(app, inbox):
    with app.app_context():
        fault = swing_fault()
        fault.assigned_to = user("repairer", "repairer@school.test")
        db.session.commit()
        mail.fault_assigned(fault)
        db.session.commit()
        link = f"http://patrol.test/faults/{fault.id}"

    [message] = inbox.to("repairer@school.test")
    assert message["Subject"] == "新的维修任务：秋千 / New repair job: Swing"
    assert message["From"] == "Patrol <patrol@school.test>"
    body = text(message)
    assert "您有一项新的维修任务" in body and "You have a new repair job" in body
    assert body.index("您有") < body.index("You have")
    assert "座板开裂" in body and link in body


def test_a_repair_mails_the_reporter_or_else_the_admins(app, inbox):
    with app.app_context():
        user("admin", "head@school.test")
        reported = swing_fault(reporter=user("inspector", "teacher@school.test"))
        unreachable = swing_fault(reporter=user("repairer"))
        db.session.commit()
        mail.fault_repaired(reported)
        mail.fault_repaired(unreachable)
        db.session.commit()

    [to_reporter] = inbox.to("teacher@school.test")
    assert to_reporter["Subject"] == "维修完毕，待验收：秋千 / Repaired, to accept: Swing"
    assert "验收签字" in text(to_reporter) and "accept it with your signature" in text(to_reporter)
    [to_admin] = inbox.to("head@school.test")
    assert "/faults/" in text(to_admin)
    assert len(inbox.messages) == 2


def test_raising_an_unsafe_fault_mails_the_active_admins_only(app, inbox):
    with app.app_context():
        user("admin", "head@school.test")
        make_user("former", Role.ADMIN, password=None, email="former@school.test", active=False)
        make_user("deputy", Role.ADMIN, password=None, email="deputy@school.test")
        swing_fault(Urgency.UNSAFE)  # raise_fault calls mail.fault_reported itself
        swing_fault(Urgency.NEEDS_REPAIR)
        db.session.commit()

    assert sorted(address for recipients, _ in inbox.messages for address in recipients) == [
        "deputy@school.test",
        "head@school.test",
    ]
    assert inbox.messages[0][1]["Subject"] == "【危险】秋千 报修 / Unsafe: Swing reported"


def test_a_reopened_repair_mails_the_repairer(app, inbox):
    with app.app_context():
        fault = swing_fault()
        fault.assigned_to = user("repairer", "repairer@school.test")
        db.session.commit()
        mail.fault_reopened(fault)
        db.session.commit()

    [message] = inbox.to("repairer@school.test")
    assert message["Subject"] == "维修被退回：秋千 / Repair sent back: Swing"
    assert "Your repair was not accepted" in text(message)


def test_a_repairer_without_an_address_is_sent_nothing(app, inbox):
    with app.app_context():
        fault = swing_fault()
        fault.assigned_to = user("repairer")
        mail.fault_assigned(fault)
        db.session.commit()
    assert inbox.messages == []


def test_nothing_is_sent_until_the_transaction_commits(app, inbox):
    with app.app_context():
        repairer = user("repairer", "repairer@school.test")
        fault = swing_fault()
        fault.assigned_to = repairer
        mail.fault_assigned(fault)
        assert fault in db.session.new  # the hook leaves flushing to the commit
        assert inbox.messages == []
        db.session.commit()
        link = f"http://patrol.test/faults/{fault.id}"
    [message] = inbox.to("repairer@school.test")
    assert link in text(message)


def test_an_unsafe_report_hook_leaves_a_duplicate_to_the_reporters_commit(app, inbox):
    """A report sent twice fails at its own commit, not inside the hook."""
    with app.app_context():
        user("admin", "head@school.test")
        first = swing_fault(Urgency.UNSAFE)
        first.client_id = "phone-1"
        db.session.commit()
        raise_fault(first.asset, "again", Urgency.UNSAFE, client_id="phone-1")
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert len(inbox.messages) == 1  # the first report's, never the duplicate's


def test_a_rolled_back_transaction_sends_nothing(app, inbox):
    with app.app_context():
        user("repairer", "repairer@school.test")
        db.session.commit()
        fault = swing_fault()
        fault.assigned_to = user("repairer")
        mail.fault_assigned(fault)
        db.session.rollback()
        db.session.commit()  # a later, unrelated commit must not send what was undone
    assert inbox.messages == []


def test_after_commit_runs_once_then_forgets(app):
    calls = []
    with app.app_context():
        mail.after_commit(calls.append, "first")
        db.session.commit()
        db.session.commit()
        mail.after_commit(calls.append, "second")
        db.session.rollback()
        db.session.commit()
    assert calls == ["first"]


def test_no_mail_server_sends_nothing(app, inbox):
    app.config["MAIL_SERVER"] = ""
    with app.app_context():
        fault = swing_fault(Urgency.UNSAFE)
        fault.assigned_to = user("repairer", "repairer@school.test")
        user("admin", "head@school.test")
        mail.fault_reported(fault)
        mail.fault_assigned(fault)
        db.session.commit()
    assert inbox.messages == []


def test_a_dead_server_is_logged_and_the_fault_is_kept(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with app.app_context():
        fault = swing_fault()
        fault.assigned_to = user("repairer", "repairer@school.test")
        mail.fault_assigned(fault)
        with caplog.at_level(logging.WARNING):
            db.session.commit()
        fault_id = fault.id
        db.session.remove()
        assert db.session.get(type(fault), fault_id) is not None
    assert "Could not send mail" in caplog.text
    assert "repairer@school.test" in caplog.text


def test_mail_settings_come_from_the_environment(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("MAIL_SERVER", "smtp.school.test")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "0")
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    app = create_app()
    assert app.config["MAIL_SERVER"] == "smtp.school.test"
    assert app.config["MAIL_PORT"] == 587
    assert app.config["MAIL_USE_TLS"] is False
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    assert create_app().config["MAIL_USE_TLS"] is True


def test_mail_is_off_by_default(app):
    from app.config import DEFAULTS

    assert DEFAULTS["MAIL_SERVER"] == ""


# The address on the users admin form

NEW_PASSWORD = "sandpit-2024"


def test_an_admin_gives_a_new_user_an_email_address(app, client, auth):
    auth.login("admin")
    response = client.post("/users/new", data={
        "username": "wang.li", "display_name": "王丽", "role": "inspector",
        "email": "  wang.li@school.test ", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302
    with app.app_context():
        assert user("wang.li").email == "wang.li@school.test"


def edit(client, app, username, email):
    with app.app_context():
        found = user(username)
        data = {"display_name": found.display_name, "role": found.role.value, "active": "y",
                "email": email}
        return client.post(f"/users/{found.id}/edit", data=data)


def test_an_admin_changes_and_clears_an_email_address(app, client, auth):
    auth.login("admin")
    assert edit(client, app, "repairer", "fix@school.test").status_code == 302
    with app.app_context():
        assert user("repairer").email == "fix@school.test"
    assert 'value="fix@school.test"' in client.get(
        f"/users/{user_id(app, 'repairer')}/edit"
    ).get_data(as_text=True)

    assert edit(client, app, "repairer", "  ").status_code == 302
    with app.app_context():
        assert user("repairer").email is None


def user_id(app, username):
    with app.app_context():
        return user(username).id


@pytest.mark.parametrize(
    "typed",
    ["not an address", "name@school", "name@@school.test", "na me@school.test",
     "<script>@x.cn", "a@b.", "a,b@x.cn", "x" * 250 + "@s.cn"],
)
def test_a_wrong_email_address_is_refused_and_kept(app, client, auth, typed):
    auth.login("admin")
    response = edit(client, app, "repairer", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>" not in page
    assert f'value="{escape(typed)}"' in page
    if len(typed) <= 254:
        assert "Enter an email address like name@school.cn." in page
    else:
        assert "254" in page
    with app.app_context():
        assert user("repairer").email is None


def test_only_admins_edit_email_addresses(app, client, auth):
    target = user_id(app, "repairer")
    assert client.post(f"/users/{target}/edit", data={"email": "x@y.cn"}).status_code == 302
    auth.login("inspector")
    assert client.post(f"/users/{target}/edit", data={"email": "x@y.cn"}).status_code == 403
