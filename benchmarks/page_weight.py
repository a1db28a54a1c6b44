"""What a phone downloads on a first visit, as the app serves it, against the budgets.

    .venv/bin/python benchmarks/page_weight.py

Seeds the demo into a temporary database and walks two stories, each with a Flask test client
of its own (a phone with an empty cache), asking with `Accept-Encoding: br, gzip` as a phone's
browser does over HTTPS:

- a visitor, signed out, scans the swing's plate, opens "Report a fault", sends the report
  (no photo) and lands on the page it leads to: at most 60 KB;
- the inspector, signed in, scans slide 2's plate and opens the check its start button leads
  to (the plate page alone when it opens the check itself): at most 40 KB.

Each response counts the bytes of its body as sent, compressed when the app compressed it (the
table shows the uncompressed size beside it); headers are left out. Each page brings the files
it references (<link>, <script>, <img>, srcset, and url() in its stylesheets), the icons the
manifest names (Chrome fetches them to offer "install"), and, after the first page, the service
worker's install: /sw.js, the scripts it imports and the shell it precaches. The phone's HTTP
cache is modelled: a file is received once, except that a worker asking with `cache: "reload"`
goes past the HTTP cache and receives its shell again, a second copy. Exits with status 1 when
a story is over its budget.

Then, on lines of their own: what the inspector's phone adds on a browser without
BarcodeDetector (iOS Safari, Firefox), whose worker asks for the QR decoder too and whose
in-app scanner loads it; and every reference to another host (the budget is none).
"""

import gzip
import json
import re
import sys
import zlib
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import brotli
from flask_migrate import upgrade
from large_school import school_app  # beside this script

from app.demo import kindergarten
from app.demo.seed import seed_demo
from app.extensions import db

APP_ORIGIN = "http://localhost"
BASE_URL = "https://patrol.example-school.cn"
ACCEPT_ENCODING = "br, gzip"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, "deflate": zlib.decompress}
VISITOR_BUDGET = 60 * 1024
INSPECTOR_BUDGET = 40 * 1024
SWING = "5ST6JX"  # the README's fault story
SUBRESOURCE_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest",
                    "preload", "modulepreload"}
FETCHED_BY_SRC = {"script", "img", "source", "video", "audio", "iframe", "embed", "input"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
SERVICE_WORKER = "/sw.js"
# What the server writes at the top of /sw.js (app/offline/views.py): the shell's files.
SHELL_LIST = re.compile(r"PATROL_SHELL\s*=\s*(\{.*?\});\s*$", re.MULTILINE)
IMPORT_SCRIPTS = re.compile(r"importScripts\(([^)]*)\)")
QUOTED = re.compile(r"""["']([^"']+)["']""")
SHELL_FIELD = re.compile(r"PATROL_SHELL\.(\w+)")
PAST_HTTP_CACHE = re.compile(r"""cache:\s*["']reload["']""")
DYNAMIC_IMPORT = re.compile(r"""import\(\s*["']([^"']+)["']\s*\)""")
SCANNER_PAGE = "/scan"
NAME_WIDTH = 58


class References(HTMLParser):
    """What a page makes the browser fetch, every address it names, its links, the forms it
    posts and the decoder its scanner script would load."""

    def __init__(self):
        super().__init__()
        self.subresources = []
        self.addresses = []
        self.links = []
        self.start_check = None
        self.manifest = None
        self.decoder = None
        self.forms = []  # (action, the values it already carries)
        self.user = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "action", "poster", "data"):
            if attrs.get(name):
                self.addresses.append(attrs[name])
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.addresses.append(candidate.split()[0])
                self.subresources.append(candidate.split()[0])
        rels = set((attrs.get("rel") or "").lower().split())
        if tag == "link" and rels & SUBRESOURCE_RELS and attrs.get("href"):
            self.subresources.append(attrs["href"])
            if "manifest" in rels:
                self.manifest = attrs["href"]
        if tag in FETCHED_BY_SRC and attrs.get("src"):
            self.subresources.append(attrs["src"])
        if tag == "script" and attrs.get("data-decoder"):
            self.decoder = attrs["data-decoder"]
            self.addresses.append(self.decoder)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if "start-check" in (attrs.get("class") or "").split():
                self.start_check = attrs["href"]
        if tag == "body":
            self.user = attrs.get("data-user") or ""
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append((attrs.get("action"), {}))
        if tag == "input" and self.forms and attrs.get("type") == "hidden" and attrs.get("name"):
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""


