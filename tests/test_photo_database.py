"""The database photo store (PHOTO_STORE = "database"): a photo sent through one app server
is shown by another, with nothing on either server's disk; `flask photos move-to-database`
brings an install's photo files into it, safely twice."""

import io
import os
import re
import time

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from app import create_app, tenancy
from app.core.photos import photo_folder, save_photo, thumbnail_name
from app.core.photos.cleanup import CLAIMABLE_FOR
from app.core.photos.stores import DatabaseStore, FolderStore
from app.extensions import db
from app.models import FaultPhoto, School, StoredPhoto
from tests.conftest import PASSWORD, base_config
from tests.factories import make_asset, make_fault, make_school

SWING = "SWG234"


def png(colour="red"):
    data = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(data, "PNG")
    data.seek(0)
    return data


@pytest.fixture
def database_store(app):
    app.config["PHOTO_STORE"] = "database"
    with app.app_context():
        make_asset("秋千", "Swing", code=SWING)
        db.session.commit()
    return app


@pytest.fixture
def second_server(database_store, tmp_path):
    """Another app server on the same database, with an upload folder of its own."""
    config = base_config(tmp_path / "second", database_store.config["DATABASE_URL"])
    server = create_app({**config, "PHOTO_STORE": "database"})
    yield server
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def signed_in(server, username="inspector"):
    client = server.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    signed = client.post("/login", data={"username": username, "password": PASSWORD})
    assert signed.status_code == 302
    return client


