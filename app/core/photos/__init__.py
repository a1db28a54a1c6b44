"""Photos people upload: checked, cleaned of metadata and stored as plain JPEG.

A phone photo carries the GPS position it was taken at and often an orientation flag
instead of rotated pixels. Every upload is decoded and drawn again, so what is stored is
upright, of a sensible size, and says nothing but its pixels. How an upload is decoded
without letting it take the server's memory is in `decoding.py`.

A photo is on disk, flushed, before the record naming it commits: the phone forgets a send
once Patrol acknowledges it, so what was acknowledged must survive a power cut.
"""

import os
import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app, send_from_directory
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from app.core.photos.decoding import DecodersBusy, PhotoError, decode, decode_slot

__all__ = [
    "DecodersBusy",
    "PhotoError",
    "claim_photo",
    "delete_photo",
    "photo_folder",
    "save_photo",
    "send_photo",
    "thumbnail_name",
]

MAX_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 85
THUMB_SUFFIX = "_thumb.jpg"
PARTIAL_SUFFIX = ".partial"


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
    """Store an uploaded image as a clean JPEG and a thumbnail; return the stored filename.

    Both files are on disk, flushed, when this returns: call it before committing the record
    that names the photo, so an acknowledged record never points at an empty file."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    with decode_slot():
        data = file_storage.stream.read(limit + 1)
        if not data:
            raise PhotoError(_l("The photo file is empty."))
        if len(data) > limit:
            raise PhotoError(
                _l("The photo is too large: at most %(size)s MB.", size=_megabytes(limit))
            )
        fitted = _fit(decode(data, MAX_SIDE), MAX_SIDE)
        photo = _flatten(ImageOps.exif_transpose(fitted))
        thumb = _fit(photo.copy(), THUMB_SIDE)
        # No exif= and no icc_profile=: Pillow writes only the pixels.
        encoded = [_jpeg(photo), _jpeg(thumb)]

    folder = photo_folder()
    _make_folder(folder)
    filename = f"{secrets.token_hex(16)}.jpg"
    for name, content in zip((filename, thumbnail_name(filename)), encoded, strict=True):
        _write_flushed(folder / name, content)
    _flush_folder(folder)
    return filename


def claim_photo(filename: str) -> bool:
    """A photo kept from a refused send is claimed again: True if it is still on disk.

    Claiming makes it young again, so the clean-up leaves it for another day whatever the
    age of the upload it came from."""
    folder = photo_folder()
    try:
        for name in (filename, thumbnail_name(filename)):
            os.utime(folder / name)
    except FileNotFoundError:
        return False
    return True


def delete_photo(filename: str | None) -> None:
    """Remove a photo and its thumbnail, e.g. after it was replaced; missing files are fine."""
    if not filename:
        return
    folder = photo_folder()
    for name in (filename, thumbnail_name(filename)):
        (folder / name).unlink(missing_ok=True)


def _jpeg(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _make_folder(folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        _flush_folder(folder.parent)


def _write_flushed(path: Path, content: bytes) -> None:
    """Write under a partial name, flush to disk, then rename: a power cut leaves either the
    whole file or none under its name, never an empty one."""
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    with open(partial, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _flush_folder(folder: Path) -> None:
    """Flush a folder's entries, so a file renamed into it is found there after a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