def worker_address(references, barcode_detector=True):
    """What static/js/outbox.js registers: the signed-in user, and ?decoder=1 on a browser
    without BarcodeDetector."""
    asked = [f"user={references.user}"] if references.user else []
    if not barcode_detector:
        asked.append("decoder=1")
    return SERVICE_WORKER + ("?" + "&".join(asked) if asked else "")


def is_other_host(address, own_hosts):
    parts = urlsplit(address)
    if address.startswith("//") or parts.scheme in ("http", "https"):
        return parts.netloc not in own_hosts
    return False


def resolve(address, against):
    """A same-origin address as the test client asks for it: path and query."""
    parts = urlsplit(urljoin(APP_ORIGIN + against, address))
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Phone:
    """One phone's first visit: what it receives, in order, and its HTTP cache."""

    def __init__(self, client, own_hosts):
        self.client = client
        self.own_hosts = own_hosts
        self.cache = {}  # path: the body as the page reads it (uncompressed)
        self.received = []  # (path, bytes sent, bytes uncompressed, encoding, why again)
        self.foreign = []

    def receive(self, path, response, again=""):
        sent = response.get_data()
        encoding = response.headers.get("Content-Encoding", "")
        body = DECODE[encoding](sent) if encoding else sent
        self.received.append((path, len(sent), len(body), encoding, again))
        return body

    def get(self, path, past_http_cache=False):
        if path in self.cache and not past_http_cache:
            return self.cache[path]
        again = "again: past the HTTP cache" if path in self.cache else ""
        response = self.client.get(path, headers={"Accept-Encoding": ACCEPT_ENCODING})
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        self.cache[path] = self.receive(path, response, again)
        return self.cache[path]

    def post(self, path, data):
        """Send a form; returns where its answer sends the phone."""
        response = self.client.post(path, data=data, headers={"Accept-Encoding": ACCEPT_ENCODING})
        if response.status_code not in (302, 303):
            raise SystemExit(f"POST {path} answered {response.status_code}")
        self.receive(f"POST {path}", response)
        return resolve(response.headers["Location"], path)

    def page(self, path):
        """A page and every file it references; returns its references."""
        references = References()
        references.feed(self.get(path).decode())
        self.foreign += [
            (path, address)
            for address in references.addresses
            if is_other_host(address, self.own_hosts)
        ]
        pending = [
            resolve(address, path)
            for address in references.subresources
            if not is_other_host(address, self.own_hosts) and not address.startswith("data:")
        ]
        while pending:
            file_path = pending.pop(0)
            known = file_path in self.cache
            body = self.get(file_path)
            if file_path.endswith(".css") or ".css?" in file_path:
                if known:
                    continue
                for address in CSS_URL.findall(body.decode()):
                    if is_other_host(address, self.own_hosts):
                        self.foreign.append((file_path, address))
                    elif not address.startswith("data:"):
                        pending.append(resolve(address, file_path))
        return references

    def install_icons(self, manifest_path):
        """The icons the manifest names, which Chrome fetches to offer "install"."""
        for icon in json.loads(self.get(manifest_path)).get("icons", []):
            if is_other_host(icon["src"], self.own_hosts):
                self.foreign.append((manifest_path, icon["src"]))
            else:
                self.get(resolve(icon["src"], manifest_path))

    def install_service_worker(self, worker):
        """The worker, what it imports and the shell it precaches; False without a worker."""
        response = self.client.get(worker, headers={"Accept-Encoding": ACCEPT_ENCODING})
        if response.status_code != 200:
            return False
        source = self.receive(worker, response).decode()
        found = SHELL_LIST.search(source)
        shell = json.loads(found.group(1)) if found else {}
        for call in IMPORT_SCRIPTS.findall(source):
            named = [*QUOTED.findall(call), *(shell[f] for f in SHELL_FIELD.findall(call))]
            for address in named:
                self.get(resolve(address, worker))
        past_http_cache = bool(PAST_HTTP_CACHE.search(source))
        for url in shell.get("urls", []):
            self.get(resolve(url, worker), past_http_cache=past_http_cache)
        return True

    def decoder(self, decoder_address):
        """What scanner.js loads without BarcodeDetector: the decoder and the worker it imports."""
        decoder = resolve(decoder_address, SCANNER_PAGE)
        for address in DYNAMIC_IMPORT.findall(self.get(decoder).decode()):
            self.get(resolve(address, decoder))

    def sent(self):
        return sum(sent for _, sent, _, _, _ in self.received)

    def print(self, title, budget=None, start=0, end=None):
        """The responses received[start:end], their total, and whether it is within budget."""
        print(f"{title}\n{'':2}{'received':{NAME_WIDTH - 2}}{'raw':>9}{'sent':>9}  encoding")
        raw = sent = 0
        for path, sent_bytes, raw_bytes, encoding, again in self.received[start:end]:
            raw, sent = raw + raw_bytes, sent + sent_bytes
            name = path if len(path) <= NAME_WIDTH - 2 else path[: NAME_WIDTH - 3] + "…"
            print(f"{'':2}{name:{NAME_WIDTH - 2}}{raw_bytes:>9}{sent_bytes:>9}  "
                  f"{encoding or '-'}{'  ' + again if again else ''}")
        line = f"{'':2}{'total':{NAME_WIDTH - 2}}{raw:>9}{sent:>9}  = {sent / 1024:.1f} KB"
        within = True
        if budget is not None:
            within = sent <= budget
            line += f", {'within' if within else 'OVER'} the {budget // 1024} KB budget"
        print(line)
        print()
        return within


