"""The in-app scanner in Chromium: which codes it follows, and a real scan through a camera.

The camera is Chromium's fake capture device playing a Y4M video of a printed QR label, so
the page really decodes frames. Headless Linux Chromium has no BarcodeDetector, so these scans
go through the vendored qr-scanner fallback, as on iOS Safari and Firefox.
"""

import pytest
import qrcode
from flask import url_for
from PIL import Image

from app.models.code import is_well_formed, normalize_code
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LOCALES, PHONE
from tests.browser.helpers import sign_in
from tests.browser.test_languages import CONTROLS, SMALL_TARGETS

SLIDE_2 = "4ZGV4P"
BASE = "https://patrol.example-school.cn"
DECIDE = "([text, base]) => window.patrolScanner.decide(text, base)"

# (scanned text, BASE_URL, the code it opens or None when it is shown, not opened)
DECISIONS = [
    (f"{BASE}/q/{SLIDE_2}", BASE, SLIDE_2),
    (f"  {BASE}/q/{SLIDE_2}\n", BASE, SLIDE_2),
    (f"https://PATROL.example-school.cn/q/{SLIDE_2}", BASE, SLIDE_2),
    (f"https://patrol.example-school.cn:443/q/{SLIDE_2}", BASE, SLIDE_2),
    (f"https://school.cn/patrol/q/{SLIDE_2}", "https://school.cn/patrol", SLIDE_2),
    (f"http://192.168.1.20:5000/q/{SLIDE_2}", "http://192.168.1.20:5000", SLIDE_2),
    # another site, another scheme or port, a lookalike host
    (f"https://evil.example/q/{SLIDE_2}", BASE, None),
    (f"http://patrol.example-school.cn/q/{SLIDE_2}", BASE, None),
    (f"https://patrol.example-school.cn:8443/q/{SLIDE_2}", BASE, None),
    (f"https://patrol.example-school.cn.evil.example/q/{SLIDE_2}", BASE, None),
    (f"https://patrol.example-school.cn@evil.example/q/{SLIDE_2}", BASE, None),
    (f"https://user@patrol.example-school.cn/q/{SLIDE_2}", BASE, None),
    (f"https://pаtrol.example-school.cn/q/{SLIDE_2}", BASE, None),  # Cyrillic а
    (f"https://example-school.cn/q/{SLIDE_2}", BASE, None),
    (f"//patrol.example-school.cn/q/{SLIDE_2}", BASE, None),
    (f"https://school.cn/q/{SLIDE_2}", "https://school.cn/patrol", None),
    # not a script, not a code's page
    ("javascript:alert(document.cookie)", BASE, None),
    (f"javascript://patrol.example-school.cn/q/{SLIDE_2}", BASE, None),
    (f"data:text/html,<script>alert(1)</script>{SLIDE_2}", BASE, None),
    (f"{BASE}/q/{SLIDE_2}/replace", BASE, None),
    (f"{BASE}/q/{SLIDE_2}?next=https://evil.example", BASE, None),
    (f"{BASE}/q/{SLIDE_2}#x", BASE, None),
    (f"{BASE}/q/4ZGV4O", BASE, None),
    (f"{BASE}/q/%34ZGV4P", BASE, None),
    (f"{BASE}/q/../users", BASE, None),
    (f"{BASE}/login?next=/q/{SLIDE_2}", BASE, None),
    (f"{BASE}/q/{SLIDE_2.lower()}", BASE, None),
    # bare codes, as typed in the code field
    (SLIDE_2, BASE, SLIDE_2),
    (SLIDE_2.lower(), BASE, SLIDE_2),
    ("4zg-v4p", BASE, SLIDE_2),
    ("４ＺＧＶ４Ｐ", BASE, SLIDE_2),
    ("4ZGV4", BASE, None),
    ("4ZGV4PP", BASE, None),
    ("0ZGV4P", BASE, None),
    ("", BASE, None),
    ("WIFI:S:school;T:WPA;P:secret;;", BASE, None),
]