def test_a_photo_sent_through_one_server_is_shown_by_another(database_store, second_server):
    first = signed_in(database_store)
    sent = first.post(
        f"/q/{SWING}/report",
        data={"description": "Seat cracked", "urgency": "unsafe", "client_id": "a" * 32,
              "photos": [(png(), "crack.png")]},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    with database_store.app_context():
        fault_id, photo_id = db.session.execute(sa.select(FaultPhoto.fault_id, FaultPhoto.id)).one()

    second = signed_in(second_server)
    for suffix in ("", "?size=thumb"):
        shown = second.get(f"/faults/{fault_id}/photos/{photo_id}{suffix}")
        assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
        assert shown.data == first.get(f"/faults/{fault_id}/photos/{photo_id}{suffix}").data
        assert "private" in shown.headers["Cache-Control"]
        assert "max-age=86400" in shown.headers["Cache-Control"]
    whole = second.get(f"/faults/{fault_id}/photos/{photo_id}").data
    assert Image.open(io.BytesIO(whole)).size == (400, 300)
    # Neither server wrote a file.
    for server in (database_store, second_server):
        with server.app_context():
            assert not photo_folder().exists()


def test_a_photo_kept_by_a_refused_form_on_one_server_is_claimed_on_another(
    database_store, second_server
):
    first, second = signed_in(database_store), signed_in(second_server)
    refused = first.post(
        f"/q/{SWING}/report",
        data={"description": "", "urgency": "unsafe", "client_id": "b" * 32,
              "photos": [(png(), "crack.png")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    tokens = re.findall(r'name="photo_token" value="([^"]+)"', refused.text)
    assert len(tokens) == 1
    resent = second.post(
        f"/q/{SWING}/report",
        data={"description": "Seat cracked", "urgency": "unsafe", "client_id": "b" * 32,
              "photo_token": tokens},
        content_type="multipart/form-data",
    )
    assert resent.status_code == 303
    with second_server.app_context():
        (name,) = db.session.scalars(sa.select(FaultPhoto.filename)).all()
        assert db.session.get(StoredPhoto, name) is not None


def test_a_photo_sent_with_a_form_that_was_not_recorded_is_not_kept(database_store):
    client = signed_in(database_store)
    # The phone's outbox: told what to correct, it sends its photos again with the form.
    refused = client.post(
        f"/q/{SWING}/report",
        data={"description": "", "urgency": "unsafe", "client_id": "c" * 32,
              "photos": [(png(), "crack.png")]},
        content_type="multipart/form-data",
        headers={"X-Patrol-Outbox": "1"},
    )
    assert refused.status_code == 400 and refused.json["error"] == "invalid"
    with database_store.app_context():
        assert db.session.scalars(sa.select(StoredPhoto.name)).all() == []


# Moving an install's photo files into the database


def folder_photo(app, colour="red"):
    """A photo stored as an install on the folder store stored it."""
    app.config["PHOTO_STORE"] = "folder"
    with app.test_request_context():
        return save_photo(FileStorage(stream=png(colour), filename="p.png"))


def aged(app, name, age):
    with app.app_context():
        for file in (name, thumbnail_name(name)):
            os.utime(photo_folder() / file, (time.time() - age, time.time() - age))


def in_database(app):
    with app.app_context(), tenancy.everywhere():
        return dict(db.session.execute(sa.select(StoredPhoto.name, StoredPhoto.school_id)).all())


def test_moving_copies_every_claimable_photo_and_may_run_twice(app, runner):
    named = [folder_photo(app, colour) for colour in ("red", "green", "blue")]
    refused_today = folder_photo(app, "white")
    refused_long_ago = folder_photo(app, "black")
    aged(app, refused_long_ago, CLAIMABLE_FOR + 60)
    with app.app_context():
        asset = make_asset(code=SWING)
        asset.photo = named[0]
        make_fault(asset, photos=[named[1]], photo=named[2])
        db.session.commit()
        school_id = asset.school_id

    first = runner.invoke(args=["photos", "move-to-database"])
    assert first.exit_code == 0, first.output
    assert "4 photos copied into the database; 0 were there already" in first.output
    assert "1 photos no record names and no form can claim any more" in first.output
    assert "The files stay in" in first.output
    assert in_database(app) == {name: school_id for name in [*named, refused_today]}

    second = runner.invoke(args=["photos", "move-to-database"])
    assert second.exit_code == 0, second.output
    assert "0 photos copied into the database; 4 were there already" in second.output
    assert len(in_database(app)) == 4

    # The files stay; the database store now shows each photo, byte for byte.
    app.config["PHOTO_STORE"] = "database"
    with app.app_context():
        for name in [*named, refused_today]:
            assert (photo_folder() / name).exists()
            assert DatabaseStore().read(name) == FolderStore().read(name)
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    with app.app_context():
        fault_id, photo_id = db.session.execute(sa.select(FaultPhoto.fault_id, FaultPhoto.id)).one()
    assert client.get(f"/faults/{fault_id}/photos/{photo_id}").status_code == 200
    assert client.get(f"/faults/{fault_id}/photo").status_code == 200


def test_moving_reports_what_it_could_not_copy_and_fails(app, runner):
    differs = folder_photo(app, "red")
    no_thumbnail = folder_photo(app, "green")
    with app.app_context():
        (photo_folder() / thumbnail_name(no_thumbnail)).unlink()
        (photo_folder() / "notes.txt").write_text("not a photo")
        (photo_folder() / ("1" * 32 + ".jpg.partial")).write_bytes(b"half")
        db.session.add(StoredPhoto(name=differs, jpeg=b"other", thumbnail=b"other"))
        db.session.commit()
    moved = runner.invoke(args=["photos", "move-to-database"])
    assert moved.exit_code == 1
    assert "0 photos copied into the database; 0 were there already" in moved.output
    assert f"{no_thumbnail}: its thumbnail file is missing; not copied." in moved.output
    assert f"{differs}: the database holds other bytes than the file." in moved.output
    # What was in the database is left as it was.
    with app.app_context():
        assert db.session.get(StoredPhoto, differs).jpeg == b"other"
        assert db.session.get(StoredPhoto, no_thumbnail) is None


def test_each_photo_moves_into_its_record_s_school(app, runner):
    east_photo = folder_photo(app, "red")
    main_photo = folder_photo(app, "green")
    nobodys = folder_photo(app, "blue")
    with app.app_context():
        main_id = db.session.scalar(sa.select(School.id))
        east_id = make_school("east").id
        db.session.commit()
        with tenancy.in_school(main_id):
            main_asset = make_asset(code=SWING)
            main_asset.photo = main_photo
            db.session.commit()
        with tenancy.in_school(east_id):
            east_asset = make_asset(code="EST234")
            east_asset.photo = east_photo
            db.session.commit()

    moved = runner.invoke(args=["photos", "move-to-database"])
    assert moved.exit_code == 0, moved.output
    assert "2 photos copied into the database" in moved.output
    assert "1 photos of refused forms were not copied" in moved.output
    assert in_database(app) == {east_photo: east_id, main_photo: main_id}
    assert nobodys not in in_database(app)
    # Each school sees its own photo only.
    with app.app_context(), tenancy.in_school(main_id):
        assert db.session.scalars(sa.select(StoredPhoto.name)).all() == [main_photo]


def test_moving_with_no_photo_folder_copies_nothing(app, runner):
    moved = runner.invoke(args=["photos", "move-to-database"])
    assert moved.exit_code == 0
    assert "0 photos copied into the database; 0 were there already" in moved.output


def test_the_move_speaks_the_terminal_s_language(app, runner, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    folder_photo(app)
    moved = runner.invoke(args=["photos", "move-to-database"])
    assert moved.exit_code == 0
    assert "已将 1 张照片复制到数据库" in moved.output

