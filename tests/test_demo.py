import ipaddress
import socket
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import create_app, tenancy
from app.config import DEFAULTS
from app.demo import cli, kindergarten
from app.demo.register import demo_assets, demo_codes, demo_places
from app.demo.seed import first_school
from app.extensions import db
from app.models import Asset, AssetKind, AssetStatus, Membership, Place, ScanCode, User
from app.models.code import is_well_formed, replace_code
from tests.conftest import PASSWORD, base_config
from tests.factories import make_kind

SLIDE_2 = "4ZGV4P"
SWING = "5ST6JX"


def seed(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def remove_users():
    """The test app signs in with its own users; the demo brings its own."""
    db.session.execute(sa.delete(Membership))
    db.session.execute(sa.delete(User))
    db.session.commit()


@contextmanager
def in_kindergarten(app):
    """The kindergarten's school: the demo loads a district of three."""
    with app.app_context(), tenancy.in_school(first_school()):
        yield


def register_snapshot():
    assets = db.session.scalars(
        sa.select(Asset).options(selectinload(Asset.place), selectinload(Asset.kind))
    ).all()
    places = db.session.scalars(sa.select(Place).options(selectinload(Place.parent))).all()
    return {
        "assets": {a.code: (a.name, a.kind.key, a.place.code, a.asset_number) for a in assets},
        "places": {p.code: (p.name, p.parent.code if p.parent else None) for p in places},
        "kinds": set(db.session.scalars(sa.select(AssetKind.key))),
        "users": set(db.session.scalars(sa.select(User.username))),
        "scan_codes": db.session.scalar(sa.select(sa.func.count(ScanCode.id))),
    }


def by_code(model, code):
    return db.session.scalar(sa.select(model).where(model.code == code))


def test_demo_data_is_well_formed():
    codes = demo_codes(kindergarten.SITE)
    assert len(codes) == len(set(codes))
    assert all(is_well_formed(code) for code in codes)
    kind_keys = [key for key, _name, _name_en in kindergarten.KINDS]
    assert len(kind_keys) == len(set(kind_keys))
    assets = [asset for place in demo_places(kindergarten.SITE) for asset in place.assets]
    assert {asset.kind for asset in assets} == set(kind_keys)
    numbers = [asset.asset_number for asset in assets if asset.asset_number]
    assert len(numbers) == len(set(numbers))


def test_a_rooms_fittings_take_its_name_numbered_where_it_has_several():
    assets = {asset.code: asset for asset in demo_assets(kindergarten.SITE)}

    def names(code):
        return assets[code].name, assets[code].name_en

    assert names("EDRPGU") == ("中二班吊扇 2号", "Middle Class 2 ceiling fan 2")
    assert names("SVDRJ3") == ("教师办公室电脑 2号", "Teachers' office computer 2")
    assert names("K7FTTZ") == ("音乐室吊扇", "Music room ceiling fan")
    assert names("EHEHCX") == ("中二班空调", "Middle Class 2 air conditioner")
    # Labelled with the room's short name; the English name is the room's own.
    assert names("R23644") == ("后勤办公室落地扇", "Logistics office floor fan")
    assert names("C3Y3BV") == ("东楼梯井安全防护网", "East stairwell safety net")
    assert assets["EDRPGU"].status == AssetStatus.OUT_OF_SERVICE


def test_seed_demo_loads_the_kindergarten(app, runner):
    with app.app_context():
        remove_users()
    output = seed(runner)
    assert "Added: places 30, kinds of asset 20, assets 107, users 5." in output
    with in_kindergarten(app):
        assets = db.session.scalars(sa.select(Asset).options(selectinload(Asset.kind))).all()
        places = db.session.scalars(sa.select(Place)).all()
        assert len(assets) >= 60
        assert all(asset.name_en and asset.name for asset in assets)
        assert all(place.name_en and place.name for place in places)

        codes = [thing.code for thing in [*assets, *places]]
        assert all(is_well_formed(code) for code in codes)
        assert len(set(codes)) == len(codes)
        assert sorted(codes) == sorted(demo_codes(kindergarten.SITE))
        owned = db.session.scalar(sa.select(sa.func.count(ScanCode.id)))
        assert owned == len(codes)

        playground = by_code(Place, "4FV8ED")
        assert playground.name == "操场"
        playground_toys = [
            asset for asset in playground.assets
            if asset.kind.key in kindergarten.PLAYGROUND_KINDS
        ]
        assert len(playground_toys) == 7
        assert by_code(Asset, SLIDE_2).name == "组合滑梯 2号"
        swing = by_code(Asset, SWING)
        assert swing.kind.key == "swing"
        assert swing.in_service
        assert by_code(Asset, "Z6ZH4R").kind.key == "school_bus"

        site = playground.parent
        assert site.name == "阳光幼儿园" and site.parent is None
        assert [child.name for child in site.children][:3] == ["门卫室", "操场", "沙池"]
        classroom = by_code(Place, "8BMPKT")
        assert classroom.path == "Sunshine Kindergarten › Teaching building › Junior Class 1"
        assert {asset.kind.key for asset in classroom.assets} >= {
            "fan", "air_conditioner", "lighting", "door_window"
        }

        for username, _display_name, role, _mobile in kindergarten.USERS:
            user = db.session.scalar(sa.select(User).where(User.username == username))
            assert user.role == role
            assert user.check_password("demo")


def test_demo_users_can_sign_in(app, runner, client, auth):
    with app.app_context():
        remove_users()
    seed(runner)
    response = auth.login("inspector", "demo")
    assert response.status_code == 302
    assert client.get(f"/q/{SWING}").status_code == 200


def test_seed_demo_twice_changes_nothing(app, runner):
    first = seed(runner)
    with in_kindergarten(app):
        before = register_snapshot()
    second = seed(runner)
    with in_kindergarten(app):
        assert register_snapshot() == before
    assert "Added:" in first
    assert "already loaded; nothing changed" in second


def test_seed_demo_keeps_what_was_changed_and_restores_what_is_missing(app, runner):
    seed(runner)
    with in_kindergarten(app):
        swing = by_code(Asset, SWING)
        swing.name = "秋千（新座板）"
        swing.status = AssetStatus.OUT_OF_SERVICE
        replaced_slide = replace_code(by_code(Asset, SLIDE_2))
        # Beds have no routine, hence no inspections that would keep them.
        beds = by_code(Asset, "A3RPWP")
        db.session.execute(sa.delete(ScanCode).where(ScanCode.asset_id == beds.id))
        db.session.delete(beds)
        db.session.commit()
        new_slide_code = replaced_slide.value

    output = seed(runner)
    assert "Added: places 0, kinds of asset 0, assets 1, users 0." in output
    with in_kindergarten(app):
        swing = db.session.scalar(sa.select(Asset).where(Asset.code == SWING))
        assert swing.name == "秋千（新座板）"
        assert swing.status == AssetStatus.OUT_OF_SERVICE
        slides = db.session.scalars(sa.select(Asset).where(Asset.name == "组合滑梯 2号")).all()
        assert [slide.code for slide in slides] == [new_slide_code]
        assert by_code(Asset, "A3RPWP").name == "小一班幼儿床"


def test_seed_demo_leaves_existing_passwords_alone(app, runner):
    output = seed(runner)
    # The gatekeeper and the canteen worker are new: the suite's users are the other three.
    assert "Added: places 30, kinds of asset 20, assets 107, users 2." in output
    for username in ("admin", "inspector", "repairer"):
        assert f"User {username} already existed: its own password still applies." in output
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin.check_password(PASSWORD)
        assert not admin.check_password("demo")


def test_seed_demo_uses_a_kind_made_by_hand(app, runner):
    with app.app_context():
        make_kind("dian_shan", "电扇", "Fan")
        db.session.commit()
    output = seed(runner)
    assert "kinds of asset 19," in output
    with in_kindergarten(app):
        fan = by_code(Asset, "8DDU6P")
        assert fan.kind.key == "dian_shan"


def test_seed_demo_needs_the_schema(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    empty = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    result = empty.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "db upgrade" in result.output
    with empty.app_context():
        db.engine.dispose()


@pytest.fixture
def production_app(app, tmp_path):
    config = base_config(tmp_path, app.config["DATABASE_URL"])
    config.update(PATROL_ENV="production", SECRET_KEY="a real secret")
    production = create_app(config)
    yield production
    with production.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("command", [["seed-demo"], ["demo"]])
def test_demo_is_refused_in_production(production_app, monkeypatch, command):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    served = []
    monkeypatch.setattr(cli, "run_simple", lambda *args, **kwargs: served.append(args))
    result = production_app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert "never loaded into a production database" in result.output
    assert served == []
    with production_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == 0


@pytest.fixture
def served(monkeypatch):
    """Stands in for the development server, which would block the test."""
    calls = []

    def fake_run_simple(host, port, application, **options):
        calls.append({"host": host, "port": port, "app": application, **options})

    monkeypatch.setattr(cli, "run_simple", fake_run_simple)
    monkeypatch.setattr(cli, "lan_address", lambda: "192.168.1.23")
    # The worker's process is started and stopped around the server (tests/test_worker.py).
    monkeypatch.setattr(cli, "start_worker", lambda app: None)
    monkeypatch.setattr(cli, "stop_worker", lambda worker: None)
    return calls


def test_demo_builds_seeds_and_serves_phones(tmp_path, monkeypatch, served):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    config["BASE_URL"] = DEFAULTS["BASE_URL"]
    fresh = create_app(config)

    result = fresh.test_cli_runner().invoke(args=["demo", "--port", "8123"])

    assert result.exit_code == 0, result.output
    assert "Added: places 30," in result.output
    assert "Sign in as one of these users, password demo" in result.output
    for username in ("admin", "inspector", "repairer"):
        assert f"  {username} " in result.output
    assert "On this computer, open http://localhost:8123" in result.output
    assert "On a phone on the same Wi-Fi, open http://192.168.1.23:8123" in result.output
    assert "HTTPS" in result.output
    assert 'Start with "Today": http://192.168.1.23:8123/today' in result.output
    assert (
        "Then open slide 2's label as if you had scanned it: http://192.168.1.23:8123/q/4ZGV4P"
        in result.output
    )
    assert fresh.config["BASE_URL"] == "http://192.168.1.23:8123"
    assert served == [
        {"host": "0.0.0.0", "port": 8123, "app": fresh, "threaded": True}
    ]
    with in_kindergarten(fresh):
        assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == 107
        db.engine.dispose()


def test_demo_on_a_migrated_database_seeds_once(app, runner, served):
    app.config["BASE_URL"] = DEFAULTS["BASE_URL"]
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "already loaded; nothing changed" in result.output
    assert [call["host"] for call in served] == ["0.0.0.0", "0.0.0.0"]
    assert [call["port"] for call in served] == [5000, 5000]
    with in_kindergarten(app):
        assert db.session.scalar(sa.select(sa.func.count(Asset.id))) == 107


def test_demo_respects_an_explicit_base_url(app, runner, served):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert app.config["BASE_URL"] == "http://patrol.test"
    assert "Printed QR codes lead to http://patrol.test" in result.output
    assert "On a phone on the same Wi-Fi, open http://192.168.1.23:5000" in result.output


def test_demo_on_loopback_warns_that_phones_cannot_reach_it(app, runner, served):
    app.config["BASE_URL"] = DEFAULTS["BASE_URL"]
    result = runner.invoke(args=["demo", "--host", "127.0.0.1", "--port", "5001"])
    assert result.exit_code == 0, result.output
    assert "Phones cannot reach http://127.0.0.1:5001" in result.output
    assert "On a phone" not in result.output
    assert app.config["BASE_URL"] == "http://127.0.0.1:5001"
    assert served[0]["host"] == "127.0.0.1"


def test_demo_rejects_a_bad_port(runner, served):
    result = runner.invoke(args=["demo", "--port", "99999"])
    assert result.exit_code == 2
    assert served == []


def test_lan_address_is_an_ip_address():
    assert ipaddress.ip_address(cli.lan_address())


class UnroutedSocket:
    """A machine with no network: connecting raises, as it does without a route."""

    def __init__(self, *args):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def connect(self, address):
        raise OSError("Network is unreachable")


def test_lan_address_falls_back_to_the_host_name(monkeypatch):
    monkeypatch.setattr(socket, "socket", UnroutedSocket)
    monkeypatch.setattr(socket, "gethostbyname", lambda name: "10.1.2.3")
    assert cli.lan_address() == "10.1.2.3"

    def unknown(name):
        raise socket.gaierror("unknown host")

    monkeypatch.setattr(socket, "gethostbyname", unknown)
    assert cli.lan_address() == "127.0.0.1"