def y4m_of_qr(path, text, size=(640, 480)):
    """A two-frame Y4M video of a QR label, for Chromium's fake camera to play on a loop."""
    code = qrcode.make(text, border=4, box_size=8).get_image().convert("L")
    frame = Image.new("L", size, 255)
    frame.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(2):
            video.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def camera(browser, tmp_path):
    """Makes a phone whose rear camera sees a QR label of `text`: `camera(text, "zh")`.

    With allowed=False the person refuses the camera when the browser asks.

    A browser of its own, launched through the suite's Playwright, with the fake camera.
    """
    opened = []

    def make(text, language="zh", allowed=True):
        video = y4m_of_qr(tmp_path / f"label{len(opened)}.y4m", text)
        with_camera = browser.browser_type.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"],
        )
        opened.append(with_camera)
        context = with_camera.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            locale=LOCALES[language], permissions=["camera"] if allowed else [],
            # Playwright's routes do not see what Patrol's service worker answers; the
            # scanner's tests route pages and do not test offline.
            service_workers="block",
        )
        context.set_default_timeout(15_000)
        # Every camera stream the page takes, so a test can see it released.
        context.add_init_script("""
            window.cameraStreams = [];
            const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
            navigator.mediaDevices.getUserMedia = (constraints) => getUserMedia(constraints)
              .then((stream) => { window.cameraStreams.push(stream); return stream; });
        """)
        return context.new_page()

    yield make
    for with_camera in opened:
        with_camera.close()


def released(page):
    return page.evaluate("""() => window.cameraStreams.length > 0 && window.cameraStreams.every(
        (stream) => stream.getTracks().every((track) => track.readyState === "ended"))""")


