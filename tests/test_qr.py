"""QR images: they decode to the scan URL, scale with CSS, and are made once."""

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from app.labels import qr

SVG = "{http://www.w3.org/2000/svg}"
# qrcode's path drawer writes one closed square per dark module.
MODULE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H\1z")


def decode(image):
    return [result.text for result in zxingcpp.read_barcodes(image)]


def rasterize_svg(data: bytes, scale: int = 8) -> Image.Image:
    """Draw the SVG's own path: every square it holds, nothing else (a stray command fails)."""
    root = ET.fromstring(data)
    _, _, width, height = (int(n) for n in root.get("viewBox").split())
    path = root.find(f"{SVG}path").get("d")
    squares = MODULE.findall(path)
    assert "".join(f"M{x},{y}H{x2}V{y2}H{x}z" for x, y, x2, y2 in squares) == path
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, x2, y2 in squares:
        x, y, x2, y2 = (int(n) * scale for n in (x, y, x2, y2))
        draw.rectangle((x, y, x2 - 1, y2 - 1), fill=0)
    return image


@pytest.mark.parametrize("level", ["M", "Q"])
def test_png_decodes_to_the_scan_url(app, level):
    with app.test_request_context():
        data = qr.image_bytes("ABC234", "png", level)
    assert data.startswith(b"\x89PNG")
    assert decode(Image.open(io.BytesIO(data))) == ["http://patrol.test/q/ABC234"]


@pytest.mark.parametrize("level", ["M", "Q"])
def test_svg_decodes_to_the_scan_url(app, level):
    with app.test_request_context():
        data = qr.image_bytes("ABC234", "svg", level)
    assert decode(rasterize_svg(data)) == ["http://patrol.test/q/ABC234"]


def test_svg_is_the_matrix_it_was_made_from(app):
    """The rasterized SVG is module for module the symbol's matrix, quiet zone included."""
    with app.test_request_context():
        data = qr.image_bytes("ABC234", "svg")
        matrix = qr.symbol("http://patrol.test/q/ABC234").get_matrix()
    image = rasterize_svg(data, scale=1)
    assert image.size == (len(matrix), len(matrix))
    drawn = [[image.getpixel((x, y)) == 0 for x in range(image.width)] for y in range(image.height)]
    assert drawn == matrix
    assert not any(matrix[0]) and not any(row[3] for row in matrix)  # 4 modules of quiet zone


def test_svg_scales_with_css(app):
    with app.test_request_context():
        data = qr.image_bytes("ABC234", "svg")
    root = ET.fromstring(data)
    assert root.get("viewBox") == "0 0 37 37"
    assert root.get("width") is None and root.get("height") is None
    assert b"id=" not in data and not data.startswith(b"<?xml")
    # A white background, so the quiet zone stays white on any surface.
    assert root.find(f"{SVG}rect").get("fill") == "white"


def test_sticker_level_keeps_the_symbol_small(app):
    with app.test_request_context():
        assert qr.symbol("https://patrol.example-school.cn/q/ABC234", "M").version == 3


def test_inline_svg_is_markup(app):
    with app.test_request_context():
        markup = qr.inline_svg("ABC234")
    assert str(markup).startswith("<svg") and markup.__html__() == str(markup)


def test_second_request_is_served_from_the_cache(app, monkeypatch):
    made = []
    original = qr.symbol

    def counting_symbol(*args, **kwargs):
        made.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(qr, "symbol", counting_symbol)
    with app.test_request_context():
        first = qr.image_bytes("ABC234", "svg")
        path = qr.cache_path("ABC234", "svg")
        mtime = path.stat().st_mtime_ns
        assert qr.image_bytes("ABC234", "svg") == first
        assert qr.cached_file("ABC234", "svg") == path
        assert path.stat().st_mtime_ns == mtime
        assert len(made) == 1
        qr.image_bytes("ABC234", "png")
        qr.image_bytes("ABC234", "svg", "Q")
        assert len(made) == 3
    assert path.parent == Path(app.config["QR_FOLDER"]) / "cache"
    assert not list(path.parent.glob("*.part"))


def test_cache_notices_a_new_base_url(app):
    with app.test_request_context():
        old_path = qr.cache_path("ABC234", "png")
        qr.image_bytes("ABC234", "png")
    app.config["BASE_URL"] = "https://patrol.school.example"
    with app.test_request_context():
        new_path = qr.cache_path("ABC234", "png")
        data = qr.image_bytes("ABC234", "png")
    assert new_path != old_path and new_path.name.startswith("ABC234-")
    assert decode(Image.open(io.BytesIO(data))) == ["https://patrol.school.example/q/ABC234"]


def test_cache_key_differs_by_code_format_and_level(app):
    with app.test_request_context():
        paths = {
            qr.cache_path("ABC234", "svg"),
            qr.cache_path("ABC235", "svg"),
            qr.cache_path("ABC234", "png"),
            qr.cache_path("ABC234", "svg", "Q"),
        }
    assert len(paths) == 4


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(qr.os, "replace", broken_replace)
    with pytest.raises(OSError):
        qr.write_atomically(tmp_path / "cache" / "X.svg", b"<svg/>")
    assert list((tmp_path / "cache").iterdir()) == []


def test_written_files_are_readable_by_others(tmp_path):
    qr.write_atomically(tmp_path / "X.svg", b"<svg/>")
    assert (tmp_path / "X.svg").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "X.svg").read_bytes() == b"<svg/>"
