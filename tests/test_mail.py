"""Email's settings, and each person's address on the users admin form.

Who is written to is tested with the notices (tests/test_fault_notices.py); sending, with
the senders."""

import pytest
from markupsafe import escape

from app import mail
from tests.factories import user


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
    with app.app_context():
        assert not mail.enabled()
        app.config["MAIL_SERVER"] = "smtp.school.test"
        assert mail.enabled()


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
