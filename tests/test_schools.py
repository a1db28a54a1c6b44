"""People across schools: the header's school switch, a contractor's jobs in all his schools,
the `schools`, `districts` and `users` commands, the admin's "add someone from another
school" and "remove from this school", and a phone whose school was taken from its user."""

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.faults import lifecycle
from app.models import (
    District,
    DistrictMember,
    DistrictRole,
    Fault,
    FaultStatus,
    Membership,
    Role,
    School,
    SignIn,
    User,
)
from tests.conftest import PASSWORD
from tests.factories import (
    make_asset,
    make_kind,
    make_membership,
    make_place,
    make_public_report,
    make_school,
    make_user,
    user,
)

SECRET = "gatekeeper-1"


def main_id():
    return db.session.scalar(sa.select(School.id).where(School.code == "main"))


def school_id(code):
    return db.session.scalar(sa.select(School.id).where(School.code == code))


@pytest.fixture
def east(app):
    """A second school, 东园 (East campus): the repairer and the admin work there too."""
    with app.app_context():
        school = make_school("east", "东园", name_en="East campus")
        make_membership(user("repairer"), school, Role.REPAIRER)
        make_membership(user("admin"), school, Role.ADMIN)
        db.session.commit()
        return school.id


def roles_of(app, username):
    """{school code: role} of everyone's memberships, read across schools."""
    with app.app_context(), tenancy.everywhere():
        rows = db.session.execute(
            sa.select(School.code, Membership.role)
            .join(Membership.school)
            .join(User, User.id == Membership.user_id)
            .where(User.username == username)
        ).all()
        return dict(rows)


def phone_school(app, username):
    """The school of the user's newest sign-in."""
    with app.app_context():
        return db.session.scalar(
            sa.select(School.code)
            .join(SignIn, SignIn.school_id == School.id)
            .join(User, User.id == SignIn.user_id)
            .where(User.username == username)
            .order_by(SignIn.id.desc())
        )


# The header's school switch


def test_one_school_shows_no_switch(client, auth):
    auth.login("repairer")
    page = client.get("/today").text
    assert "school-switch" not in page
    assert "/schools/switch" not in page


def test_someone_in_one_school_of_several_sees_no_switch(app, client, auth, east):
    auth.login("inspector")
    page = client.get("/today").text
    assert "school-switch" not in page


def test_someone_in_two_schools_sees_both_and_switches_in_one_tap(app, client, auth, east):
    auth.login("repairer")
    page = client.get("/today").text
    assert 'class="school-switch"' in page
    assert '<span class="school current" aria-current="true">Patrol</span>' in page
    assert f'name="school" value="{east}"' in page
    assert ">East campus</button>" in page

    switched = client.post("/schools/switch", data={"school": east})
    assert switched.status_code == 302
    assert switched.location == "/"
    assert phone_school(app, "repairer") == "east"
    page = client.get("/today").text
    assert "You are working in East campus now." in page
    assert '<span class="school current" aria-current="true">East campus</span>' in page
    assert ">Patrol</button>" in page


def test_the_switch_reads_in_chinese(app, client, auth, east):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login("repairer")
    client.post("/schools/switch", data={"school": east})
    page = client.get("/today").text
    assert "您现在在东园工作。" in page
    assert '<span class="school current" aria-current="true">东园</span>' in page


def test_the_switch_changes_what_the_pages_show(app, client, auth, east):
    with app.app_context(), tenancy.in_school(east):
        make_user("east-only", role=Role.INSPECTOR)
        db.session.commit()
    auth.login("admin")
    assert "East-Only" not in client.get("/users/").text
    client.post("/schools/switch", data={"school": east})
    users_page = client.get("/users/").text
    assert "East-Only" in users_page and "Inspector<small>" not in users_page


@pytest.mark.parametrize("value", ["not mine", "abc", "", "99999999999999999999", "-1"])
def test_a_school_not_mine_is_refused_and_nothing_changes(app, client, auth, east, value):
    with app.app_context():
        west = make_school("west", "西园").id
        db.session.commit()
    auth.login("inspector")
    sent = west if value == "not mine" else value
    response = client.post("/schools/switch", data={"school": sent}, follow_redirects=True)
    assert response.status_code == 200
    assert "You do not work in that school: this phone stays where it was." in response.text
    assert phone_school(app, "inspector") == "main"


