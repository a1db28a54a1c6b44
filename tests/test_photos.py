import io
import zlib

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import ExifTags, Image, ImageFile
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from app import config
from app.core.photos import (
    MAX_SIDE,
    DecodersBusy,
    PhotoError,
    decoding,
    delete_photo,
    photo_folder,
    save_photo,
    send_photo,
)
from app.extensions import db
from app.models import StoredPhoto


def image_bytes(size=(400, 200), fmt="JPEG", mode="RGB", exif=None, color="red"):
    buffer = io.BytesIO()
    image = Image.new(mode, size, color)
    if exif is not None:
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def upload(data, filename="photo.jpg"):
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def phone_exif(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 14.0, 5.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 28.0, 1.0),
    }
    return exif


def english(app):
    # Messages are checked in English whatever catalogs are installed.
    return app.test_request_context(headers={"Accept-Language": "en"})


def save(app, data, filename="photo.jpg"):
    """Store an upload as a request does, committed with the record naming it."""
    with english(app):
        name = save_photo(upload(data, filename))
        db.session.commit()
    return name


def stored_bytes(app, store, name, thumbnail=False):
    with app.app_context():
        photo = store.read(name)
    return photo.thumbnail if thumbnail else photo.jpeg


def stored(app, store, name, thumbnail=False):
    return Image.open(io.BytesIO(stored_bytes(app, store, name, thumbnail)))


def nothing_stored(app):
    """No photo in either store: no file in the folder, no row in the database."""
    with app.app_context():
        folder = photo_folder()
        files = list(folder.glob("*")) if folder.exists() else []
        return not files and not db.session.scalars(sa.select(StoredPhoto.name)).all()


def test_gps_and_all_exif_are_gone(app, photo_store):
    data = image_bytes(exif=phone_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    name = save(app, data)
    for thumbnail in (False, True):
        image = stored(app, photo_store, name, thumbnail)
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and "icc_profile" not in image.info
        raw = stored_bytes(app, photo_store, name, thumbnail)
        assert b"Exif" not in raw and b"Phone" not in raw


def test_exif_orientation_is_applied(app, photo_store):
    # Orientation 6: the camera held sideways; the upright picture is tall, not wide.
    name = save(app, image_bytes((400, 200), exif=phone_exif(orientation=6)))
    assert stored(app, photo_store, name).size == (200, 400)


def test_large_photos_are_shrunk_and_a_thumbnail_made(app, photo_store):
    name = save(app, image_bytes((4000, 3000)))
    assert name.endswith(".jpg") and len(name) <= 80
    assert stored(app, photo_store, name).size == (1600, 1200)
    assert stored(app, photo_store, name, thumbnail=True).size == (320, 240)


def test_png_with_transparency_and_webp_are_accepted(app, photo_store):
    png = save(app, image_bytes(fmt="PNG", mode="RGBA", color=(0, 0, 0, 0)), "a.png")
    webp = save(app, image_bytes(fmt="WEBP"), "a.webp")
    # Transparency becomes white, not black.
    assert stored(app, photo_store, png).getpixel((10, 10)) >= (250, 250, 250)
    assert stored(app, photo_store, webp).mode == "RGB"


def test_names_are_random(app, photo_store):
    names = {save(app, image_bytes()) for _ in range(3)}
    assert len(names) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text pretending to be a photo\n", "not a photo"),
        (b"", "empty"),
        (image_bytes()[:200], "not a photo"),
        (image_bytes(fmt="GIF"), "not a photo"),
    ],
)
def test_not_a_real_image_is_refused(app, photo_store, data, message):
    assert message in refusal(app, data)
    assert nothing_stored(app)


def test_oversized_file_is_refused(app):
    app.config["PHOTO_MAX_BYTES"] = 1000
    with english(app):
        with pytest.raises(PhotoError) as refused:
            save_photo(upload(image_bytes((800, 800))))
        assert "too large" in str(refused.value.message)


def jpeg_bytes(size=(64, 64), **options):
    buffer = io.BytesIO()
    Image.new("RGB", size, "grey").save(buffer, "JPEG", **options)
    return buffer.getvalue()


def first_scan_of_one_component(data: bytes) -> bytes:
    """The JPEG with its scan header saying it carries one component of three."""
    data = bytearray(data)
    data[data.index(b"\xff\xda") + 4] = 1
    return bytes(data)


