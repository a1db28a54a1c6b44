"""The report's printable HTML made into a PDF by WeasyPrint, so paper and PDF never differ.

WeasyPrint fetches what the page links to through `url_fetcher` below, which answers from
Patrol's own static folder and from the signatures already read for the report, and
refuses everything else: making a PDF never reaches the network or another route.

Chinese needs a CJK font on the server (Debian: fonts-noto-cjk). WeasyPrint embeds the
glyphs it uses, so the PDF reads on a computer without one. Without such a font the PDF
is still made, with empty boxes for Chinese, and the page and the log say so.
"""

import ctypes
import ctypes.util
import functools
import logging
import mimetypes
import re
from urllib.parse import urlsplit

from flask import current_app, url_for

from app.static_files import stored_file

log = logging.getLogger(__name__)
SIGNATURE_PATH = re.compile(r"/faults/signatures/(\d+)\.png")


def render_pdf(html: str, signatures: dict[int, bytes]) -> bytes:
    # Imported here: WeasyPrint loads Pango, which only a PDF needs.
    from weasyprint import HTML

    # It warns of every screen-only rule in the stylesheet (sticky headers, media widths),
    # on every PDF; what it cannot fetch or draw is still logged as an error.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    if not cjk_font_installed():
        log.warning("No CJK font is installed: Chinese in report PDFs shows as empty boxes.")
    base_url = url_for("reports.index", _external=True)
    fetcher = _own_files_fetcher(base_url, signatures)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def _own_files_fetcher(base_url: str, signatures: dict[int, bytes]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_path = current_app.static_url_path.rstrip("/") + "/"
    own = urlsplit(base_url).netloc

    class OwnFiles(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.netloc == own:
                signature = SIGNATURE_PATH.fullmatch(parts.path)
                if signature and int(signature[1]) in signatures:
                    return _response(url, signatures[int(signature[1])], "image/png")
                if parts.path.startswith(static_path):
                    # The page names static files by their hashed names (app/static_files.py).
                    file = stored_file(parts.path[len(static_path):])
                    if file is not None:
                        mime_type = mimetypes.guess_type(file.name)[0]
                        return _response(url, file.read_bytes(), mime_type)
            raise ValueError(f"not fetched for a report PDF: {url}")

    def _response(url, body, mime_type):
        return URLFetcherResponse(
            url, body, {"Content-Type": mime_type or "application/octet-stream"}
        )

    return OwnFiles()


@functools.cache
def cjk_font_installed() -> bool:
    """Whether fontconfig (which WeasyPrint's Pango uses) knows a font covering Chinese."""
    name = ctypes.util.find_library("fontconfig")
    if name is None:
        return False
    fontconfig = ctypes.CDLL(name)
    fontconfig.FcNameParse.restype = ctypes.c_void_p
    fontconfig.FcNameParse.argtypes = [ctypes.c_char_p]
    fontconfig.FcObjectSetBuild.restype = ctypes.c_void_p
    fontconfig.FcFontList.restype = ctypes.POINTER(_FontSet)
    fontconfig.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    fontconfig.FcFontSetDestroy.argtypes = [ctypes.POINTER(_FontSet)]
    fontconfig.FcPatternDestroy.argtypes = [ctypes.c_void_p]
    fontconfig.FcObjectSetDestroy.argtypes = [ctypes.c_void_p]
    pattern = fontconfig.FcNameParse(b":lang=zh-cn")
    objects = fontconfig.FcObjectSetBuild(b"family", None)
    fonts = fontconfig.FcFontList(None, pattern, objects)
    try:
        return bool(fonts) and fonts.contents.nfont > 0
    finally:
        if fonts:
            fontconfig.FcFontSetDestroy(fonts)
        fontconfig.FcObjectSetDestroy(objects)
        fontconfig.FcPatternDestroy(pattern)


class _FontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.c_void_p)]
