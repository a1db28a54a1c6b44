"""`flask --app app users …`: create, list, disable, enable, set-password."""

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Role, User
from tests.conftest import PASSWORD

SECRET = "gatekeeper-1"


def user_named(app, username):
    with app.app_context():
        # With the role in the school: the user is read after the session is gone.
        user = db.session.scalar(
            sa.select(User)
            .where(User.username == username)
            .options(so.selectinload(User.membership))
        )
        if user is not None:
            db.session.expunge(user)
        return user


def user_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_create_asks_for_the_password_twice(app, runner):
    result = runner.invoke(
        args=["users", "create", "Zhang", "--role", "inspector", "--display-name", "门卫 张"],
        input=f"{SECRET}\n{SECRET}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert SECRET not in result.output
    assert "门卫 张 can now sign in as zhang." in result.output
    user = user_named(app, "zhang")
    assert user.role == Role.INSPECTOR
    assert user.display_name == "门卫 张"
    with app.app_context():
        assert db.session.get(User, user.id).check_password(SECRET)


def test_create_reads_the_password_from_stdin_for_scripts(app, runner):
    result = runner.invoke(
        args=["users", "create", "lina", "--role", "repairer", "--password-stdin"],
        input=f"{SECRET}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    user = user_named(app, "lina")
    assert user.display_name == "lina"
    assert user.role == Role.REPAIRER


def test_create_and_sign_in(app, runner, client):
    runner.invoke(
        args=["users", "create", "head2", "--role", "admin", "--password-stdin"],
        input=f"{SECRET}\n",
    )
    response = client.post("/login", data={"username": "head2", "password": SECRET})
    assert response.status_code == 302
    assert client.get("/users/").status_code == 200


def test_mismatched_prompts_create_nothing(app, runner):
    result = runner.invoke(
        args=["users", "create", "zhang", "--role", "inspector"],
        input=f"{SECRET}\n{SECRET}x\n",
    )
    assert result.exit_code == 1
    assert "do not match" in result.output
    assert user_named(app, "zhang") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "INSPECTOR", "--role", "inspector"], "already a user"),
        (["users", "create", "zhang", "--role", "boss"], "Unknown role"),
        (["users", "create", "zh", "--role", "inspector"], "cannot be used"),
        (["users", "create", "王丽", "--role", "inspector"], "cannot be used"),
        (
            ["users", "create", "zhang", "--role", "inspector", "--display-name", "x" * 81],
            "too long",
        ),
    ],
)
def test_create_refuses_bad_input_with_exit_code_1(app, runner, args, message):
    result = runner.invoke(args=[*args, "--password-stdin"], input=f"{SECRET}\n")
    assert result.exit_code == 1
    assert message in result.output
    assert user_count(app) == 3


@pytest.mark.parametrize("password", ["short", "", "x" * 201])
def test_create_refuses_a_bad_password(app, runner, password):
    result = runner.invoke(
        args=["users", "create", "zhang", "--role", "inspector", "--password-stdin"],
        input=f"{password}\n",
    )
    assert result.exit_code == 1
    assert "The password cannot be used" in result.output
    assert user_named(app, "zhang") is None


def test_create_needs_a_role(runner):
    result = runner.invoke(args=["users", "create", "zhang"], input=f"{SECRET}\n{SECRET}\n")
    assert result.exit_code != 0
    assert "--role" in result.output


def test_list_shows_everyone_with_their_state(app, runner):
    runner.invoke(args=["users", "disable", "repairer"])
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert lines[0].split()[:3] == ["admin", "admin", "active"]
    assert lines[2].split()[:3] == ["repairer", "repairer", "disabled"]


def test_disable_and_enable(app, runner, client, auth):
    result = runner.invoke(args=["users", "disable", "Inspector"])
    assert result.exit_code == 0, result.output
    assert "inspector can no longer sign in." in result.output
    assert not user_named(app, "inspector").active
    assert auth.login("inspector").status_code == 400

    result = runner.invoke(args=["users", "enable", "inspector"])
    assert result.exit_code == 0
    assert user_named(app, "inspector").active
    assert auth.login("inspector").status_code == 302


def test_the_last_admin_cannot_be_disabled(app, runner):
    result = runner.invoke(args=["users", "disable", "admin"])
    assert result.exit_code == 1
    assert "last active admin" in result.output
    assert user_named(app, "admin").active


def test_an_admin_can_be_disabled_when_another_is_active(app, runner):
    runner.invoke(
        args=["users", "create", "head2", "--role", "admin", "--password-stdin"],
        input=f"{SECRET}\n",
    )
    assert runner.invoke(args=["users", "disable", "admin"]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "head2"]).exit_code == 1


@pytest.mark.parametrize("command", ["disable", "enable", "set-password"])
def test_unknown_user(runner, command):
    result = runner.invoke(args=["users", command, "nobody"], input=f"{SECRET}\n{SECRET}\n")
    assert result.exit_code == 1
    assert "There is no user called “nobody”." in result.output


def test_set_password(app, runner):
    result = runner.invoke(
        args=["users", "set-password", "repairer"], input=f"{SECRET}\n{SECRET}\n"
    )
    assert result.exit_code == 0, result.output
    assert "The password of repairer was changed." in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "repairer"))
        assert user.check_password(SECRET)
        assert not user.check_password(PASSWORD)


def test_set_password_refuses_a_short_one(app, runner):
    result = runner.invoke(
        args=["users", "set-password", "repairer", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "repairer"))
        assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "command", [["create", "zhang", "--role", "admin"], ["set-password", "admin"]]
)
def test_common_passwords_are_refused(app, runner, command):
    result = runner.invoke(args=["users", *command, "--password-stdin"], input="Password\n")
    assert result.exit_code == 1
    assert "one of the most common passwords" in result.output
    assert user_count(app) == 3
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert user.check_password(PASSWORD)


# The first of LC_ALL, LC_MESSAGES and LANG that is set names the terminal's language.
TERMINALS = [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "C", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C.UTF-8"}, "zh"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({}, "en"),
]


@pytest.mark.parametrize(("terminal", "language"), TERMINALS)
def test_every_command_speaks_the_terminals_language(app, runner, monkeypatch, tmp_path,
                                                     terminal, language):
    from app.i18n import terminal_language

    monkeypatch.delenv("LANG")
    for variable, value in terminal.items():
        monkeypatch.setenv(variable, value)
    with app.app_context():
        assert terminal_language() == language
    users = runner.invoke(args=["users", "create", "zhang", "--role", "boss", "--password-stdin"],
                          input=f"{SECRET}\n")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assets = runner.invoke(args=["assets", "import", str(empty)])
    if language == "zh":
        assert "没有“boss”这个角色" in users.output and "文件是空的。" in assets.output
    else:
        assert "Unknown role “boss”" in users.output and "The file is empty." in assets.output
