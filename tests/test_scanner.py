"""The in-app scanner's page (/scan) and the Scan button every signed-in page carries.

What the camera does is tested in a real browser (tests/browser/test_scanner.py); here: who
may open the page, that it is the code field without JavaScript, and what it hands the script.
"""

import json
from html.parser import HTMLParser

import pytest

from app.extensions import db
from tests.factories import make_asset

SCANNER_SCRIPT = "js/scanner.js"
DECODER = "vendor/qr-scanner.umd.min.js"
WORKER = "vendor/qr-scanner-worker.min.js"
STAFF = ("admin", "inspector", "repairer")


class Page(HTMLParser):
    """The tags of a page with their attributes, as a browser reads them (entities decoded)."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **wanted):
        """Tags with these attribute values: class_ for class, data_x for data-x."""
        wanted = {key.rstrip("_").replace("_", "-"): value for key, value in wanted.items()}
        return [
            attrs for name, attrs in self.tags
            if name == tag and all(attrs.get(key) == value for key, value in wanted.items())
        ]

    def scripts(self):
        return [attrs["src"] for attrs in self.find("script") if "src" in attrs]


def page(client, path, language="en"):
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/scan")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize(
    ("language", "title", "field"),
    [
        ("zh", "扫描标签", "输入二维码下方的编码"),
        ("en", "Scan a label", "Type the code under a QR label"),
    ],
)
def test_staff_get_the_scanner_in_their_language(client, auth, role, language, title, field):
    auth.login(role)
    html = page(client, "/scan", language)
    assert f"<h1>{title}</h1>" in html
    assert field in html


def test_without_javascript_the_page_is_the_code_field(client, auth):
    auth.login("inspector")
    tags = Page(page(client, "/scan"))
    (form,) = tags.find("form", method="get", action="/q")
    assert tags.find("input", name="code", id="code")
    # The camera view is hidden until the script fills and shows it.
    (view,) = [attrs for _tag, attrs in tags.tags if "data-scanner" in attrs]
    assert "hidden" in view
    assert form


def test_the_typed_code_still_opens_its_page(app, client, auth):
    with app.app_context():
        make_asset(code="ABC234")
        db.session.commit()
    auth.login("inspector")
    response = client.get("/q", query_string={"code": "abc-234"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/q/ABC234"


@pytest.mark.parametrize(
    ("language", "refused"),
    [("zh", "未获准使用摄像头"), ("en", "The camera was not allowed")],
)
def test_the_script_gets_base_url_door_decoder_and_messages(
    client, auth, static_url, language, refused
):
    auth.login("inspector")
    tags = Page(page(client, "/scan", language))
    (script,) = tags.find("script", src=static_url(SCANNER_SCRIPT))
    assert script["data-base-url"] == "http://patrol.test"
    assert script["data-door"] == "/q/"
    assert script["data-decoder"] == static_url(DECODER)
    messages = json.loads(script["data-messages"])
    assert refused in messages["refused"]
    assert "{code}" in messages["found"]
    assert all(isinstance(text, str) and text for text in messages.values())


def test_the_fallback_decoder_is_not_loaded_by_any_page(client, auth, static_url):
    """qr-scanner and its worker are fetched by scanner.js only when there is no BarcodeDetector."""
    auth.login("inspector")
    assert static_url(DECODER) not in Page(page(client, "/scan")).scripts()
    # The decoder by the name scanner.js is given; its worker by the name the decoder imports.
    for path in (static_url(DECODER), f"/static/{WORKER}"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert b"sourceMappingURL" not in response.get_data()


@pytest.mark.parametrize("role", STAFF)
def test_every_signed_in_page_has_the_scan_button(client, auth, role):
    auth.login(role)
    for path in ("/today", "/faults/", "/scan"):
        assert Page(page(client, path)).find("a", class_="scan-link", href="/scan"), path


def test_today_and_home_have_the_big_scan_button(client, auth):
    auth.login("admin")
    for path in ("/", "/today"):
        tags = Page(page(client, path))
        assert tags.find("a", class_="button primary wide scan-start", href="/scan"), path
        assert tags.find("input", name="code"), path


def test_signed_out_pages_have_no_scan_button(client):
    assert not Page(page(client, "/login")).find("a", class_="scan-link")


def test_other_pages_do_not_load_the_scanner(client, auth, static_url):
    """Only pages that scan pay for the script; the Scan button is a plain link to /scan."""
    auth.login("admin")
    for path in ("/", "/today", "/faults/"):
        response = client.get(path, follow_redirects=True)
        assert static_url(SCANNER_SCRIPT) not in Page(response.get_data(as_text=True)).scripts()
