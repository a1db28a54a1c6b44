"""The database photo store (PHOTO_STORE = "database"): a photo sent through one app server
is shown by another, with nothing on either server's disk."""

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from app import create_app
from app.core.photos import photo_folder
from app.extensions import db
from app.models import FaultPhoto, StoredPhoto
from tests.conftest import PASSWORD, base_config
from tests.factories import make_asset

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

