"""QR images for scan codes, made once and kept on disk.

Choices, measured with zxing-cpp on 300 codes of a 41-byte URL
(https://patrol.example-school.cn/q/ABC234) and with benchmarks/qr_cache.py:

- Error correction M for stickers (15 % of the symbol may be lost). Q survives more
  scratches (six simulated scratches and a blur: M 42 %, Q 58 % still decode) but needs a
  larger symbol (version 4 instead of 3), so on a 30 mm sticker each module is smaller and a
  distant or blurred shot fails sooner (at 1.6 pixels a module: M 95-100 %, Q 0-5 %).
  Playground plates print the QR 50 mm wide, where module size costs nothing and scratches
  are likely, so plates use Q.
- A fixed mask pattern: left free, qrcode draws and scores all eight masks, which about
  doubles the time a code takes. Mask 3 decoded as often as the best-scored mask, clean,
  scratched, rotated and down to 1.6 pixels a module (mask 4 fell to 80 % there).
- The quiet zone (4 modules, as the standard asks) is part of every image, on a white
  background, so a label's edge or the surface behind a sticker cannot eat into it.

An image is cached under QR_FOLDER/cache/ by the code and a digest of what it encodes and
how it is drawn: a new BASE_URL, a replaced code or a new drawing recipe is a new file, and
a stale file is simply never read again.
"""

import hashlib
import io
import os
import tempfile
from pathlib import Path

import qrcode
from flask import current_app
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

from app.urls import scan_url

ERROR_LEVELS = {"M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q}
DEFAULT_LEVEL = "M"
MASK_PATTERN = 3
QUIET_ZONE = 4
# Pixels per module in a PNG: about 370 px for a typical code, sharp at 30 mm and 300 dpi.
PNG_MODULE_PIXELS = 10
# Part of every cache key: change it whenever the drawing below changes.
RECIPE = f"mask={MASK_PATTERN};border={QUIET_ZONE};png={PNG_MODULE_PIXELS};svg=path-fill-1"

FORMATS = ("svg", "png")
MIME_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def symbol(url: str, level: str = DEFAULT_LEVEL, mask_pattern: int | None = MASK_PATTERN):
    """The QR symbol for `url`, its module matrix made (mask_pattern None: the best-scored)."""
    # box_size 10 makes qrcode's SVG units exactly one module each.
    code = qrcode.QRCode(
        error_correction=ERROR_LEVELS[level],
        box_size=PNG_MODULE_PIXELS,
        border=QUIET_ZONE,
        mask_pattern=mask_pattern,
    )
    code.add_data(url)
    code.make(fit=True)
    return code


def svg_bytes(code: qrcode.QRCode) -> bytes:
    """A standalone SVG that takes whatever size CSS gives it: a viewBox and no width or height."""
    image = code.make_image(image_factory=SvgPathFillImage)
    root = image._img
    del root.attrib["width"], root.attrib["height"]
    # Adjacent module squares must not show hairline seams when a screen anti-aliases them.
    root.set("shape-rendering", "crispEdges")
    # A sheet inlines many of these: one shared id would be invalid HTML.
    del image.path.attrib["id"]
    return image.to_string(encoding="unicode").encode()


def png_bytes(code: qrcode.QRCode) -> bytes:
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage).save(buffer, format="PNG")
    return buffer.getvalue()


RENDERERS = {"svg": svg_bytes, "png": png_bytes}


def cache_path(code: str, fmt: str, level: str = DEFAULT_LEVEL) -> Path:
    key = "\n".join((scan_url(code), fmt, level, RECIPE))
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return Path(current_app.config["QR_FOLDER"]) / "cache" / f"{code}-{digest}.{fmt}"


def cached_file(code: str, fmt: str, level: str = DEFAULT_LEVEL) -> Path:
    """The image file for a code, made and stored first if it is not in the cache yet."""
    path = cache_path(code, fmt, level)
    if not path.exists():
        write_atomically(path, RENDERERS[fmt](symbol(scan_url(code), level)))
    return path


def image_bytes(code: str, fmt: str, level: str = DEFAULT_LEVEL) -> bytes:
    path = cache_path(code, fmt, level)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        data = RENDERERS[fmt](symbol(scan_url(code), level))
        write_atomically(path, data)
        return data


def inline_svg(code: str, level: str = DEFAULT_LEVEL) -> Markup:
    """The SVG to place inside an HTML page.

    Safe to insert unescaped: it is drawn by `svg_bytes` from the module matrix alone and
    holds no text from the register.
    """
    return Markup(image_bytes(code, "svg", level).decode())


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            # mkstemp makes the file private; exported codes are meant to be shared.
            os.fchmod(file.fileno(), 0o644)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
