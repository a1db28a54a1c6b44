import re

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from app.auth import known_phones
from app.auth import views as auth_views
from app.extensions import db
from app.models import User
from app.users.rules import change_password
from tests.conftest import PASSWORD
from tests.test_security import CSRF_TOKEN


def test_login_page_renders(client):
    assert client.get("/login").status_code == 200


def test_signed_out_user_is_sent_to_sign_in_and_back(client, auth):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    response = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "next": "/q/ABC234"}
    )
    assert response.headers["Location"] == "/q/ABC234"


def test_next_cannot_point_at_another_host(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == "/"
        client.post("/logout")


def test_wrong_password_is_refused_and_username_kept(client):
    response = client.post("/login", data={"username": "admin", "password": "nope"})
    assert response.status_code == 400
    assert b"Wrong username or password" in response.data
    assert b'value="admin"' in response.data


def test_missing_fields(client):
    response = client.post("/login", data={})
    assert response.status_code == 400


def test_disabled_user_cannot_sign_in_and_is_signed_out(app, client, auth):
    auth.login("inspector")
    assert client.get("/today").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "inspector"))
        user.active = False
        db.session.commit()
    response = client.get("/today")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    response = auth.login("inspector")
    assert response.status_code == 400
    assert b"disabled" in response.data


def test_remember_me_sets_a_long_cookie(client):
    response = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "remember": "y"}
    )
    cookie = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in cookie)


def test_passwords_are_hashed(app):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert PASSWORD not in user.password_hash
        assert user.check_password(PASSWORD)


def test_logout_needs_post(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_language_switch_is_remembered(client, auth):
    auth.login()
    client.post("/language", data={"language": "en", "next": "/"})
    assert b"Register" in client.get("/").data
    response = client.post("/language", data={"language": "xx", "next": "/"})
    assert response.status_code == 302


def test_browser_language_is_used_without_a_choice(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert b'lang="en"' in page.data
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert b'lang="zh-Hans"' in page.data


@pytest.mark.parametrize(
    "asked, button",
    [
        ("zh", re.compile(r'<button name="language" value="en" [^>]*aria-label="([^"]*)">EN<')),
        ("en", re.compile(r'<button name="language" value="zh" [^>]*aria-label="([^"]*)">中文<')),
    ],
)
def test_the_language_button_is_named_by_what_it_shows(client, asked, button):
    """A voice-control user says what the button shows: its name must contain it."""
    page = client.get("/login", headers={"Accept-Language": asked}).text
    name = button.search(page).group(1)
    assert ("EN" if asked == "zh" else "中文") in name


def test_pages_speak_chinese_by_default(app):
    page = app.test_client().get("/login")
    assert "登录".encode() in page.data
    assert b'lang="zh-Hans"' in page.data


def test_unknown_username_costs_a_password_hash_too(client, monkeypatch):
    """Answering an unknown name without hashing would tell, by its speed, who has an account."""
    checked = []
    real_check = auth_views.check_password_hash

    def counting_check(pwhash, password):
        checked.append(password)
        return real_check(pwhash, password)

    monkeypatch.setattr(auth_views, "check_password_hash", counting_check)
    response = client.post("/login", data={"username": "nobody", "password": "guess"})
    assert response.status_code == 400
    assert "Wrong username or password." in response.text
    assert checked == ["guess"]


def test_a_new_password_signs_other_phones_out(app, client, auth):
    auth.login("inspector")
    other_phone = app.test_client()
    other_phone.post("/login", data={"username": "inspector", "password": PASSWORD})
    assert other_phone.get("/today").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "inspector"))
        change_password(user, "a brand new one")
        db.session.commit()
    assert other_phone.get("/today").status_code == 302
    assert client.get("/today").status_code == 302


def test_an_admin_changing_their_own_password_stays_signed_in(client, auth):
    auth.login("admin")
    with client.application.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
    response = client.post(
        f"/users/{admin_id}/edit",
        data={
            "display_name": "Admin",
            "role": "admin",
            "active": "y",
            "password": "another long one",
            "confirm": "another long one",
        },
    )
    assert response.status_code == 302
    assert client.get("/users/").status_code == 200


def test_guessing_a_password_is_slowed_down_per_username(client):
    for _ in range(5):
        assert (
            client.post("/login", data={"username": "admin", "password": "guess"}).status_code
            == 400
        )
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many tries" in response.data
    # Another person signing in from the same school network is not held up.
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD})
    assert response.status_code == 302


def test_guessing_many_usernames_from_one_address_is_slowed_down(client):
    for number in range(20):
        client.post("/login", data={"username": f"user{number}", "password": "guess"})
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count(client, auth):
    for _ in range(8):
        assert auth.login("inspector").status_code == 302
        auth.logout()


