"""Responses compressed by the app itself, so the demo and a school's one server send about a
quarter of the bytes without a proxy in front.

Flask-Compress compresses text (pages, stylesheets, scripts, JSON, the manifest, SVG) for a
browser that says it accepts Brotli or gzip; Brotli first, as it makes these pages and scripts
some 10 % smaller than gzip. PDFs, photos and PNGs are compressed already and CSV downloads are
left as they are (not in Flask-Compress's list of types).

A file under a content-hashed name (app/static_files.py) never changes, so it is minified
(our own stylesheets and scripts, with rcssmin and rjsmin: their comments and indentation are
for the people who read them, not for a phone on a bad network) and compressed once, at the
best level (too slow to do on every page, another 10 % smaller), and kept in memory: a few
dozen kilobytes for all of static/. The plain names are served as stored.

Pages carry a CSRF token, which invites the BREACH attack on compressed HTTPS pages; it has
nothing stable to guess here: Flask-WTF signs each token with the time, so its signature
changes every second.
"""

import gzip

import brotli
import rcssmin
import rjsmin
from flask import request
from flask_compress import Compress

compress = Compress()

SETTINGS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Files sent as a stream (send_file): Flask-Compress streams Brotli and deflate, not gzip.
    "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
    # Level 5 is as quick as its default 4 on a page, and makes it some 8 % smaller.
    "COMPRESS_BR_LEVEL": 5,
    # Called below, after the ETag is made weak.
    "COMPRESS_REGISTER": False,
}
BEST = {
    "br": lambda body: brotli.compress(body, quality=11),
    "gzip": lambda body: gzip.compress(body, compresslevel=9),
}
MINIFIERS = {"text/css": rcssmin.cssmin, "text/javascript": rjsmin.jsmin}
# Vendored files come minified by their authors.
ALREADY_MINIFIED = ".min."
# (path, encoding or None) -> the body minified and compressed; a hashed path names one
# version of a file.
_compressed_once: dict[tuple[str, str], bytes] = {}


def init_app(app):
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    compress.init_app(app)

    @app.after_request
    def compress_response(response):
        # A byte range is a slice of the file as stored: compressed, it would no longer be the
        # range Content-Range names.
        if response.status_code == 206:
            return response
        compressible = response.mimetype in compress.compress_mimetypes_set
        etag, weak = response.get_etag()
        if etag and not weak and compressible:
            # The compressed file is the same file in another coding, which is what a weak
            # ETag says (nginx does the same). Flask-Compress would instead make it "…:br",
            # which send_file's own check for If-None-Match never matches: every revisit
            # would get the whole file again, never a 304.
            response.set_etag(etag, weak=True)
        if compressible and response.status_code == 200 and response.cache_control.immutable:
            _minify_and_compress_once(response)
        return compress.after_request(response)


def _minify_and_compress_once(response):
    encoding = request.accept_encodings.best_match(list(BEST))
    key = (request.path, encoding)
    body = _compressed_once.get(key)
    response.direct_passthrough = False
    if body is None:
        body = _minified(response.mimetype, response.get_data())
        if encoding is not None:
            body = BEST[encoding](body)
        _compressed_once[key] = body
    else:
        response.close()  # the file it would have sent
    response.set_data(body)
    if encoding is not None:
        # Flask-Compress leaves a response that has a Content-Encoding alone.
        response.headers["Content-Encoding"] = encoding


def _minified(mimetype: str, body: bytes) -> bytes:
    minify = MINIFIERS.get(mimetype)
    if minify is None or ALREADY_MINIFIED in request.path:
        return body
    return minify(body.decode()).encode()