def test_follows_only_this_patrols_labels(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/scan")
    decided = [page.evaluate(DECIDE, [text, base]) for text, base, _code in DECISIONS]
    wrong = [
        f"{text!r} with BASE_URL {base}: {got!r}, expected {code!r}"
        for (text, base, code), got in zip(DECISIONS, decided, strict=True)
        if got != code
    ]
    assert not wrong, "\n".join(wrong)


def test_a_bare_code_is_read_as_the_code_field_reads_it(live_server, phone):
    page = phone("en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/scan")
    for typed in [SLIDE_2, "4zgv4p", " 4ZG V4P ", "4_ZG-V4P", "ＡＢＣ２３４", "ABC23", "ABC2345",
                  "ABCI23", "abc-23o", "ǅ23456", "ﬀ2345"]:
        canonical = normalize_code(typed.strip())
        expected = canonical if is_well_formed(canonical) else None
        assert page.evaluate(DECIDE, [typed, BASE]) == expected, typed


@pytest.mark.parametrize("language", ["zh", "en"])
def test_scanning_a_label_opens_its_page(live_server, camera, language):
    page = camera(f"{live_server.url}/q/{SLIDE_2}", language)
    sign_in(page, live_server, "inspector")
    loaded = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(f"{live_server.url}/scan")
    native = page.evaluate("""async () => "BarcodeDetector" in window &&
        (await BarcodeDetector.getSupportedFormats()).includes("qr_code")""")
    page.wait_for_url(f"{live_server.url}/q/{SLIDE_2}")
    assert page.locator("form.inspection").count() == 1
    with live_server.app.test_request_context():
        decoder = live_server.url + url_for("static", filename="vendor/qr-scanner.umd.min.js")
    assert (decoder in loaded) is not native


def test_another_sites_code_is_shown_not_opened(live_server, camera):
    hostile = 'javascript:alert(1)//<img src=x onerror="window.hacked=1">'
    page = camera(hostile, "zh")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/scan")
    shown = page.locator(".scanner-foreign")
    shown.wait_for()
    assert "这不是本校 Patrol 的标签，因此没有打开" in shown.inner_text()
    assert page.locator(".scanner-text").inner_text() == hostile
    assert page.locator(".scanner img").count() == 0
    assert page.evaluate("window.hacked") is None
    assert page.url == f"{live_server.url}/scan"


def test_continuous_scanning_reports_a_code_once_while_it_stays_in_view(live_server, camera):
    """The API a stocktake uses: keep scanning, each item counted once."""
    page = camera(SLIDE_2, "en")
    sign_in(page, live_server, "inspector")
    # A page that loads the scanner but does not open codes by itself, as a stocktake's does.
    def without_autostart(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace("data-scanner", "data-x"))

    page.route(f"{live_server.url}/scan", without_autostart)
    page.goto(f"{live_server.url}/scan")
    page.evaluate("""() => {
        window.seen = [];
        window.scan = window.patrolScanner.open({
          onCode: (code, url) => { window.seen.push([code, url]); return true; },
          onClose: () => { window.scannerClosed = true; },
        });
    }""")
    page.wait_for_function("window.seen.length > 0")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.seen") == [[SLIDE_2, f"{live_server.url}/q/{SLIDE_2}"]]
    assert page.locator(".scanner-overlay video").is_visible()

    page.click(".scanner-overlay button:has-text('Close')")
    assert page.locator(".scanner-overlay").count() == 0
    assert page.evaluate("window.scannerClosed") is True
    assert released(page)


def test_the_camera_is_released_when_the_page_is_left(live_server, camera):
    page = camera("not a label", "en")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/scan")
    page.locator(".scanner-foreign").wait_for()
    assert not released(page)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    assert released(page)


@pytest.mark.parametrize(
    ("language", "refused"),
    [("zh", "未获准使用摄像头"), ("en", "The camera was not allowed")],
)
def test_a_refused_camera_is_explained_and_the_field_still_works(
    live_server, camera, language, refused
):
    page = camera(SLIDE_2, language, allowed=False)
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/scan")
    page.locator(".scanner-status", has_text=refused).wait_for()
    page.fill("input[name=code]", SLIDE_2.lower())
    page.click("form.code-entry button")
    page.wait_for_url(f"{live_server.url}/q/{SLIDE_2}")


def test_a_phone_without_a_camera_is_told_so(live_server, phone):
    page = phone("zh")
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/scan")
    page.locator(".scanner-status", has_text="没有找到摄像头").wait_for()
    assert page.locator(".scanner video").is_hidden()
    assert page.locator("input[name=code]").is_visible()


def _fits_the_phone(page):
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"
    assert page.evaluate(SMALL_TARGETS, CONTROLS) == []
    # The header's controls each keep to one line: none squeezed into wrapping.
    tall = page.evaluate("""() => Array.from(document.querySelectorAll(
        "header.topbar .scan-link, header.topbar .language button, header.topbar .menu > summary"))
        .filter((el) => el.getBoundingClientRect().height > 46).map((el) => el.outerHTML)""")
    assert tall == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_scan_button_and_page_fit_the_phone(live_server, camera, language):
    """As the logistics head, whose header also counts the jobs waiting on her."""
    page = camera("not a label", language)
    sign_in(page, live_server, "admin")
    assert page.locator("header .waiting").is_visible()
    _fits_the_phone(page)
    page.click("main a.scan-start")
    page.wait_for_url(f"{live_server.url}/scan")
    page.locator(".scanner-foreign").wait_for()
    _fits_the_phone(page)
    page.goto(f"{live_server.url}/today")
    page.click("header a.scan-link")
    page.wait_for_url(f"{live_server.url}/scan")


def test_without_javascript_the_scan_page_is_the_code_field(live_server, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/scan")
    assert not page.locator("[data-scanner]").is_visible()
    page.fill("input[name=code]", SLIDE_2)
    page.click("form.code-entry button")
    page.wait_for_url(f"{live_server.url}/q/{SLIDE_2}")
    context.close()


def test_plain_http_on_the_lan_is_explained(live_server, browser):
    """A phone on the school's Wi-Fi at http://<name>:port is not a secure context."""
    port = live_server.url.rsplit(":", 1)[1]
    lan = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
              "--host-resolver-rules=MAP patrol.lan 127.0.0.1"],
    )
    try:
        page = lan.new_context(viewport=PHONE, locale="en-GB", permissions=["camera"]).new_page()
        on_the_lan = type("Server", (), {"url": f"http://patrol.lan:{port}"})
        sign_in(page, on_the_lan, "inspector")
        loaded = []
        page.on("request", lambda request: loaded.append(request.url))
        page.goto(f"{on_the_lan.url}/scan")
        assert page.evaluate("window.isSecureContext") is False
        page.locator(".scanner-status", has_text="needs a secure connection").wait_for()
        assert page.locator("input[name=code]").is_visible()
        # Nothing to start, and no decoder fetched for a camera that cannot be had.
        assert page.locator(".scanner button").is_hidden()
        assert not [url for url in loaded if "/vendor/" in url]
    finally:
        lan.close()
