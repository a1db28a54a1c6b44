"""Photos people upload: checked, cleaned of metadata and stored as plain JPEG.

A phone photo carries the GPS position it was taken at and often an orientation flag
instead of rotated pixels. Every upload is decoded and drawn again, so what is stored is
upright, of a sensible size, and says nothing but its pixels. How an upload is decoded
without letting it take the server's memory is in `decoding.py`.

Where the photos are kept is PHOTO_STORE's choice (`stores.py`): a folder on this server, or
the database every app server shares. Either way what Patrol acknowledged survives a power
cut: the phone forgets a send once Patrol acknowledges it.
"""

import secrets
from io import BytesIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from app.core.photos.decoding import DecodersBusy, PhotoError, decode, decode_slot
from app.core.photos.stores import StoredBytes, current_store, photo_folder, thumbnail_name

__all__ = [
    "DecodersBusy",
    "PhotoError",
    "claim_photo",
    "delete_photo",
    "keep_photos",
    "photo_folder",
    "save_photo",
    "send_photo",
    "thumbnail_name",
]

MAX_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 85
ONE_DAY = 24 * 3600


def send_photo(filename: str, thumbnail: bool = False, max_age: int | None = ONE_DAY):
    """A stored photo for signed-in staff (404 if there is none by that name): a day in the
    phone's cache, never a shared one. max_age=None for an address whose photo may be
    replaced: the phone asks again each time, and is answered "not modified" if unchanged."""
    response = current_store().send(filename, thumbnail, max_age)
    # send_file marks a response with max_age public; a proxy must not hand it to anyone else.
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def save_photo(file_storage) -> str:
    """Store an uploaded image as a clean JPEG and a thumbnail; return the stored filename.

    Call it before committing the record that names the photo: the folder store has both
    files on disk, flushed, when this returns; the database store's row commits with the
    record. Either way an acknowledged record never points at a missing photo."""
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
        encoded = StoredBytes(_jpeg(photo), _jpeg(thumb))

    filename = f"{secrets.token_hex(16)}.jpg"
    current_store().put(filename, encoded)
    return filename


def claim_photo(filename: str) -> bool:
    """A photo kept from a refused send is claimed again: True if it is still stored.

    Claiming makes it young again, so the clean-up leaves it for another day whatever the
    age of the upload it came from."""
    return current_store().claim(filename)


def keep_photos() -> None:
    """Make the photos stored or claimed by this request outlive it: a refused form is shown
    again carrying them, and recorded by a later request. Only where nothing else waits to
    commit (a refused form records nothing)."""
    current_store().keep()


def delete_photo(filename: str | None) -> None:
    """Remove a photo and its thumbnail once no record names it any more (it was replaced,
    or its record was not saved); a photo already gone is fine."""
    if not filename:
        return
    current_store().delete(filename)


def _jpeg(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


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