# Guessing is slowed without letting a stranger lock anyone out

STRANGER = "203.0.113.9"
OWNER = "198.51.100.7"


def from_address(app, address):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client, username="inspector", password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password}).status_code


def guess(client, username="inspector", times=5):
    for _ in range(times):
        assert sign_in(client, username, "a wrong guess") == 400


def known_phone(app, address=OWNER, username="inspector"):
    """A phone that signed in as the user once, and signed out again."""
    client = from_address(app, address)
    assert sign_in(client, username) == 302
    client.post("/logout")
    return client


def test_a_stranger_guessing_at_a_name_does_not_lock_its_owner_out(app):
    stranger = from_address(app, STRANGER)
    guess(stranger)
    assert sign_in(stranger) == 429
    assert sign_in(from_address(app, OWNER)) == 302


def test_the_owners_phone_gets_in_even_from_the_strangers_address(app):
    """The school's Wi-Fi: one address outside for every phone inside."""
    own_phone = known_phone(app)
    stranger = from_address(app, STRANGER)
    guess(stranger)
    guess(stranger, username="admin")
    for number in range(10):
        sign_in(stranger, f"someone{number}", "a wrong guess")
    assert sign_in(stranger) == 429
    own_phone.environ_base["REMOTE_ADDR"] = STRANGER
    assert sign_in(own_phone) == 302


def test_guesses_from_one_ipv6_line_count_as_one_address(app):
    """A phone on IPv6 may use any address of its /64: rotating them gains it nothing."""
    for number in range(5):
        sign_in(from_address(app, f"2001:db8:1:2::{number + 1:x}"), password="a wrong guess")
    assert sign_in(from_address(app, "2001:db8:1:2::abcd")) == 429
    assert sign_in(from_address(app, "2001:db8:1:3::1")) == 302


def test_a_name_guessed_from_many_addresses_is_slowed_except_on_its_owners_phone(app):
    own_phone = known_phone(app)
    for number in range(20):
        guess(from_address(app, f"203.0.113.{number}"), times=1)
    assert sign_in(from_address(app, "192.0.2.1")) == 429
    assert sign_in(own_phone) == 302


def test_guessing_on_a_known_phone_is_slowed_as_well(app):
    own_phone = known_phone(app)
    guess(own_phone)
    assert sign_in(own_phone) == 429
    assert sign_in(from_address(app, "192.0.2.1")) == 302


def test_a_phone_known_for_one_person_is_a_stranger_to_another(app):
    repairers_phone = known_phone(app, username="repairer")
    guess(repairers_phone, username="inspector")
    assert sign_in(repairers_phone, "inspector") == 429


def test_a_made_up_known_phone_cookie_counts_for_nothing(app):
    stranger = from_address(app, STRANGER)
    with app.app_context():
        inspector_id = db.session.scalar(sa.select(User.id).where(User.username == "inspector"))
    forged = URLSafeTimedSerializer("not the secret key", salt="patrol.known-phone")
    stranger.set_cookie(
        known_phones.COOKIE, forged.dumps({"phone": "mine", "users": [inspector_id]})
    )
    guess(stranger)
    assert sign_in(stranger) == 429


# The CSRF token changes when the person behind the phone does


def csrf_token_in(page):
    return CSRF_TOKEN.search(page.text).group(1)


def test_a_csrf_token_made_before_signing_in_is_refused_after_it(csrf_app):
    client = csrf_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    before = csrf_token_in(client.get("/login"))
    data = {"username": "inspector", "password": PASSWORD, "csrf_token": before}
    assert client.post("/login", data=data).status_code == 302
    refused = client.post("/phones/end-others", data={"csrf_token": before})
    assert refused.status_code == 400 and "This form has expired" in refused.text
    after = csrf_token_in(client.get("/phones"))
    assert after != before
    assert client.post("/phones/end-others", data={"csrf_token": after}).status_code == 302


def test_a_csrf_token_made_while_signed_in_is_refused_after_signing_out(csrf_app):
    client = csrf_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {"username": "inspector", "password": PASSWORD}
    data["csrf_token"] = csrf_token_in(client.get("/login"))
    assert client.post("/login", data=data).status_code == 302
    signed_in = csrf_token_in(client.get("/phones"))
    assert client.post("/logout", data={"csrf_token": signed_in}).status_code == 302
    refused = client.post("/login", data={**data, "csrf_token": signed_in})
    assert refused.status_code == 400 and "This form has expired" in refused.text
    data["csrf_token"] = csrf_token_in(client.get("/login"))
    assert client.post("/login", data=data).status_code == 302
