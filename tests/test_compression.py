"""Responses compressed by the app for a browser that accepts it, and nothing broken by it:
guards, revalidation (304), byte ranges, downloads and images."""

import gzip

import brotli
import rcssmin
import rjsmin

from app.extensions import db
from tests.factories import make_asset

BROTLI_OR_GZIP = {"Accept-Encoding": "br, gzip"}
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


def decoded(response):
    return DECODE[response.headers["Content-Encoding"]](response.get_data())


def test_pages_are_compressed_for_a_browser_that_accepts_it(client):
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    for accepted, encoding in (("br, gzip", "br"), ("gzip, deflate", "gzip")):
        response = client.get("/login", headers={"Accept-Encoding": accepted})
        assert response.headers["Content-Encoding"] == encoding
        assert len(response.get_data()) < len(plain.get_data()) / 2
        assert decoded(response) == plain.get_data()
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_a_static_file_is_compressed_and_revalidated(app, client, static_url):
    with open(f"{app.static_folder}/css/patrol.css") as stored:
        as_stored = stored.read()
    hashed = static_url("css/patrol.css")
    for url, body in ((hashed, rcssmin.cssmin(as_stored)), ("/static/css/patrol.css", as_stored)):
        response = client.get(url, headers=BROTLI_OR_GZIP)
        assert response.headers["Content-Encoding"] == "br", url
        assert decoded(response) == body.encode()
        # Weak: the same file in another coding. A phone that asks again with it gets a 304.
        assert response.headers["ETag"].startswith('W/"')
        revisit = {**BROTLI_OR_GZIP, "If-None-Match": response.headers["ETag"]}
        again = client.get(url, headers=revisit)
        assert again.status_code == 304, url
        assert again.get_data() == b""


def test_a_hashed_file_is_compressed_once_at_the_best_level(client, static_url):
    url = static_url("js/outbox.js")
    first = client.get(url, headers=BROTLI_OR_GZIP)
    second = client.get(url, headers=BROTLI_OR_GZIP)
    assert first.get_data() == second.get_data()
    assert int(first.headers["Content-Length"]) == len(first.get_data())
    plain = client.get("/static/js/outbox.js", headers=BROTLI_OR_GZIP)
    assert len(first.get_data()) < len(plain.get_data())
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert decoded(gzipped) == decoded(first)
    assert "Content-Encoding" not in client.get(url).headers


def test_our_scripts_and_stylesheet_are_minified_under_their_hashed_names(app, client, static_url):
    for name, minify in (("js/outbox.js", rjsmin.jsmin), ("css/patrol.css", rcssmin.cssmin)):
        with open(f"{app.static_folder}/{name}") as stored:
            as_stored = stored.read()
        minified = minify(as_stored).encode()
        assert len(minified) < 0.9 * len(as_stored.encode()), name
        hashed = static_url(name)
        assert decoded(client.get(hashed, headers=BROTLI_OR_GZIP)) == minified
        assert client.get(hashed).get_data() == minified
        # The plain name, for what names a file by hand, is the file as stored.
        assert client.get(f"/static/{name}").get_data() == as_stored.encode()


def test_a_vendored_minified_script_is_sent_as_its_authors_made_it(app, client, static_url):
    name = "vendor/signature_pad.umd.min.js"
    response = client.get(static_url(name), headers=BROTLI_OR_GZIP)
    with open(f"{app.static_folder}/{name}", "rb") as stored:
        assert decoded(response) == stored.read()


def test_a_byte_range_is_sent_as_stored(app, client):
    response = client.get(
        "/static/css/patrol.css", headers={**BROTLI_OR_GZIP, "Range": "bytes=0-9"}
    )
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    with open(f"{app.static_folder}/css/patrol.css", "rb") as stored:
        assert response.get_data() == stored.read(10)


def test_images_are_sent_as_they_are(client, static_url):
    response = client.get(static_url("icons/patrol-192.png"), headers=BROTLI_OR_GZIP)
    assert "Content-Encoding" not in response.headers
    assert response.get_data().startswith(b"\x89PNG")


def test_a_qr_code_svg_is_compressed_and_revalidated(app, client, auth):
    with app.app_context():
        make_asset(code="ABC234")
        db.session.commit()
    auth.login("admin")
    response = client.get("/labels/qr/ABC234.svg", headers=BROTLI_OR_GZIP)
    assert response.headers["Content-Encoding"] == "br"
    assert decoded(response).startswith(b"<svg")
    revisit = {**BROTLI_OR_GZIP, "If-None-Match": response.headers["ETag"]}
    again = client.get("/labels/qr/ABC234.svg", headers=revisit)
    assert again.status_code == 304


def test_a_csv_download_streams_as_it_is(app, client, auth):
    with app.app_context():
        make_asset(code="ABC234")
        db.session.commit()
    auth.login("admin")
    plain = client.get("/register/export.csv")
    response = client.get("/register/export.csv", headers=BROTLI_OR_GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.get_data() == plain.get_data()
    assert "ABC234" in response.get_data(as_text=True)
