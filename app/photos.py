"""Photos people upload: checked, cleaned of metadata and stored as plain JPEG.

A phone photo carries the GPS position it was taken at and often an orientation flag
instead of rotated pixels. Every upload is decoded and drawn again, so what is stored is
upright, of a sensible size, and says nothing but its pixels.
"""

import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app, send_from_directory
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 85
THUMB_SUFFIX = "_thumb.jpg"


class PhotoError(ValueError):
    """Why an upload was refused, in words the person who sent it can act on."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def photo_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "photos"


def thumbnail_name(filename: str) -> str:
    return filename.removesuffix(".jpg") + THUMB_SUFFIX


def send_photo(filename: str, thumbnail: bool = False):
    """A stored photo for signed-in staff: a day in the phone's cache, never a shared one."""
    name = thumbnail_name(filename) if thumbnail else filename
    response = send_from_directory(photo_folder(), name, mimetype="image/jpeg", max_age=86400)
    # send_file marks a response with max_age public; a proxy must not hand it to anyone else.
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def save_photo(file_storage) -> str:
    """Store an uploaded image as a clean JPEG and a thumbnail; return the stored filename."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if not data:
        raise PhotoError(_l("The photo file is empty."))
    if len(data) > limit:
        raise PhotoError(
            _l("The photo is too large: at most %(size)s MB.", size=_megabytes(limit))
        )
    image = _decode(data)
    photo = _flatten(_fit(image, MAX_SIDE))
    thumb = _fit(photo.copy(), THUMB_SIDE)

    folder = photo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{secrets.token_hex(16)}.jpg"
    # No exif= and no icc_profile=: Pillow writes only the pixels.
    photo.save(folder / filename, "JPEG", quality=JPEG_QUALITY, optimize=True)
    thumb.save(folder / thumbnail_name(filename), "JPEG", quality=JPEG_QUALITY, optimize=True)
    return filename


def delete_photo(filename: str | None) -> None:
    """Remove a photo and its thumbnail, e.g. after it was replaced; missing files are fine."""
    if not filename:
        return
    folder = photo_folder()
    for name in (filename, thumbnail_name(filename)):
        (folder / name).unlink(missing_ok=True)


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode the image, refusing anything that is not a real, sane image."""
    try:
        Image.open(BytesIO(data), formats=ACCEPTED_FORMATS).verify()
        image = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
        # Pillow refuses twice MAX_IMAGE_PIXELS by itself but only warns below that.
        if image.width * image.height > Image.MAX_IMAGE_PIXELS:
            raise Image.DecompressionBombError("too many pixels")
        if image.format == "JPEG":
            # Decode large JPEGs at a reduced scale: faster and far less memory.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
        return ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise PhotoError(_l("The photo has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError(
            _l("This file is not a photo Patrol can read (JPEG, PNG or WebP).")
        ) from None


def _fit(image: Image.Image, side: int) -> Image.Image:
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white, in a new image: transparency goes, and no metadata is carried over."""
    clean = Image.new("RGB", image.size, "white")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        clean.paste(image.convert("RGB"))
    return clean


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
