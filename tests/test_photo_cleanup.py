"""`flask photos clean`: photos no record names go once no resend can claim them, from
either store."""

import os
import re
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from app.core.photos import photo_folder, thumbnail_name
from app.core.photos.cleanup import CLAIMABLE_FOR
from app.core.sent_forms import photo_from_token, photo_token
from app.extensions import db
from app.models import StoredPhoto
from tests.factories import make_asset, make_fault

DAY = 24 * 3600
NOW = time.time()


def stored(app, store, name, age):
    """A photo and its thumbnail in the store, last written `age` seconds ago."""
    with app.app_context():
        if store.name == "folder":
            folder = photo_folder()
            folder.mkdir(parents=True, exist_ok=True)
            for file in (name, thumbnail_name(name)):
                (folder / file).write_bytes(b"jpeg")
                os.utime(folder / file, (NOW - age, NOW - age))
        else:
            at = _utc(NOW - age)
            db.session.add(
                StoredPhoto(name=name, jpeg=b"jpeg", thumbnail=b"t", created_at=at, touched_at=at)
            )
            db.session.commit()
    return name


def _utc(timestamp):
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def in_store(app, store):
    """The names of what the store holds: files in the folder, photos in the database."""
    with app.app_context():
        if store.name == "folder":
            return sorted(path.name for path in photo_folder().iterdir())
        return sorted(db.session.scalars(sa.select(StoredPhoto.name)))


def test_only_old_photos_no_record_names_are_deleted(app, runner, photo_store):
    old = 2 * DAY
    asset_photo = stored(app, photo_store, "a" * 32 + ".jpg", old)
    fault_photo = stored(app, photo_store, "b" * 32 + ".jpg", old)
    report_photo = stored(app, photo_store, "c" * 32 + ".jpg", old)
    orphan = stored(app, photo_store, "d" * 32 + ".jpg", old)
    just_old_enough = stored(app, photo_store, "e" * 32 + ".jpg", CLAIMABLE_FOR + 60)
    refused_today = stored(app, photo_store, "f" * 32 + ".jpg", DAY - 60)
    a_day_ago = stored(app, photo_store, "0" * 32 + ".jpg", DAY + 60)  # its form may claim it
    with app.app_context():
        if photo_store.name == "folder":
            folder = photo_folder()
            (folder / ("1" * 32 + ".jpg.partial")).write_bytes(b"half")
            os.utime(folder / ("1" * 32 + ".jpg.partial"), (NOW - old, NOW - old))
        asset = make_asset(code="SWG234")
        asset.photo = asset_photo
        make_fault(asset, photos=[report_photo], photo=fault_photo)
        db.session.commit()

    result = runner.invoke(args=["photos", "clean"])
    assert result.exit_code == 0, result.output
    kept = [asset_photo, fault_photo, report_photo, refused_today, a_day_ago]
    if photo_store.name == "folder":
        assert re.search(r"5 files deleted; 4 unclaimed files kept", result.output)
        assert in_store(app, photo_store) == sorted([*kept, *map(thumbnail_name, kept)])
    else:
        assert re.search(
            r"2 photos deleted from the database; 2 unclaimed photos kept", result.output
        )
        assert in_store(app, photo_store) == sorted(kept)
    assert orphan not in in_store(app, photo_store)
    assert just_old_enough not in in_store(app, photo_store)


def test_a_claimed_photo_is_young_again(app, client, photo_store):
    name = stored(app, photo_store, "a" * 32 + ".jpg", DAY - 60)
    with app.test_request_context():
        token = photo_token(name, None, "c" * 32)
        assert photo_from_token(token, None, "c" * 32) == name
        # The form sent again is refused once more: its page keeps the claim.
        photo_token(name, None, "c" * 32)
    with app.app_context():
        if photo_store.name == "folder":
            assert (photo_folder() / name).stat().st_mtime > NOW - 60
            assert (photo_folder() / thumbnail_name(name)).stat().st_mtime > NOW - 60
        else:
            touched = db.session.scalar(sa.select(StoredPhoto.touched_at))
            assert touched > _utc(NOW - 60)


def test_a_token_for_a_photo_no_longer_stored_claims_nothing(app, photo_store):
    with app.test_request_context():
        token = photo_token("a" * 32 + ".jpg", None, "c" * 32)
        assert photo_from_token(token, None, "c" * 32) is None


def test_nothing_to_clean_before_any_photo(app, runner, photo_store):
    result = runner.invoke(args=["photos", "clean"])
    assert result.exit_code == 0 and re.search(r"\b0 (files|photos) deleted", result.output)


def test_the_hourly_clean_up_deletes_from_the_store_in_use(app, photo_store):
    from app.cleanups import clean_unclaimed_photos

    orphan = stored(app, photo_store, "d" * 32 + ".jpg", 2 * DAY)
    with app.app_context():
        clean_unclaimed_photos.call_local()
    assert orphan not in in_store(app, photo_store)