def test_the_switch_goes_on_only_to_this_site(app, client, auth, east):
    auth.login("repairer")
    away = client.post(
        "/schools/switch", data={"school": east, "next": "https://evil.example/"}
    )
    assert away.location == "/"
    onward = client.post("/schools/switch", data={"school": east, "next": "/faults/mine"})
    assert onward.location == "/faults/mine"


def test_the_switch_needs_its_csrf_token(csrf_app, east):
    client = csrf_app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login", data={"username": "repairer", "password": PASSWORD, "csrf_token": token}
    )
    refused = client.post("/schools/switch", data={"school": east})
    assert refused.status_code == 400
    assert phone_school(csrf_app, "repairer") == "main"


def test_signed_out_nobody_switches(client, east):
    response = client.post("/schools/switch", data={"school": east})
    assert response.status_code == 302 and "/login" in response.location


# My jobs in all my schools


def job_in(app, school, asset_name, description, take=True):
    """A visitor's report of an asset of that school, taken by the repairer if `take`."""
    with app.app_context(), tenancy.in_school(school):
        asset = make_asset(asset_name, asset_name, kind=make_kind(), place=make_place())
        fault = make_public_report(asset, description, take_out_of_service=False)
        if take:
            lifecycle.take(fault, user("repairer"))
        db.session.commit()
        return fault.id


def test_my_jobs_in_all_my_schools(app, client, auth, east):
    here = job_in(app, main_id_of(app), "滑梯 1", "Seat cracked")
    there = job_in(app, east, "秋千 2", "Chain rusted")
    untaken = job_in(app, east, "风扇 3", "Fan wobbles", take=False)
    auth.login("repairer")
    mine = client.get("/faults/mine").text
    assert "Seat cracked" in mine and "Chain rusted" not in mine
    assert 'href="/faults/mine/all"' in mine

    page = client.get("/faults/mine/all").text
    assert "Seat cracked" in page and "Chain rusted" in page and "Fan wobbles" in page
    assert page.count('<span class="badge school-badge">East campus</span>') == 2
    assert page.count('<span class="badge school-badge">Patrol</span>') == 1
    # A job here opens at once; one of East campus switches the phone first.
    assert f'href="/faults/{here}"' in page
    assert f'name="next" value="/faults/{there}"' in page
    assert f'name="next" value="/faults/{untaken}"' in page
    assert f'href="/faults/{there}"' not in page

    opened = client.post(
        "/schools/switch", data={"school": east, "next": f"/faults/{there}"},
        follow_redirects=True,
    )
    assert opened.status_code == 200
    assert "Chain rusted" in opened.text
    assert phone_school(app, "repairer") == "east"
    # The same page from East campus: the job of Patrol is now the one that switches.
    page = client.get("/faults/mine/all").text
    assert f'href="/faults/{there}"' in page and f'name="next" value="/faults/{here}"' in page


def main_id_of(app):
    with app.app_context():
        return main_id()


def test_jobs_only_from_the_schools_where_i_repair(app, client, auth, east):
    with app.app_context():
        west = make_school("west", "西园", name_en="West campus")
        make_membership(user("repairer"), west, Role.INSPECTOR)
        db.session.commit()
        west_id = west.id
    job_in(app, west_id, "滑梯 9", "West slide broken", take=False)
    job_in(app, east, "秋千 2", "Chain rusted")
    auth.login("repairer")
    page = client.get("/faults/mine/all").text
    assert "Chain rusted" in page
    assert "West slide broken" not in page and "West campus</span>" not in page


def test_one_school_keeps_my_jobs_as_it_was(app, client, auth):
    job_in(app, main_id_of(app), "滑梯 1", "Seat cracked")
    auth.login("repairer")
    mine = client.get("/faults/mine").text
    assert "Seat cracked" in mine and "/faults/mine/all" not in mine
    assert client.get("/faults/mine/all").location == "/faults/mine"


# A phone whose school was taken from its user


def test_a_phone_in_a_school_no_longer_mine_lands_in_another(app, client, auth, east):
    auth.login("repairer")
    client.post("/schools/switch", data={"school": east})
    with app.app_context(), tenancy.everywhere():
        db.session.execute(
            sa.delete(Membership).where(
                Membership.school_id == east, Membership.user_id == user("repairer").id
            )
        )
        db.session.commit()
    page = client.get("/today")
    assert page.status_code == 200
    assert "You no longer work in East campus." in page.text
    assert phone_school(app, "repairer") == "main"
    # Back in one school: the switch is gone.
    assert "school-switch" not in client.get("/today").text


