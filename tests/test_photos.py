import io
import zlib

import pytest
from PIL import ExifTags, Image, ImageFile
from werkzeug.datastructures import FileStorage

from app.core.photos import (
    MAX_SIDE,
    DecodersBusy,
    PhotoError,
    decoding,
    delete_photo,
    photo_folder,
    save_photo,
    thumbnail_name,
)


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


def stored(app, name):
    with app.app_context():
        return Image.open(photo_folder() / name)


def test_gps_and_all_exif_are_gone(app):
    data = image_bytes(exif=phone_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    with english(app):
        name = save_photo(upload(data))
    for stored_name in (name, thumbnail_name(name)):
        image = stored(app, stored_name)
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and "icc_profile" not in image.info
        raw = (photo_folder_path(app) / stored_name).read_bytes()
        assert b"Exif" not in raw and b"Phone" not in raw


def photo_folder_path(app):
    with app.app_context():
        return photo_folder()


def test_exif_orientation_is_applied(app):
    # Orientation 6: the camera held sideways; the upright picture is tall, not wide.
    with english(app):
        name = save_photo(upload(image_bytes((400, 200), exif=phone_exif(orientation=6))))
    assert stored(app, name).size == (200, 400)


def test_large_photos_are_shrunk_and_a_thumbnail_made(app):
    with english(app):
        name = save_photo(upload(image_bytes((4000, 3000))))
    assert name.endswith(".jpg") and len(name) <= 80
    assert stored(app, name).size == (1600, 1200)
    assert stored(app, thumbnail_name(name)).size == (320, 240)


def test_png_with_transparency_and_webp_are_accepted(app):
    with english(app):
        png = save_photo(upload(image_bytes(fmt="PNG", mode="RGBA", color=(0, 0, 0, 0)), "a.png"))
        webp = save_photo(upload(image_bytes(fmt="WEBP"), "a.webp"))
    # Transparency becomes white, not black.
    assert stored(app, png).getpixel((10, 10)) >= (250, 250, 250)
    assert stored(app, webp).mode == "RGB"


def test_names_are_random(app):
    with english(app):
        names = {save_photo(upload(image_bytes())) for _ in range(3)}
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
def test_not_a_real_image_is_refused(app, data, message):
    with english(app):
        with pytest.raises(PhotoError) as refused:
            save_photo(upload(data, "photo.jpg"))
        assert message in str(refused.value.message)
    assert not list(photo_folder_path(app).glob("*"))


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
def test_too_many_pixels_is_refused_by_the_declared_size(app, data, shown, limit):
    message = refusal(app, data)
    assert "too many pixels" in message and shown in message and limit in message
    assert not list(photo_folder_path(app).glob("*"))
def test_delete_photo_removes_both_files(app):
    with english(app):
        name = save_photo(upload(image_bytes()))
        delete_photo(name)
        delete_photo(name)
        delete_photo(None)
        assert not (photo_folder() / name).exists()
        assert not (photo_folder() / thumbnail_name(name)).exists()


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
def test_an_animation_keeps_its_first_frame(app, fmt):
    frames = [Image.new("RGB", (120, 80), colour) for colour in ("red", "blue", "green")]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(buffer.getvalue())).n_frames == 3
    with english(app):
        name = save_photo(upload(buffer.getvalue(), f"moving.{fmt.lower()}"))
    red, green, blue = stored(app, name).getpixel((60, 40))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_a_truncated_photo_is_refused(app, fmt):
    data = Image.effect_noise((300, 300), 50).convert("RGB")
    buffer = io.BytesIO()
    data.save(buffer, fmt)
    cut = buffer.getvalue()[: len(buffer.getvalue()) * 2 // 3]
    assert "not a photo" in refusal(app, cut, f"cut.{fmt.lower()}")
    assert not list(photo_folder_path(app).glob("*"))


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
