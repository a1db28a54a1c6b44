import io

import pytest
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage

from app.photos import PhotoError, delete_photo, photo_folder, save_photo, thumbnail_name


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


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_refused(app, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    for size in ((150, 100), (300, 300)):  # just over the limit, and far over it
        with english(app):
            with pytest.raises(PhotoError) as refused:
                save_photo(upload(image_bytes(size, fmt="PNG"), "bomb.png"))
            assert "too many pixels" in str(refused.value.message)


def test_delete_photo_removes_both_files(app):
    with english(app):
        name = save_photo(upload(image_bytes()))
        delete_photo(name)
        delete_photo(name)
        delete_photo(None)
        assert not (photo_folder() / name).exists()
        assert not (photo_folder() / thumbnail_name(name)).exists()
