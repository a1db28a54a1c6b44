"""A user's mobile number and notice language: on the user form, in `flask users create`, and
the page's language switch remembered as the notice language of whoever uses it."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.users.rules import mobile_problem, normalize_mobile
from tests.test_users import edit_data, new_user, text

GOOD = [
    ("13800138000", "13800138000"),
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "+8613800138000"),
    ("(010) 6552-9988", "01065529988"),
    ("１３８００１３８０００", "13800138000"),
    ("  13800138000  ", "13800138000"),
    ("123456", "123456"),
    ("+123456789012345", "+123456789012345"),
]
BAD = [
    "12345",
    "1234567890123456",
    "1380013800O",
    "abc",
    "++8613800138000",
    "86+13800138000",
    "138/0013/8000",
    "+",
    "<script>alert(1)</script>",
    "1" * 10_000,
    "١٣٨٠٠١٣٨٠٠٠",
]


def named(username):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


@pytest.mark.parametrize(("typed", "stored"), GOOD)
def test_a_mobile_is_stored_without_its_spaces_and_dashes(typed, stored):
    assert normalize_mobile(typed.strip()) == stored
    assert mobile_problem(stored) is None


@pytest.mark.parametrize("typed", BAD)
def test_a_wrong_mobile_is_refused(typed):
    assert mobile_problem(normalize_mobile(typed)) is not None


def test_a_new_user_gets_a_mobile_and_a_notice_language(app, client, auth):
    auth.login("admin")
    page = text(client.get("/users/new"))
    assert 'name="mobile"' in page and 'name="language"' in page
    response = client.post(
        "/users/new", data=new_user(mobile="+86 138 0013 8000", language="en")
    )
    assert response.status_code == 302
    with app.app_context():
        made = named("wang.li")
        assert (made.mobile, made.language) == ("+8613800138000", "en")


def test_both_are_optional(app, client, auth):
    auth.login("admin")
    assert client.post("/users/new", data=new_user(mobile="", language="")).status_code == 302
    with app.app_context():
        made = named("wang.li")
        assert (made.mobile, made.language) == (None, None)


@pytest.mark.parametrize("typed", BAD)
def test_a_wrong_mobile_is_refused_on_the_form_and_kept(app, client, auth, typed):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(mobile=typed))
    assert response.status_code == 400
    page = text(response)
    assert "Type a mobile number: 6 to 15 digits" in page
    assert "<script>alert" not in page
    assert 'value="wang.li"' in page
    if len(typed) < 100 and "<" not in typed:
        assert f'value="{normalize_mobile(typed)}"' in page
    with app.app_context():
        assert named("wang.li") is None


@pytest.mark.parametrize("language", ["fr", "zh-TW", "ZH", "<b>", "x" * 10_000])
def test_an_unknown_notice_language_is_refused(app, client, auth, language):
    auth.login("admin")
    response = client.post("/users/new", data=new_user(language=language))
    assert response.status_code == 400
    with app.app_context():
        assert named("wang.li") is None


def test_the_edit_form_changes_and_clears_them(app, client, auth):
    auth.login("admin")
    with app.app_context():
        inspector_id = named("inspector").id
    url = f"/users/{inspector_id}/edit"
    response = client.post(
        url, data=edit_data(app, "inspector", mobile="139 1234 5678", language="zh")
    )
    assert response.status_code == 302
    with app.app_context():
        assert (named("inspector").mobile, named("inspector").language) == ("13912345678", "zh")
    page = text(client.get(url))
    assert 'value="13912345678"' in page
    assert '<option selected value="zh">' in page or 'value="zh" selected' in page

    response = client.post(url, data=edit_data(app, "inspector", mobile="12", language="en"))
    assert response.status_code == 400
    assert 'value="12"' in text(response)
    with app.app_context():
        assert named("inspector").mobile == "13912345678"

    response = client.post(url, data=edit_data(app, "inspector", mobile="", language=""))
    assert response.status_code == 302
    with app.app_context():
        assert (named("inspector").mobile, named("inspector").language) == (None, None)


def test_the_mobile_message_speaks_chinese(client, auth):
    auth.login("admin")
    response = client.post(
        "/users/new", data=new_user(mobile="12"), headers={"Accept-Language": "zh-CN"}
    )
    assert "请输入手机号码：6 到 15 位数字" in text(response)
    assert "手机号码（可选）" in text(response) and "通知语言" in text(response)


@pytest.mark.parametrize("role", ["inspector", "repairer"])
def test_only_the_admin_sets_them(app, client, auth, role):
    auth.login(role)
    with app.app_context():
        target = named("repairer").id
    data = edit_data(app, "repairer", mobile="13800138000", language="en")
    assert client.post(f"/users/{target}/edit", data=data).status_code == 403
    with app.app_context():
        assert named("repairer").mobile is None


def test_create_command_takes_a_mobile(app, runner):
    result = runner.invoke(
        args=["users", "create", "li.na", "--role", "inspector", "--mobile", "138 0013 8000",
              "--password-stdin"],
        input="gatekeeper-1\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert named("li.na").mobile == "13800138000"


@pytest.mark.parametrize("typed", ["12345", "abc", "+86+138"])
def test_create_command_refuses_a_wrong_mobile(app, runner, typed):
    result = runner.invoke(
        args=["users", "create", "li.na", "--role", "inspector", "--mobile", typed,
              "--password-stdin"],
        input="gatekeeper-1\n",
    )
    assert result.exit_code == 1
    assert "The mobile number cannot be used: Type a mobile number" in result.output
    with app.app_context():
        assert named("li.na") is None


def test_the_language_switch_becomes_the_notice_language(app, client, auth):
    auth.login("inspector")
    client.post("/language", data={"language": "en", "next": "/"})
    with app.app_context():
        assert named("inspector").language == "en"
    client.post("/language", data={"language": "zh", "next": "/"})
    with app.app_context():
        assert named("inspector").language == "zh"
    # A language Patrol does not speak changes nothing.
    client.post("/language", data={"language": "fr", "next": "/"})
    with app.app_context():
        assert named("inspector").language == "zh"
        assert named("admin").language is None


def test_the_language_switch_signed_out_remembers_only_the_cookie(app, client):
    response = client.post("/language", data={"language": "en", "next": "/"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.language.is_not(None))) is None
