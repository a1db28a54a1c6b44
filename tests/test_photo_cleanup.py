"""`flask photos clean`: photo files no record names go once no resend can claim them."""

import os
import re
import time

from app.core.photos import photo_folder, thumbnail_name
from app.core.photos.cleanup import CLAIMABLE_FOR
from app.core.sent_forms import photo_from_token, photo_token
from app.extensions import db
from tests.factories import make_asset, make_fault

DAY = 24 * 3600
NOW = time.time()


def stored(app, name, age):
    """A photo and its thumbnail on disk, last written `age` seconds ago."""
    with app.app_context():
        folder = photo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for file in (name, thumbnail_name(name)):
        (folder / file).write_bytes(b"jpeg")
        os.utime(folder / file, (NOW - age, NOW - age))
    return name


def on_disk(app):
    with app.app_context():
        return sorted(path.name for path in photo_folder().iterdir())


def test_only_old_files_no_record_names_are_deleted(app, runner):
    old = 2 * DAY
    asset_photo = stored(app, "a" * 32 + ".jpg", old)
    fault_photo = stored(app, "b" * 32 + ".jpg", old)
    report_photo = stored(app, "c" * 32 + ".jpg", old)
    orphan = stored(app, "d" * 32 + ".jpg", old)
    just_old_enough = stored(app, "e" * 32 + ".jpg", CLAIMABLE_FOR + 60)
    refused_today = stored(app, "f" * 32 + ".jpg", DAY - 60)
    a_day_ago = stored(app, "0" * 32 + ".jpg", DAY + 60)  # its form may still claim it
    with app.app_context():
        folder = photo_folder()
        (folder / ("1" * 32 + ".jpg.partial")).write_bytes(b"half")
        os.utime(folder / ("1" * 32 + ".jpg.partial"), (NOW - old, NOW - old))
        asset = make_asset(code="SWG234")
        asset.photo = asset_photo
        make_fault(asset, photos=[report_photo], photo=fault_photo)
        db.session.commit()

    result = runner.invoke(args=["photos", "clean"])
    assert result.exit_code == 0, result.output
    assert re.search(r"5 files deleted; 4 unclaimed files kept", result.output)
    kept = [asset_photo, fault_photo, report_photo, refused_today, a_day_ago]
    assert on_disk(app) == sorted([*kept, *map(thumbnail_name, kept)])
    assert orphan not in on_disk(app) and just_old_enough not in on_disk(app)


def test_a_claimed_photo_is_young_again(app, client):
    name = stored(app, "a" * 32 + ".jpg", DAY - 60)
    with app.test_request_context():
        token = photo_token(name, None, "c" * 32)
        assert photo_from_token(token, None, "c" * 32) == name
        assert (photo_folder() / name).stat().st_mtime > NOW - 60
        assert (photo_folder() / thumbnail_name(name)).stat().st_mtime > NOW - 60


def test_a_token_for_a_photo_no_longer_on_disk_claims_nothing(app):
    with app.test_request_context():
        token = photo_token("a" * 32 + ".jpg", None, "c" * 32)
        assert photo_from_token(token, None, "c" * 32) is None


def test_nothing_to_clean_before_any_photo(app, runner):
    result = runner.invoke(args=["photos", "clean"])
    assert result.exit_code == 0 and "0 files deleted" in result.output
