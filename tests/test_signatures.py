"""The drawn signature: a real PNG with ink on it, stored clean; or a typed name."""

import base64
import random
from io import BytesIO

import pytest
from PIL import Image, ImageDraw, PngImagePlugin

from app.core.signatures import (
    MAX_DRAWN_BYTES,
    SignatureError,
    drawn_signature_png,
    is_own_name,
    make_signature,
    typed_signer_name,
)
from app.models import User


def data_url(image, fmt="PNG", **save):
    buffer = BytesIO()
    image.save(buffer, fmt, **save)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def scribble(size=(600, 240), mode="RGBA", background=(0, 0, 0, 0)):
    image = Image.new(mode, size, background)
    ImageDraw.Draw(image).line([(20, 200), (200, 40), (400, 180)], fill="black", width=4)
    return image


def test_drawn_signature_is_redrawn_as_a_clean_png(app):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret metadata")
    png = drawn_signature_png(data_url(scribble(), pnginfo=info))
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and image.size == (600, 240) and image.mode == "RGBA"
    assert "Comment" not in image.info
    assert b"secret metadata" not in png
    assert image.getpixel((200, 40))[3] == 255
    assert image.getpixel((590, 230))[3] == 0


def test_drawing_on_an_opaque_white_canvas_is_accepted(app):
    white = scribble(mode="RGB", background="white")
    assert drawn_signature_png(data_url(white))


@pytest.mark.parametrize(
    "blank",
    [
        Image.new("RGBA", (300, 120), (0, 0, 0, 0)),
        Image.new("RGB", (300, 120), "white"),
        Image.new("L", (300, 120), 255),
    ],
)
def test_blank_canvas_is_refused(app, blank):
    with pytest.raises(SignatureError) as refused:
        drawn_signature_png(data_url(blank))
    assert "empty" in str(refused.value.message)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "data:image/png;base64,",
        "data:image/png;base64,%%%",
        "data:image/png;base64,aGVsbG8=",
        "data:image/jpeg;base64,/9j/4AAQ",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/png,rawbytes",
    ],
)
def test_garbage_is_refused(app, garbage):
    with pytest.raises(SignatureError) as refused:
        drawn_signature_png(garbage)
    assert "could not be read" in str(refused.value.message)


def test_jpeg_sent_as_png_is_refused(app):
    buffer = BytesIO()
    scribble(mode="RGB", background="white").save(buffer, "JPEG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    with pytest.raises(SignatureError):
        drawn_signature_png(url)


def test_truncated_png_is_refused(app):
    url = data_url(scribble())
    with pytest.raises(SignatureError):
        drawn_signature_png(url[: len(url) // 2 // 4 * 4])


def test_too_large_is_refused(app):
    noise = Image.frombytes("RGBA", (400, 400), random.Random(1).randbytes(400 * 400 * 4))
    url = data_url(noise)
    assert len(url) > MAX_DRAWN_BYTES
    with pytest.raises(SignatureError) as refused:
        drawn_signature_png(url)
    assert "too large" in str(refused.value.message)


def test_huge_dimensions_are_refused(app):
    # Tiny in bytes, enormous in pixels: never decoded.
    with pytest.raises(SignatureError):
        drawn_signature_png(data_url(Image.new("1", (20000, 20000)), optimize=True))


def test_typed_name_is_tidied_and_limited(app):
    assert typed_signer_name("  Wang   Wei ") == "Wang Wei"
    assert typed_signer_name("李") == "李"
    assert typed_signer_name("x" * 80) == "x" * 80
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(SignatureError):
            typed_signer_name(bad)


def test_one_rule_for_every_signed_record(app):
    """Inspections, repairs, acceptances and stocktakes all sign through make_signature."""
    signer = User(username="wang", display_name="Wang Wei")
    drawn = make_signature(signer, data_url(scribble()), "")
    assert drawn.signer is signer and drawn.signer_name == "Wang Wei" and drawn.image
    for_someone = make_signature(signer, data_url(scribble()), "  Wang  for Parent Li ")
    assert for_someone.signer_name == "Wang for Parent Li" and for_someone.image
    typed = make_signature(signer, "", " Li  Na ")
    assert typed.signer_name == "Li Na" and typed.image is None
    with pytest.raises(SignatureError):
        make_signature(signer, "", "  ")
    with pytest.raises(SignatureError):
        make_signature(signer, data_url(scribble()), "x" * 81)
    with pytest.raises(SignatureError):
        make_signature(signer, "data:image/png;base64,AAAA", "Li Na")


def test_own_name_is_the_display_name_or_username_however_typed(app):
    gatekeeper = User(username="zhang", display_name="张师傅（门卫）")
    for typed in ("张师傅（门卫）", "张师傅(门卫)", " 张师傅 ", "zhang", "ZHANG", "ｚｈａｎｇ"):
        assert is_own_name(typed, gatekeeper), typed
    for typed in ("李老师", "门卫", "张", "zhangsan", ""):
        assert not is_own_name(typed, gatekeeper), typed
    assert is_own_name("wang  WEI", User(username="wang", display_name="Wang Wei"))


def test_own_name_only_refuses_a_typed_name_that_is_not_the_signers(app):
    signer = User(username="wang", display_name="Wang Wei")
    assert make_signature(signer, "", "wang wei", own_name_only=True).signer_name == "wang wei"
    drawn = make_signature(signer, data_url(scribble()), "", own_name_only=True)
    assert drawn.signer_name == "Wang Wei" and drawn.image
    for drawing in ("", data_url(scribble())):
        with pytest.raises(SignatureError) as refused:
            make_signature(signer, drawing, "Li Na", own_name_only=True)
        assert "“Li Na” is not your name. Type your own name, Wang Wei" in str(
            refused.value.message
        )
