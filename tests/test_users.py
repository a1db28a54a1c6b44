"""The admin's users page and the rules that keep the school from locking itself out."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Role, User
from app.users.rules import AccountRuleError, change_account
from tests.conftest import PASSWORD
from tests.factories import make_user

NEW_PASSWORD = "sandpit-2024"


def user_named(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def user_id(app, username):
    with app.app_context():
        return user_named(username).id


def new_user(**overrides):
    data = {
        "username": "wang.li",
        "display_name": "王丽",
        "role": "inspector",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def edit_data(app, username, **overrides):
    """What the edit form would send back unchanged."""
    with app.app_context():
        user = user_named(username)
        data = {"display_name": user.display_name, "role": user.role.value}
        if user.active:
            data["active"] = "y"
    data.update(overrides)
    return data


def text(response):
    return response.get_data(as_text=True)


# Who may use the page


@pytest.mark.parametrize("path", ["/users/", "/users/new", "/users/1/edit"])
def test_signed_out_users_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["inspector", "repairer"])
@pytest.mark.parametrize("path", ["/users/", "/users/new", "/users/1/edit"])
def test_only_admins_manage_users(client, auth, role, path):
    auth.login(role)
    assert client.get(path).status_code == 403
    if path != "/users/":
        assert client.post(path, data=new_user()).status_code == 403


def test_non_admin_cannot_create_a_user(app, client, auth):
    auth.login("inspector")
    client.post("/users/new", data=new_user(role="admin"))
    with app.app_context():
        assert user_named("wang.li") is None


# The list


def test_list_shows_names_roles_and_who_is_disabled(app, client, auth):
    with app.app_context():
        user_named("repairer").active = False
        db.session.commit()
    auth.login("admin")
    page = text(client.get("/users/"))
    assert "Logistics head (admin)" in page
    assert "Inspector" in page
    assert "Repairer" in page
    assert page.count('class="badge disabled"') == 1
    assert page.count('class="badge in_service"') == 2
    assert page.index("Inspector") < page.index("Repairer")


def test_list_in_chinese_uses_the_role_labels(client, auth):
    auth.login("admin")
    response = client.get("/users/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in text(response)


def test_there_is_no_way_to_delete_a_user(app, client, auth):
    auth.login("admin")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("users."):
            assert "DELETE" not in rule.methods
            assert "delete" not in rule.rule and "delete" not in rule.endpoint
    assert client.post(f"/users/{user_id(app, 'inspector')}/delete").status_code in (404, 405)


# Adding a user


def test_add_a_user_who_can_then_sign_in(app, client, auth):
    auth.login("admin")
    assert client.get("/users/new").status_code == 200
    response = client.post("/users/new", data=new_user(username="  Wang.Li "))
    assert response.status_code == 302
    assert response.headers["Location"] == "/users/"
    assert "王丽 can now sign in as wang.li." in text(client.get("/users/"))
    with app.app_context():
        user = user_named("wang.li")
        assert user.role == Role.INSPECTOR
        assert user.active
        assert NEW_PASSWORD not in user.password_hash
    auth.logout()
    response = client.post("/login", data={"username": "wang.li", "password": NEW_PASSWORD})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("taken", ["inspector", "INSPECTOR", " Inspector "])
def test_duplicate_username_is_refused_whatever_its_case(app, client, auth, taken):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(username=taken, display_name="Someone"))
    assert response.status_code == 400
    page = text(response)
    assert "This username is already taken." in page
    assert 'value="Someone"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 3


@pytest.mark.parametrize(
    "username", ["ab", "a" * 41, "wang li", "王丽", "x<y>", "wang/li", "", "   "]
)
def test_bad_usernames_are_refused(app, client, auth, username):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(username=username))
    assert response.status_code == 400
    page = text(response)
    assert "Please correct the marked fields." in page
    assert "王丽" in page
    assert "x<y>" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 3


def test_username_rule_edges_are_accepted(app, client, auth):
    auth.login("admin")
    for username in ("abc", "a" * 40, "li_na-2.b"):
        response = client.post("/users/new", data=new_user(username=username))
        assert response.status_code == 302, username


def test_mismatched_passwords_are_refused(app, client, auth):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(confirm=NEW_PASSWORD + "x"))
    assert response.status_code == 400
    page = text(response)
    assert "The two passwords are not the same." in page
    assert 'value="wang.li"' in page
    assert NEW_PASSWORD not in page
    with app.app_context():
        assert user_named("wang.li") is None


@pytest.mark.parametrize("password", ["short", "1234567", "x" * 201])
def test_short_or_oversized_passwords_are_refused(app, client, auth, password):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(password=password, confirm=password))
    assert response.status_code == 400
    assert "characters." in text(response)
    with app.app_context():
        assert user_named("wang.li") is None


COMMON = "This is one of the most common passwords, the first ones anyone tries. Choose another."


@pytest.mark.parametrize(
    "password", ["12345678", "password", "PassWord", "qwertyuiop", "88888888", "１２３４５６７８"]
)
def test_common_passwords_are_refused_for_a_new_user(app, client, auth, password):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(password=password, confirm=password))
    assert response.status_code == 400
    assert COMMON in text(response)
    assert 'value="wang.li"' in text(response)
    with app.app_context():
        assert user_named("wang.li") is None


def test_a_common_password_is_refused_in_chinese_too(app, auth):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    response = client.post("/users/new", data=new_user(password="iloveyou", confirm="iloveyou"))
    assert response.status_code == 400
    assert "这是最常见的密码之一" in text(response)


def test_a_common_password_is_refused_as_a_new_password(app, client, auth):
    auth.login("admin")
    uid = user_id(app, "admin")
    data = edit_data(app, "admin", password="password1", confirm="password1")
    response = client.post(f"/users/{uid}/edit", data=data)
    assert response.status_code == 400
    assert COMMON in text(response)
    with app.app_context():
        assert db.session.get(User, uid).check_password(PASSWORD)


def test_uncommon_passwords_are_accepted(app, client, auth):
    auth.login("admin")
    passwords = ["correct horse", "滑梯每周一都要检查", "gatehouse-2026-spring"]
    for number, password in enumerate(passwords):
        data = new_user(username=f"wang{number}", password=password, confirm=password)
        assert client.post("/users/new", data=data).status_code == 302, password


def test_missing_fields_are_refused(client, auth):
    auth.login("admin")
    response = client.post("/users/new", data={})
    assert response.status_code == 400
    assert text(response).count("This field is required.") >= 4


def test_bad_role_is_refused(app, client, auth):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(role="superuser"))
    assert response.status_code == 400
    with app.app_context():
        assert user_named("wang.li") is None


def test_oversized_display_name_is_refused(client, auth):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(display_name="x" * 81))
    assert response.status_code == 400


def test_hostile_display_name_is_escaped(app, client, auth):
    auth.login("admin")
    hostile = '<script>alert("x")</script>'
    client.post("/users/new", data=new_user(display_name=hostile))
    for path in ("/users/", f"/users/{user_id(app, 'wang.li')}/edit"):
        page = text(client.get(path))
        assert hostile not in page
        assert "&lt;script&gt;" in page


# Editing a user


def test_edit_page_shows_the_user(app, client, auth):
    auth.login("admin")
    page = text(client.get(f"/users/{user_id(app, 'inspector')}/edit"))
    assert "inspector" in page
    assert '<option selected value="inspector">' in page
    assert '<input checked id="active" name="active" type="checkbox" value="y">' in page


def test_edit_unknown_user_is_404(client, auth):
    auth.login("admin")
    assert client.get("/users/999/edit").status_code == 404
    assert client.post("/users/999/edit", data={}).status_code == 404


def test_change_name_and_role(app, client, auth):
    auth.login("admin")
    uid = user_id(app, "inspector")
    data = edit_data(app, "inspector", display_name="门卫 张师傅", role="repairer")
    response = client.post(f"/users/{uid}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.display_name == "门卫 张师傅"
        assert user.role == Role.REPAIRER
        assert user.check_password(PASSWORD)


def test_reset_password(app, client, auth):
    auth.login("admin")
    uid = user_id(app, "inspector")
    data = edit_data(app, "inspector", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert client.post(f"/users/{uid}/edit", data=data).status_code == 302
    auth.logout()
    assert auth.login("inspector").status_code == 400
    response = client.post("/login", data={"username": "inspector", "password": NEW_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use at least 8 characters."),
        (NEW_PASSWORD, "", "The two passwords are not the same."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords are not the same."),
        ("", NEW_PASSWORD, "The two passwords are not the same."),
    ],
)
def test_bad_password_reset_is_refused(app, client, auth, password, confirm, message):
    auth.login("admin")
    uid = user_id(app, "inspector")
    data = edit_data(app, "inspector", display_name="Kept", password=password, confirm=confirm)
    response = client.post(f"/users/{uid}/edit", data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert 'value="Kept"' in text(response)
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.check_password(PASSWORD)
        assert user.display_name == "Inspector"


def test_disabled_user_cannot_sign_in_and_keeps_their_record(app, client, auth):
    auth.login("admin")
    uid = user_id(app, "repairer")
    data = edit_data(app, "repairer")
    del data["active"]
    assert client.post(f"/users/{uid}/edit", data=data).status_code == 302
    assert 'class="badge disabled"' in text(client.get("/users/"))
    auth.logout()
    response = auth.login("repairer")
    assert response.status_code == 400
    assert "This account is disabled." in text(response)

    auth.login("admin")
    data["active"] = "y"
    assert client.post(f"/users/{uid}/edit", data=data).status_code == 302
    auth.logout()
    assert auth.login("repairer").status_code == 302


def test_admin_cannot_disable_themselves(app, client, auth):
    auth.login("admin")
    uid = user_id(app, "admin")
    data = edit_data(app, "admin")
    del data["active"]
    response = client.post(f"/users/{uid}/edit", data=data)
    assert response.status_code == 400
    assert "You cannot disable your own account." in text(response)
    with app.app_context():
        assert db.session.get(User, uid).active


def test_admin_cannot_demote_themselves(app, client, auth):
    add_admin(app, "head2")
    auth.login("admin")
    uid = user_id(app, "admin")
    response = client.post(f"/users/{uid}/edit", data=edit_data(app, "admin", role="inspector"))
    assert response.status_code == 400
    assert "You cannot take away your own admin role." in text(response)
    with app.app_context():
        assert db.session.get(User, uid).role == Role.ADMIN


def test_admin_can_demote_and_disable_another_admin(app, client, auth):
    add_admin(app, "head2")
    auth.login("admin")
    uid = user_id(app, "head2")
    data = edit_data(app, "head2", role="repairer")
    del data["active"]
    assert client.post(f"/users/{uid}/edit", data=data).status_code == 302
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.role == Role.REPAIRER
        assert not user.active


def test_admin_can_change_their_own_name_and_password(app, client, auth):
    auth.login("admin")
    uid = user_id(app, "admin")
    data = edit_data(
        app, "admin", display_name="总务主任", password=NEW_PASSWORD, confirm=NEW_PASSWORD
    )
    assert client.post(f"/users/{uid}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).display_name == "总务主任"


# The rules themselves


def add_admin(app, username, active=True):
    with app.app_context():
        make_user(username, Role.ADMIN, PASSWORD, display_name=username, active=active)
        db.session.commit()


@pytest.mark.parametrize(("role", "active"), [(Role.INSPECTOR, True), (Role.ADMIN, False)])
def test_last_active_admin_can_never_be_demoted_or_disabled(app, role, active):
    add_admin(app, "former", active=False)
    with app.app_context():
        admin = user_named("admin")
        with pytest.raises(AccountRuleError, match="last active admin"):
            change_account(admin, role=role, active=active)
        assert admin.role == Role.ADMIN and admin.active


def test_an_admin_may_step_down_when_another_admin_is_active(app):
    add_admin(app, "head2")
    with app.app_context():
        admin = user_named("admin")
        change_account(admin, role=Role.INSPECTOR, active=True)
        db.session.commit()
        head2 = user_named("head2")
        with pytest.raises(AccountRuleError, match="last active admin"):
            change_account(head2, role=Role.ADMIN, active=False)


def test_self_rules_need_an_actor(app):
    add_admin(app, "head2")
    with app.app_context():
        admin = user_named("admin")
        with pytest.raises(AccountRuleError, match="your own account"):
            change_account(admin, role=Role.ADMIN, active=False, actor=admin)
        with pytest.raises(AccountRuleError, match="your own admin role"):
            change_account(admin, role=Role.REPAIRER, active=True, actor=admin)
        change_account(admin, role=Role.ADMIN, active=True, actor=admin)
        change_account(user_named("head2"), role=Role.REPAIRER, active=False, actor=admin)


def test_other_roles_change_freely(app):
    with app.app_context():
        inspector = user_named("inspector")
        change_account(inspector, role=Role.ADMIN, active=True)
        change_account(inspector, role=Role.REPAIRER, active=False)
        assert inspector.role == Role.REPAIRER and not inspector.active