def own_hosts():
    return {urlsplit(APP_ORIGIN).netloc, urlsplit(BASE_URL).netloc}


def visitor_reports_a_fault(app):
    """Signed out: the swing's plate, its report form, the report sent, the page it leads to."""
    phone = Phone(app.test_client(), own_hosts())
    phone.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    plate = f"/q/{SWING}"
    references = phone.page(plate)
    phone.install_service_worker(worker_address(references))
    if references.manifest:
        phone.install_icons(resolve(references.manifest, plate))
    report = next((link for link in references.links if link.endswith("/report")), None)
    if report is None:
        sys.exit(f"the plate page {plate} has no link to report a fault")
    report = resolve(report, plate)
    action, carried = phone.page(report).forms[-1]
    answer = phone.post(resolve(action or report, report), {
        **carried,
        "description": "秋千的链条锈断了。",
        "urgency": "unsafe",
        "public_name": "王女士",
        "public_phone": "",
    })
    phone.page(answer)
    return phone


def inspector_checks_a_slide(app, barcode_detector=True):
    """Signed in: slide 2's plate and the check it leads to."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    login = {"username": "inspector", "password": kindergarten.DEMO_PASSWORD}
    if client.post("/login", data=login).status_code != 302:
        sys.exit("could not sign in as inspector")
    phone = Phone(client, own_hosts())
    plate = f"/q/{kindergarten.START_ASSET}"
    references = phone.page(plate)
    phone.install_service_worker(worker_address(references, barcode_detector))
    if references.manifest:
        phone.install_icons(resolve(references.manifest, plate))
    if references.start_check:
        phone.page(resolve(references.start_check, plate))
    return phone


def main():
    with school_app(BASE_URL=BASE_URL) as school:
        with school.app.app_context():
            upgrade()
            seed_demo()
            db.session.remove()
        visitor = visitor_reports_a_fault(school.app)
        inspector = inspector_checks_a_slide(school.app)
        # The same inspector on a phone without BarcodeDetector, who then opens the scanner.
        ios = inspector_checks_a_slide(school.app, barcode_detector=False)
        checked = len(ios.received)
        scanner = ios.page(SCANNER_PAGE)
        if scanner.decoder:
            ios.decoder(scanner.decoder)

    print(f"Sent as the app serves them to Accept-Encoding: {ACCEPT_ENCODING}\n")
    within = visitor.print(
        f"A visitor, signed out: /q/{SWING}, its fault report sent, and the service worker",
        VISITOR_BUDGET,
    )
    within &= inspector.print(
        f"The inspector, signed in: /q/{kindergarten.START_ASSET}, its check, and the service "
        "worker",
        INSPECTOR_BUDGET,
    )
    ios.print(
        "The inspector on a browser without BarcodeDetector (iOS Safari, Firefox): the same, "
        "its worker asked for with ?decoder=1",
        end=checked,
    )
    ios.print("then its Scan button: /scan, and the decoder its script loads", start=checked)
    print(f"without BarcodeDetector, the check and then the scanner: {ios.sent() / 1024:.1f} KB\n")

    foreign = visitor.foreign + inspector.foreign + ios.foreign
    print(f"references to another host: {len(foreign)}")
    for page, address in foreign:
        print(f"  {page}: {address}")
    if not within or foreign:
        sys.exit(1)


if __name__ == "__main__":
    main()
