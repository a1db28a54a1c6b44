"""Each signed-in phone is a sign-in on the server: signing out, "everywhere", the logistics
head's "sign out of all phones" and disabling a user end them, and copies of their cookies
then open nothing."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import devices, sign_ins
from app.extensions import db
from app.models import SignIn, User
from app.models.common import utcnow
from tests.conftest import PASSWORD
from tests.test_users import edit_data, user_id, user_named

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 13; M2102J20SG) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Mobile Safari/537.36"
)
ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 12; V2118A Build/SP1A.210812.003; wv) AppleWebKit/537.36"
    " (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36"
    " XWEB/5197 MMWEBSDK/20230504 MicroMessenger/8.0.37.2380(0x2800253D) WeChat/arm64"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
COOKIES = ("session", "remember_token")


def phone(app, username="inspector", user_agent=ANDROID_CHROME, remember=True, language="en"):
    """A phone signed in as the user."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    data = {"username": username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def copy_of(app, client, names=COOKIES):
    """Another browser holding copies of the phone's cookies (and no others)."""
    copy = app.test_client()
    copy.environ_base["HTTP_USER_AGENT"] = client.environ_base["HTTP_USER_AGENT"]
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        copy.set_cookie(name, cookie.value)
    return copy


def opens_pages(client):
    response = client.get("/today")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def copies(app, client):
    """Copies of the session cookie alone and of the remember-me cookie alone, which both work."""
    session_copy = copy_of(app, client, ["session"])
    remember_copy = copy_of(app, client, ["remember_token"])
    assert opens_pages(session_copy) and opens_pages(remember_copy)
    # A fresh copy: the one used above now holds a session cookie of its own too.
    return session_copy, copy_of(app, client, ["remember_token"])


def good_sign_ins(app, username):
    with app.app_context():
        return [(s.id, s.device) for s in sign_ins.still_good(user_named(username))]


# Copied cookies after each way of signing out


def test_copied_cookies_open_nothing_after_signing_out(app):
    inspector = phone(app)
    session_copy, remember_copy = copies(app, inspector)
    assert inspector.post("/logout").status_code == 302
    assert not opens_pages(session_copy)
    assert not opens_pages(remember_copy)


