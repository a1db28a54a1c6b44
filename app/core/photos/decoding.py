"""Decoding an upload without letting a small file take the server's memory.

A 335 KB PNG of one colour can declare 88 million pixels; decoded whole it takes hundreds of
megabytes. So an image is refused by the size its header declares, before a pixel is
decoded, and the limit depends on how the image will be decoded:

- A JPEG coded in one sequential scan is decoded at a reduced scale (1/2 to 1/8, as close as
  possible to the size it is stored at), so it may be as large as the largest phone camera,
  about 50 megapixels.
- PNG and WebP cannot be decoded at a reduced scale, and a progressive JPEG (or one whose
  first scan does not carry every colour) is held whole while it is decoded, as every
  coefficient of the image: these may have at most about 8.5 megapixels, which still takes a
  screenshot of any phone (a 4K screen is 8.3 megapixels).

Each process decodes at most DECODE_SLOTS images at once; an upload that cannot get a slot
within DECODE_WAIT seconds is answered "busy, retry" rather than piling up in memory.
"""

import threading
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageFile, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
SCALED_MAX_PIXELS = 50_000_000
WHOLE_MAX_PIXELS = 8_500_000
DECODE_SLOTS = 2
DECODE_WAIT = 5

_slots = threading.BoundedSemaphore(DECODE_SLOTS)

# Start-of-frame markers libjpeg decodes one scan at a time: baseline, extended, arithmetic.
_SEQUENTIAL_FRAMES = {0xC0, 0xC1, 0xC9}
_OTHER_FRAMES = set(range(0xC2, 0xD0)) - {0xC4, 0xC8, 0xC9, 0xCC}
_START_OF_SCAN = 0xDA


class PhotoError(ValueError):
    """Why an upload was refused, in words the person who sent it can act on."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class DecodersBusy(RuntimeError):
    """Every decode slot stayed taken for DECODE_WAIT seconds: send again in a moment."""

    retry_after = DECODE_WAIT


class decode_slot:
    """One of the process's decode slots, held while an image is in memory."""

    def __enter__(self):
        if not _slots.acquire(timeout=DECODE_WAIT):
            raise DecodersBusy()

    def __exit__(self, *exc_info):
        _slots.release()


def decode(data: bytes, side: int) -> Image.Image:
    """The image in `data`, decoded no larger than needed to fit `side` where the format
    allows; PhotoError if it is not a sane JPEG, PNG or WebP within the pixel limits."""
    # WeasyPrint turns this on for the whole process when it is imported (a report PDF): a
    # photo cut short by a dropped upload must still be refused, not filled with grey.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        Image.open(BytesIO(data), formats=ACCEPTED_FORMATS).verify()
        image = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
        scaled = isinstance(image, JpegImageFile) and not _jpeg_held_whole(data)
        _check_pixels(image, SCALED_MAX_PIXELS if scaled else WHOLE_MAX_PIXELS)
        if isinstance(image, JpegImageFile):
            image.draft("RGB", _fitted(image.size, side))
        image.load()
        return image
    except PhotoError:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses more than twice its own limit when opening, before our check.
        raise PhotoError(_too_many_pixels(None, SCALED_MAX_PIXELS)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError(
            _l("This file is not a photo Patrol can read (JPEG, PNG or WebP).")
        ) from None


def _check_pixels(image: Image.Image, limit: int) -> None:
    if image.width * image.height > limit:
        raise PhotoError(_too_many_pixels(image, limit))


def _too_many_pixels(image: Image.Image | None, limit: int):
    megapixels = f"{limit / 1_000_000:g}"
    if limit == SCALED_MAX_PIXELS:
        rule = _l("A photo may have at most %(limit)s megapixels.", limit=megapixels)
    else:
        rule = _l(
            "A PNG, WebP or progressive JPEG may have at most %(limit)s megapixels; "
            "send the camera's own JPEG.",
            limit=megapixels,
        )
    if image is None:
        return _l("The photo has too many pixels. %(rule)s", rule=rule)
    return _l(
        "The photo has too many pixels (%(width)s × %(height)s). %(rule)s",
        width=image.width,
        height=image.height,
        rule=rule,
    )


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size an image of `size` is stored at: its longer side at most `side`.

    Asked of draft() instead of a square, so a long thin image is reduced as much as its
    stored size allows rather than by its short side."""
    width, height = size
    scale = min(1, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _jpeg_held_whole(data: bytes) -> bool:
    """Whether libjpeg keeps every coefficient of the image while decoding it: so for a
    progressive frame, or a sequential one whose first scan leaves out a component (its
    "multiple scans" mode), however small it is asked to draw it."""
    components = None
    at = 2  # after the start-of-image marker
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        segment = data[at + 4 : at + 2 + length]
        if marker in _OTHER_FRAMES:
            return True
        if marker in _SEQUENTIAL_FRAMES and len(segment) > 5:
            components = segment[5]
        if marker == _START_OF_SCAN:
            return components is None or not segment or segment[0] < components
        at += 2 + length
    # No scan found: Pillow refuses the file; decoding it whole costs nothing then.
    return True
