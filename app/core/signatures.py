"""The signature on a record: a finger drawing sent as a PNG data URL, or a typed name.

What the phone sends is decoded, checked to be a real PNG with some ink on it and drawn
again, so what is stored is a clean PNG of sensible size and nothing else.
"""

import base64
import binascii
import unicodedata
import warnings
from io import BytesIO

import sqlalchemy as sa
from flask import Response, abort, make_response
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from app.extensions import db
from app.models import Signature

DATA_URL_PREFIX = "data:image/png;base64,"
MAX_DRAWN_BYTES = 300 * 1024
# A phone canvas is a few hundred CSS pixels scaled by devicePixelRatio (3 at most).
MAX_SIDE = 4096
MAX_NAME_LENGTH = 80


class SignatureError(ValueError):
    """Why a signature was refused, in words the signer can act on."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def drawn_signature_png(data_url: str) -> bytes:
    """The clean PNG of a drawn signature, or SignatureError."""
    not_a_drawing = SignatureError(_l("The drawn signature could not be read. Please sign again."))
    if not data_url.startswith(DATA_URL_PREFIX):
        raise not_a_drawing
    encoded = data_url[len(DATA_URL_PREFIX):]
    if len(encoded) > (MAX_DRAWN_BYTES * 4) // 3 + 4:
        raise SignatureError(_l("The drawn signature is too large. Clear it and sign again."))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise not_a_drawing from None
    if len(data) > MAX_DRAWN_BYTES:
        raise SignatureError(_l("The drawn signature is too large. Clear it and sign again."))
    image = _decode_png(data, not_a_drawing)
    if _is_blank(image):
        raise SignatureError(_l("The signature is empty. Sign with your finger in the box."))
    return _redrawn(image)


def typed_signer_name(typed: str) -> str:
    """The name typed in place of a drawing (the form without JavaScript)."""
    name = " ".join(typed.split())
    if not name:
        raise SignatureError(_l("Sign with your finger, or type your name to sign."))
    if len(name) > MAX_NAME_LENGTH:
        raise SignatureError(
            _l("The name is too long: at most %(count)s characters.", count=MAX_NAME_LENGTH)
        )
    return name


def is_own_name(name: str, signer) -> bool:
    """Whether a typed name is the signer's own: their display name or their username, in
    any case, width or spacing ("Wang  Wei", "wang wei" and "ｗａｎｇ" all count). A role
    the display name adds in brackets may be left out: "张师傅" signs for "张师傅（门卫）".
    """

    def folded(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    display_name = folded(signer.display_name)
    without_role = display_name.split("(")[0].strip()
    own = {display_name, folded(signer.username)} | ({without_role} if without_role else set())
    return folded(name) in own


def make_signature(signer, drawn: str = "", typed: str = "", own_name_only=False) -> Signature:
    """The signature the person gave now: the finger drawing, or the typed name without one.

    With a drawing the name signed is the one typed, if any, else the signer's own. With
    own_name_only, a typed name must be the signer's own (is_own_name): a record signed by
    the person signed in never carries somebody else's name.
    """
    drawn = (drawn or "").strip()
    name = typed_signer_name(typed) if (typed or "").strip() or not drawn else None
    if name is not None and own_name_only and not is_own_name(name, signer):
        raise SignatureError(
            _l(
                "“%(typed)s” is not your name. Type your own name, %(name)s: you are signed in "
                "as %(name)s.",
                typed=name,
                name=signer.display_name,
            )
        )
    if drawn:
        image = drawn_signature_png(drawn)
        return Signature(signer=signer, signer_name=name or signer.display_name, image=image)
    return Signature(signer=signer, signer_name=name, image=None)


def _decode_png(data: bytes, error: SignatureError) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(BytesIO(data), formats=["PNG"]).verify()
            image = Image.open(BytesIO(data), formats=["PNG"])
            if image.width > MAX_SIDE or image.height > MAX_SIDE:
                raise error
            image.load()
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise error from None
    return image.convert("RGBA")


def _is_blank(image: Image.Image) -> bool:
    """No ink: every pixel transparent, or (an opaque canvas) every pixel the same colour."""
    alpha_low, alpha_high = image.getchannel("A").getextrema()
    if alpha_high == 0:
        return True
    if alpha_low == 255:
        return all(low == high for low, high in image.convert("RGB").getextrema())
    return False


def _redrawn(image: Image.Image) -> bytes:
    """Only the pixels, in a new PNG: no text chunks or other metadata are carried over."""
    clean = Image.new("RGBA", image.size)
    clean.paste(image)
    output = BytesIO()
    clean.save(output, "PNG", optimize=True)
    return output.getvalue()


def signature_png(record, which) -> Response:
    """The finger drawing on the record `which` picks, of a model with a signature_id: sent
    to staff as a PNG, private but cached for a day (a signed record never changes). 404 when
    there is no such record or it was signed with a typed name: each route names its own
    model, so it never serves another kind of record's signature."""
    image = db.session.scalar(
        sa.select(Signature.image)
        .join(record, record.signature_id == Signature.id)
        .where(which)
    )
    if image is None:
        abort(404)
    response = make_response(image)
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