def test_copied_cookies_open_nothing_after_sign_out_everywhere(app):
    lost, in_hand = phone(app), phone(app, user_agent=IPHONE_SAFARI)
    session_copy, remember_copy = copies(app, lost)
    response = in_hand.post("/phones/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    for client in (lost, session_copy, remember_copy, in_hand):
        assert not opens_pages(client)
    assert good_sign_ins(app, "inspector") == []


def test_copied_cookies_open_nothing_once_the_user_is_disabled_even_when_enabled_again(app):
    inspector = phone(app)
    session_copy, remember_copy = copies(app, inspector)
    admin = phone(app, "admin")
    uid = user_id(app, "inspector")
    data = edit_data(app, "inspector")
    del data["active"]
    assert admin.post(f"/users/{uid}/edit", data=data).status_code == 302
    for client in (inspector, session_copy, remember_copy):
        assert not opens_pages(client)
    assert admin.post(f"/users/{uid}/edit", data=edit_data(app, "inspector", active="y"))
    with app.app_context():
        assert user_named("inspector").active
    for client in (inspector, session_copy, remember_copy):
        assert not opens_pages(client)


def test_disabling_from_the_command_line_ends_the_sign_ins_too(app, runner):
    inspector = phone(app)
    assert runner.invoke(args=["users", "disable", "inspector"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "inspector"]).exit_code == 0
    assert not opens_pages(inspector)


def test_the_logistics_head_signs_a_lost_phone_out(app):
    lost = phone(app)
    session_copy, remember_copy = copies(app, lost)
    admin = phone(app, "admin")
    uid = user_id(app, "inspector")
    page = admin.get(f"/users/{uid}/edit").text
    assert "Android · Chrome" in page and "Sign out of all phones" in page
    response = admin.post(f"/users/{uid}/sign-out", follow_redirects=True)
    assert "Inspector is signed out on every phone." in response.text
    assert "Not signed in on any phone." in response.text
    for client in (lost, session_copy, remember_copy):
        assert not opens_pages(client)
    assert opens_pages(admin)


def test_an_admin_signing_themselves_out_everywhere_keeps_this_phone(app):
    other, admin = phone(app, "admin"), phone(app, "admin", user_agent=IPHONE_SAFARI)
    response = admin.post(f"/users/{user_id(app, 'admin')}/sign-out", follow_redirects=True)
    assert "Every other phone is signed out." in response.text
    assert opens_pages(admin) and not opens_pages(other)


def test_a_new_password_set_by_the_admin_signs_the_user_out_everywhere(app):
    inspector = phone(app)
    admin = phone(app, "admin")
    uid = user_id(app, "inspector")
    data = edit_data(app, "inspector", password="a new long one", confirm="a new long one")
    assert admin.post(f"/users/{uid}/edit", data=data).status_code == 302
    assert not opens_pages(inspector)


def test_an_admin_changing_their_own_password_keeps_only_this_phone(app):
    other, admin = phone(app, "admin"), phone(app, "admin", user_agent=IPHONE_SAFARI)
    uid = user_id(app, "admin")
    data = edit_data(app, "admin", password="a new long one", confirm="a new long one")
    assert admin.post(f"/users/{uid}/edit", data=data).status_code == 302
    assert opens_pages(admin) and not opens_pages(other)


def test_a_new_password_from_the_command_line_signs_the_user_out(app, runner):
    inspector = phone(app)
    result = runner.invoke(
        args=["users", "set-password", "inspector", "--password-stdin"],
        input="a new long one\n",
    )
    assert result.exit_code == 0, result.output
    assert not opens_pages(inspector)


# "Your phones"


@pytest.mark.parametrize(
    "language, title, this_phone",
    [("en", "Your phones", "This phone"), ("zh", "已登录的设备", "本机")],
)
def test_your_phones_lists_each_phone_and_marks_this_one(app, language, title, this_phone):
    phone(app, user_agent=ANDROID_WECHAT)
    here = phone(app, user_agent=IPHONE_SAFARI, language=language)
    phone(app, "repairer")
    page = here.get("/phones").text
    assert title in page
    assert "Android · WeChat" in page and "iPhone · Safari" in page
    assert "Android · Chrome" not in page  # the repairer's
    badge = f'<span class="badge in_service">{this_phone}</span>'
    assert page.count(badge) == 1
    assert page.index("iPhone · Safari") < page.index(badge) < page.index("Android · WeChat")
    assert 'href="/phones"' in here.get("/today").text


def test_ending_one_phone_leaves_the_others(app):
    lost = phone(app, user_agent=ANDROID_WECHAT)
    spare, here = phone(app), phone(app, user_agent=IPHONE_SAFARI)
    lost_id = next(i for i, device in good_sign_ins(app, "inspector") if "WeChat" in device)
    response = here.post(f"/phones/{lost_id}/end", follow_redirects=True)
    assert "That phone is signed out." in response.text
    assert not opens_pages(lost)
    assert opens_pages(spare) and opens_pages(here)


def test_ending_this_phone_from_the_list_signs_it_out(app):
    here = phone(app)
    (this_id, _device), = good_sign_ins(app, "inspector")
    response = here.post(f"/phones/{this_id}/end")
    assert response.headers["Location"] == "/login"
    assert not opens_pages(here)


def test_nobody_ends_another_persons_phone_from_their_own_list(app):
    repairer = phone(app, "repairer")
    (repairer_sign_in, _device), = good_sign_ins(app, "repairer")
    inspector = phone(app)
    assert inspector.post(f"/phones/{repairer_sign_in}/end").status_code == 404
    assert opens_pages(repairer)


def test_signing_out_every_other_phone_keeps_this_one(app):
    others = [phone(app), phone(app, user_agent=ANDROID_WECHAT)]
    here = phone(app, user_agent=IPHONE_SAFARI)
    response = here.post("/phones/end-others", follow_redirects=True)
    assert "Every other phone is signed out." in response.text
    assert opens_pages(here)
    assert not any(opens_pages(other) for other in others)
    assert [device for _id, device in good_sign_ins(app, "inspector")] == ["iPhone · Safari"]


# What the server keeps, and for how long


def test_only_a_hash_of_the_token_is_kept(app):
    inspector = phone(app, remember=False)
    with app.app_context():
        (stored,) = db.session.scalars(sa.select(SignIn)).all()
        token_hash = stored.token_hash
    with app.test_request_context():
        from flask import current_app

        cookie = inspector.get_cookie("session").value
        session = current_app.session_interface.get_signing_serializer(current_app).loads(cookie)
    token = session["_user_id"]
    assert token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in token_hash and len(token) >= 40


def test_last_used_is_written_every_few_minutes_not_on_every_page(app):
    inspector = phone(app)

    def last_used():
        with app.app_context():
            return db.session.scalar(sa.select(SignIn.last_used_at))

    def set_last_used(when):
        with app.app_context():
            db.session.execute(sa.update(SignIn).values(last_used_at=when))
            db.session.commit()

    just_now = utcnow() - sign_ins.TOUCH_EVERY / 2
    set_last_used(just_now)
    assert opens_pages(inspector)
    assert last_used() == just_now
    a_while_ago = utcnow() - sign_ins.TOUCH_EVERY * 2
    set_last_used(a_while_ago)
    assert opens_pages(inspector)
    assert last_used() > utcnow() - timedelta(minutes=1)


def test_a_sign_in_unused_for_the_remember_me_lifetime_has_ended(app):
    inspector = phone(app)
    with app.app_context():
        long_ago = utcnow() - sign_ins.lifetime() - timedelta(minutes=1)
        db.session.execute(sa.update(SignIn).values(last_used_at=long_ago))
        db.session.commit()
    assert not opens_pages(inspector)
    assert good_sign_ins(app, "inspector") == []


def test_a_made_up_token_opens_nothing(app):
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = "1"
        session["_fresh"] = True
    assert not opens_pages(forged)


def test_the_user_loader_reads_user_and_sign_in_in_one_query(app):
    inspector = phone(app)
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with app.test_request_context():
            cookie = inspector.get_cookie("session").value
            from flask import current_app

            serializer = current_app.session_interface.get_signing_serializer(current_app)
            token = serializer.loads(cookie)["_user_id"]
            user = sign_ins.load(token)
            assert isinstance(user, User) and user.username == "inspector"
            assert user.get_id() == token
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


# Naming the phone


@pytest.mark.parametrize(
    "user_agent, name",
    [
        (ANDROID_CHROME, "Android · Chrome"),
        (ANDROID_WECHAT, "Android · WeChat"),
        (IPHONE_SAFARI, "iPhone · Safari"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
            " (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
            "iPhone · Chrome",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "Windows · Edge",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML,"
            " like Gecko) Version/17.1 Safari/605.1.15",
            "Mac · Safari",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
         "Linux · Firefox"),
        ("curl/8.5.0", ""),
        ("", ""),
    ],
)
def test_a_phone_is_named_from_its_browser(user_agent, name):
    assert devices.describe(user_agent) == name


def test_an_unknown_browser_is_listed_as_such(app):
    here = phone(app, user_agent="curl/8.5.0")
    assert "Unknown phone or browser" in here.get("/phones").text


def test_sign_ins_long_over_are_forgotten_and_the_rest_kept(app):
    now = utcnow()
    with app.app_context():
        person = user_named("inspector")
        ended_long_ago, ended_lately, ran_out_long_ago, in_use = (
            sign_ins.start(person, "phone") for _ in range(4)
        )
        kept_after, lifetime = sign_ins.KEPT_AFTER, sign_ins.lifetime()
        ended_long_ago.ended_at = now - kept_after - timedelta(hours=1)
        ended_lately.ended_at = now - kept_after + timedelta(hours=1)
        ran_out_long_ago.last_used_at = now - lifetime - kept_after - timedelta(hours=1)
        db.session.commit()
        kept = {ended_lately.id, in_use.id}

        assert sign_ins.forget_old(now) == 2
        assert sign_ins.forget_old(now) == 0
        assert set(db.session.scalars(sa.select(SignIn.id))) == kept