def test_a_person_left_in_no_school_sees_a_clear_page(app, client, auth):
    auth.login("repairer")
    with app.app_context(), tenancy.everywhere():
        db.session.execute(sa.delete(Membership).where(Membership.user_id == user("repairer").id))
        db.session.commit()
    for path in ("/", "/today", "/faults/mine"):
        page = client.get(path)
        assert page.status_code == 403
        assert "You no longer work in any school on Patrol." in page.text
    assert phone_school(app, "repairer") is None


# The commands


def count(app, model):
    with app.app_context(), tenancy.everywhere():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_schools_create(app, runner):
    result = runner.invoke(
        args=["schools", "create", "East", "阳光幼儿园东园", "--name-en", "Sunshine East",
              "--timezone", "Asia/Urumqi", "--language", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "School east (阳光幼儿园东园) is ready." in result.output
    with app.app_context():
        school = db.session.scalar(sa.select(School).where(School.code == "east"))
        assert (school.name_en, school.timezone, school.language) == (
            "Sunshine East", "Asia/Urumqi", "en"
        )


def test_schools_create_takes_the_environments_defaults(app, runner):
    assert runner.invoke(args=["schools", "create", "east", "东园"]).exit_code == 0
    with app.app_context():
        school = db.session.scalar(sa.select(School).where(School.code == "east"))
        assert (school.timezone, school.language, school.district) == ("Asia/Shanghai", "zh", None)


def test_districts_create_and_a_school_in_it(app, runner):
    made = runner.invoke(args=["districts", "create", "chengdong", "城东区教育局"])
    assert made.exit_code == 0, made.output
    assert "District chengdong (城东区教育局) is ready." in made.output
    result = runner.invoke(args=["schools", "create", "east", "东园", "--district", "CHENGDONG"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        school = db.session.scalar(sa.select(School).where(School.code == "east"))
        assert school.district.code == "chengdong"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["main", "又一个"], "There is already a school with the code “main”."),
        (["MAIN", "又一个"], "There is already a school with the code “main”."),
        (["e", "东园"], "The code “e” cannot be used"),
        (["东园", "东园"], "cannot be used"),
        (["x" * 21, "东园"], "cannot be used"),
        (["east", "  "], "The name cannot be empty."),
        (["east", "园" * 121], "The name is too long"),
        (["east", "东园", "--timezone", "Mars/Olympus"], "Unknown time zone “Mars/Olympus”"),
        (["east", "东园", "--timezone", "../../etc/passwd"], "Unknown time zone"),
        (["east", "东园", "--language", "fr"], "Unknown language “fr”: choose zh, en."),
        (["east", "东园", "--district", "nowhere"], "There is no district with the code"),
    ],
)
def test_schools_create_refuses_bad_input_and_changes_nothing(app, runner, args, message):
    result = runner.invoke(args=["schools", "create", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert count(app, School) == 1


def test_districts_create_refuses_a_code_that_exists(app, runner):
    runner.invoke(args=["districts", "create", "chengdong", "城东区教育局"])
    result = runner.invoke(args=["districts", "create", "chengdong", "另一个"])
    assert result.exit_code == 1
    assert "There is already a district with the code “chengdong”." in result.output
    assert count(app, District) == 1


def test_the_school_commands_speak_chinese(runner, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = runner.invoke(args=["schools", "create", "main", "又一个"])
    assert "已有代码为“main”的学校。" in result.output


def create_user(runner, *args):
    return runner.invoke(
        args=["users", "create", *args, "--password-stdin"], input=f"{SECRET}\n"
    )


def test_users_create_in_the_only_school_needs_no_school(app, runner):
    result = create_user(runner, "zhang", "--role", "inspector")
    assert result.exit_code == 0, result.output
    assert roles_of(app, "zhang") == {"main": Role.INSPECTOR}


def test_users_create_in_a_named_school(app, runner, east):
    result = create_user(runner, "zhang", "--role", "repairer", "--school", "EAST")
    assert result.exit_code == 0, result.output
    assert roles_of(app, "zhang") == {"east": Role.REPAIRER}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "inspector"], "This Patrol has several schools: name one with --school"),
        (["--role", "inspector", "--school", "west"], "There is no school with the code “west”."),
        (["--role", "viewer", "--school", "east"], "Unknown role “viewer”"),
        (["--district", "nowhere"], "There is no district with the code “nowhere”."),
        (["--school", "east"], "Give --role"),
    ],
)
def test_users_create_refuses_bad_schools(app, runner, east, args, message):
    result = create_user(runner, "zhang", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert count(app, User) == 3


def test_users_create_for_a_district(app, runner, client):
    runner.invoke(args=["districts", "create", "chengdong", "城东区教育局"])
    result = create_user(runner, "office", "--district", "chengdong")
    assert result.exit_code == 0, result.output
    admin = create_user(runner, "boss", "--district", "chengdong", "--district-role", "admin")
    assert admin.exit_code == 0, admin.output
    with app.app_context():
        members = dict(
            db.session.execute(
                sa.select(User.username, DistrictMember.role).join(DistrictMember.user)
            ).all()
        )
    assert members == {"office": DistrictRole.OFFICE, "boss": DistrictRole.ADMIN}
    assert roles_of(app, "office") == {}
    wrong = create_user(runner, "third", "--district", "chengdong", "--district-role", "king")
    assert wrong.exit_code == 1 and "Unknown district role “king”" in wrong.output


def test_add_to_school_and_remove_from_school(app, runner, east):
    added = runner.invoke(
        args=["users", "add-to-school", "Inspector", "--school", "east", "--role", "repairer"]
    )
    assert added.exit_code == 0, added.output
    assert "inspector now works in east as repairer." in added.output
    assert roles_of(app, "inspector") == {"main": Role.INSPECTOR, "east": Role.REPAIRER}

    removed = runner.invoke(args=["users", "remove-from-school", "inspector", "--school", "main"])
    assert removed.exit_code == 0, removed.output
    assert "inspector no longer works in main." in removed.output
    assert roles_of(app, "inspector") == {"east": Role.REPAIRER}


def test_add_to_school_twice_is_refused(app, runner, east):
    result = runner.invoke(
        args=["users", "add-to-school", "repairer", "--school", "east", "--role", "admin"]
    )
    assert result.exit_code == 1
    assert "Repairer already works in this school." in result.output
    assert roles_of(app, "repairer") == {"main": Role.REPAIRER, "east": Role.REPAIRER}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--school", "east", "--role", "repairer"], "There is no user called"),
        (["inspector", "--school", "west", "--role", "repairer"], "There is no school with"),
        (["inspector", "--school", "east", "--role", "boss"], "Unknown role “boss”"),
    ],
)
def test_add_to_school_refuses_bad_input(app, runner, east, args, message):
    result = runner.invoke(args=["users", "add-to-school", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert count(app, Membership) == 5


def test_removing_the_last_school_is_refused(app, runner, east):
    result = runner.invoke(args=["users", "remove-from-school", "inspector", "--school", "main"])
    assert result.exit_code == 1
    assert "This is the last school of Inspector" in result.output
    assert roles_of(app, "inspector") == {"main": Role.INSPECTOR}


def test_removing_a_school_they_are_not_in_is_refused(app, runner, east):
    result = runner.invoke(args=["users", "remove-from-school", "inspector", "--school", "east"])
    assert result.exit_code == 1
    assert "Inspector does not work in this school." in result.output


def test_removing_a_schools_last_admin_is_refused(app, runner, east):
    result = runner.invoke(args=["users", "remove-from-school", "admin", "--school", "east"])
    assert result.exit_code == 1
    assert "Admin is the last active admin." in result.output
    assert roles_of(app, "admin") == {"main": Role.ADMIN, "east": Role.ADMIN}


# The admin's users page


def test_the_users_page_lists_this_schools_people_only(app, client, auth, east):
    with app.app_context(), tenancy.in_school(east):
        make_user("east-only", role=Role.INSPECTOR)
        db.session.commit()
        other_id = user("east-only").id
    auth.login("admin")
    page = client.get("/users/").text
    assert "East-Only" not in page and "Add someone from another school" in page
    assert client.get(f"/users/{other_id}/edit").status_code == 404
    assert client.post(f"/users/{other_id}/remove").status_code == 404
    assert roles_of(app, "east-only") == {"east": Role.INSPECTOR}


def test_add_someone_from_another_school(app, client, auth, east):
    with app.app_context(), tenancy.in_school(east):
        make_user("contractor", role=Role.REPAIRER, display_name="Liu the contractor")
        db.session.commit()
    auth.login("admin")
    assert client.get("/users/add").status_code == 200
    response = client.post("/users/add", data={"username": " Contractor ", "role": "repairer"})
    assert response.status_code == 302
    page = client.get("/users/").text
    assert "Liu the contractor now works in this school too." in page
    assert "Liu the contractor" in page
    assert roles_of(app, "contractor") == {"east": Role.REPAIRER, "main": Role.REPAIRER}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "inspector", "role": "repairer"}, "Inspector already works in this school."),
        ({"username": "nobody", "role": "repairer"}, "There is nobody with this username."),
        ({"username": "", "role": "repairer"}, "This field is required."),
        ({"username": "inspector", "role": "viewer"}, "Not a valid choice"),
    ],
)
def test_adding_is_refused_with_a_message_and_the_form_kept(app, client, auth, data, message):
    auth.login("admin")
    response = client.post("/users/add", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert f'value="{data["username"]}"' in response.text
    assert count(app, Membership) == 3


def test_only_admins_add_and_remove(client, auth, east):
    auth.login("repairer")
    assert client.get("/users/add").status_code == 403
    assert client.post("/users/add", data={"username": "x", "role": "admin"}).status_code == 403


def test_remove_from_this_school_keeps_the_person_and_their_records(app, client, auth, east):
    fault = job_in(app, main_id_of(app), "滑梯 1", "Seat cracked")
    with app.app_context():
        repairer_id = user("repairer").id
    auth.login("admin")
    edit_page = client.get(f"/users/{repairer_id}/edit").text
    assert "Remove from this school" in edit_page
    response = client.post(f"/users/{repairer_id}/remove", follow_redirects=True)
    assert "Repairer no longer works in this school." in response.text
    assert f'href="/users/{repairer_id}/edit"' not in response.text
    assert roles_of(app, "repairer") == {"east": Role.REPAIRER}
    with app.app_context(), tenancy.in_school(main_id()):
        kept = db.session.get(Fault, fault)
        assert kept.assigned_to.username == "repairer" and kept.status == FaultStatus.ASSIGNED
        assert user("repairer").active


def test_remove_refuses_the_last_school_and_oneself(app, client, auth, east):
    with app.app_context():
        inspector_id, admin_id = user("inspector").id, user("admin").id
    auth.login("admin")
    last = client.post(f"/users/{inspector_id}/remove", follow_redirects=True)
    assert "This is the last school of Inspector" in last.text
    assert roles_of(app, "inspector") == {"main": Role.INSPECTOR}
    own = client.post(f"/users/{admin_id}/remove", follow_redirects=True)
    assert "You cannot remove yourself from this school." in own.text
    assert roles_of(app, "admin") == {"main": Role.ADMIN, "east": Role.ADMIN}


def test_users_list_names_the_school_when_there_are_several(app, runner, east):
    listed = runner.invoke(args=["users", "list", "--school", "east"])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[:2] for line in listed.output.splitlines()] == [
        ["admin", "admin"], ["repairer", "repairer"]
    ]
    unnamed = runner.invoke(args=["users", "list"])
    assert unnamed.exit_code == 1
    assert "This Patrol has several schools: name one with --school (east, main)." in (
        unnamed.output
    )


def test_disabling_holds_the_last_admin_rule_in_every_school(app, runner, east):
    with app.app_context(), tenancy.in_school(main_id()):
        make_user("head2", role=Role.ADMIN)
        db.session.commit()
    # Another admin in main, none in east: admin is still east's last.
    refused = runner.invoke(args=["users", "disable", "admin"])
    assert refused.exit_code == 1
    assert "Admin is the last active admin." in refused.output
    disabled = runner.invoke(args=["users", "disable", "repairer"])
    assert disabled.exit_code == 0, disabled.output
    with app.app_context():
        assert not user("repairer").active and user("admin").active
    assert runner.invoke(args=["users", "enable", "repairer"]).exit_code == 0