def declared(data: bytes, width: int, height: int) -> bytes:
    """The image with its header rewritten to claim width x height (what an attacker sends)."""
    data = bytearray(data)
    if data.startswith(b"\x89PNG"):
        data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
        data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
        return bytes(data)
    frame = next(data.index(m) for m in (b"\xff\xc0", b"\xff\xc2") if m in data)
    data[frame + 5 : frame + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def refusal(app, data, filename="photo.jpg"):
    with english(app):
        with pytest.raises(PhotoError) as refused:
            save_photo(upload(data, filename))
        # Whatever the request would commit after a refusal holds no photo.
        db.session.commit()
        return str(refused.value.message)


@pytest.mark.parametrize(
    ("data", "shown", "limit"),
    [
        # PNG and WebP are decoded whole: refused by their header, before any pixel.
        (declared(image_bytes(fmt="PNG"), 9400, 9400), "(9400 × 9400)", "8.5 megapixels"),
        (declared(image_bytes(fmt="PNG"), 3000, 3000), "(3000 × 3000)", "8.5 megapixels"),
        # A progressive JPEG is held whole while decoded, however small it is drawn.
        (
            declared(jpeg_bytes(progressive=True), 4000, 3000),
            "(4000 × 3000)",
            "progressive JPEG may have at most 8.5 megapixels",
        ),
        # So is a sequential JPEG whose first scan leaves out a colour component.
        (
            declared(first_scan_of_one_component(jpeg_bytes()), 4000, 3000),
            "(4000 × 3000)",
            "progressive JPEG may have at most 8.5 megapixels",
        ),
        # A sequential JPEG is drawn at a reduced scale: up to the largest phone cameras.
        (declared(image_bytes(), 9000, 9000), "(9000 × 9000)", "at most 50 megapixels"),
        # Beyond what Pillow opens at all.
        (declared(image_bytes(), 20000, 20000), "too many pixels", "at most 50 megapixels"),
    ],
)
def test_too_many_pixels_is_refused_by_the_declared_size(app, photo_store, data, shown, limit):
    message = refusal(app, data)
    assert "too many pixels" in message and shown in message and limit in message
    assert nothing_stored(app)


def test_delete_photo_removes_the_photo_and_its_thumbnail(app, photo_store):
    name = save(app, image_bytes())
    with english(app):
        delete_photo(name)
        delete_photo(name)
        delete_photo(None)
    assert nothing_stored(app)


def test_pixels_up_to_the_limit_are_accepted(app, monkeypatch):
    monkeypatch.setattr(decoding, "WHOLE_MAX_PIXELS", 100 * 100)
    with english(app):
        save_photo(upload(image_bytes((100, 100), fmt="PNG"), "edge.png"))
    assert "too many pixels" in refusal(app, image_bytes((101, 100), fmt="PNG"), "over.png")


def test_a_long_thin_jpeg_is_decoded_at_a_reduced_scale(app):
    # Drawn to fit a square it would be decoded whole: its short side is already small.
    with english(app):
        image = decoding.decode(jpeg_bytes((16000, 96)), MAX_SIDE)
    assert image.size == (2000, 12)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animation_keeps_its_first_frame(app, photo_store, fmt):
    frames = [Image.new("RGB", (120, 80), colour) for colour in ("red", "blue", "green")]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(buffer.getvalue())).n_frames == 3
    name = save(app, buffer.getvalue(), f"moving.{fmt.lower()}")
    red, green, blue = stored(app, photo_store, name).getpixel((60, 40))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_a_truncated_photo_is_refused(app, photo_store, fmt):
    data = Image.effect_noise((300, 300), 50).convert("RGB")
    buffer = io.BytesIO()
    data.save(buffer, fmt)
    cut = buffer.getvalue()[: len(buffer.getvalue()) * 2 // 3]
    assert "not a photo" in refusal(app, cut, f"cut.{fmt.lower()}")
    assert nothing_stored(app)


def test_a_truncated_photo_is_refused_after_a_report_pdf_was_laid_out(app, monkeypatch):
    # What importing WeasyPrint does to the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = jpeg_bytes(size=(300, 300))
    assert "not a photo" in refusal(app, whole[: len(whole) * 2 // 3], "cut.jpg")


def test_a_busy_server_answers_send_again_without_storing(app, monkeypatch):
    monkeypatch.setattr(decoding, "DECODE_WAIT", 0.01)
    taken = [decoding.decode_slot() for _ in range(decoding.DECODE_SLOTS)]
    for slot in taken:
        slot.__enter__()
    try:
        with english(app), pytest.raises(DecodersBusy):
            save_photo(upload(image_bytes()))
    finally:
        for slot in taken:
            slot.__exit__(None, None, None)
    with english(app):
        save_photo(upload(image_bytes()))


def test_a_stored_photo_is_sent_private_for_a_day(app, photo_store):
    name = save(app, image_bytes((4000, 3000)))
    with app.test_request_context():
        for thumbnail in (False, True):
            response = send_photo(name, thumbnail=thumbnail)
            response.direct_passthrough = False
            assert response.status_code == 200 and response.mimetype == "image/jpeg"
            assert response.get_data() == stored_bytes(app, photo_store, name, thumbnail)
            assert response.cache_control.private and not response.cache_control.public
            assert response.cache_control.max_age == 86400


def test_a_photo_whose_address_stays_is_asked_again_and_not_sent_twice(app, photo_store):
    name = save(app, image_bytes())
    with app.test_request_context():
        first = send_photo(name, max_age=None)
        assert first.cache_control.no_cache and first.cache_control.private
        assert first.cache_control.max_age is None
        etag = first.get_etag()[0]
    with app.test_request_context(headers={"If-None-Match": f'"{etag}"'}):
        again = send_photo(name, max_age=None)
        assert again.status_code == 304


@pytest.mark.parametrize(
    "name",
    [
        "0" * 32 + ".jpg",
        "../secret_key",
        "../../../etc/passwd",
        "%2e%2e%2fsecret_key",
        "",
        "x" * 5000,
        "a\x00b.jpg",
        "照片.jpg",
    ],
)
def test_no_photo_by_that_name_is_404(app, photo_store, name):
    save(app, image_bytes())
    with app.test_request_context(), pytest.raises(NotFound):
        send_photo(name)


def test_the_photo_store_is_checked_when_the_app_starts(tmp_path):
    app = Flask("patrol_photo_store_test", instance_path=str(tmp_path))
    assert config.DEFAULTS["PHOTO_STORE"] == "folder"
    with pytest.raises(RuntimeError, match="PHOTO_STORE must be one of folder, database, not 's3'"):
        config.load(app, {"PHOTO_STORE": "s3", "SECRET_KEY": "x"})
