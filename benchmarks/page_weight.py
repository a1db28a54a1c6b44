"""What a phone downloads on a first visit to the scan page and the inspection form.

    .venv/bin/python benchmarks/page_weight.py

Seeds the demo into a temporary database, signs in as `inspector` and fetches, with the Flask
test client, slide 2's scan page and the inspection form its start button leads to, then
every same-origin file they reference: stylesheets, scripts, images, icons and the manifest
(<link>, <script>, <img>…), and what the stylesheets reference with url(). Prints each file's
raw size and gzip size (level 6, as a typical server compresses) and the total for both pages
on a first visit (a shared file counted once) against the 60 KB budget.

Then, each on lines of its own, what a first visit also costs beyond what the pages name:
- the icons the manifest names (a browser fetches them to offer "install");
- the service worker, when the app serves /sw.js: the worker, the scripts it imports and
  the app shell it precaches when it installs (in the background, on that same first visit);
- the in-app scanner: its page (/scan) and script, and, separately, the decoder and worker
  that scanner.js loads only on a browser without BarcodeDetector (iOS Safari, Firefox).

Last, every reference to another host (the budget is none).
"""

import gzip
import json
import re
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask_migrate import upgrade
from large_school import school_app, signed_in_client  # beside this script

from app.demo import kindergarten
from app.demo.seed import seed_demo
from app.extensions import db

APP_ORIGIN = "http://localhost"
BASE_URL = "https://patrol.example-school.cn"
BUDGET_BYTES = 60 * 1024
SUBRESOURCE_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest",
                    "preload", "modulepreload"}
FETCHED_BY_SRC = {"script", "img", "source", "video", "audio", "iframe", "embed", "input"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
SERVICE_WORKER = "/sw.js"
# What the server writes at the top of /sw.js (app/offline/views.py): the shell's files.
SHELL_LIST = re.compile(r"PATROL_SHELL\s*=\s*(\{.*?\});\s*$", re.MULTILINE)
IMPORT_SCRIPTS = re.compile(r"importScripts\(([^)]*)\)")
QUOTED = re.compile(r"""["']([^"']+)["']""")
DYNAMIC_IMPORT = re.compile(r"""import\(\s*["']([^"']+)["']\s*\)""")
SCANNER_PAGE = "/scan"
NAME_WIDTH = 60


class References(HTMLParser):
    """The files a page makes the browser fetch, every address it names, its start link and
    the decoder its scanner script would load."""

    def __init__(self):
        super().__init__()
        self.subresources = []
        self.addresses = []
        self.start_check = None
        self.manifest = None
        self.decoder = None

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
        if tag == "a" and "start-check" in (attrs.get("class") or "").split():
            self.start_check = attrs.get("href")


def is_other_host(address, own_hosts):
    parts = urlsplit(address)
    if address.startswith("//") or parts.scheme in ("http", "https"):
        return parts.netloc not in own_hosts
    return False


def own_path(address):
    """A same-origin address as the test client asks for it: path and query."""
    if not address:
        return None
    parts = urlsplit(address)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def resolve(address, against):
    return urlsplit(urljoin(APP_ORIGIN + against, address)).path


def gzipped_size(body):
    return len(gzip.compress(body, compresslevel=6))


class Visit:
    """A phone's cache: every same-origin file fetched once, in the order first needed."""

    def __init__(self, client, own_hosts):
        self.client = client
        self.own_hosts = own_hosts
        self.bodies = {}
        self.foreign = []

    def fetch(self, path, required=True):
        if path in self.bodies:
            return self.bodies[path]
        response = self.client.get(path)
        if response.status_code != 200:
            if required:
                raise SystemExit(f"GET {path} answered {response.status_code}")
            return None
        self.bodies[path] = response.get_data()
        return self.bodies[path]

    def page(self, path):
        """Fetch a page and every file it references; returns its references and the paths."""
        fetched = [path]
        references = References()
        references.feed(self.fetch(path).decode())
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
            if file_path in fetched:
                continue
            fetched.append(file_path)
            body = self.fetch(file_path)
            if file_path.endswith(".css"):
                for address in CSS_URL.findall(body.decode()):
                    if is_other_host(address, self.own_hosts):
                        self.foreign.append((file_path, address))
                    elif not address.startswith("data:"):
                        pending.append(resolve(address, file_path))
        return references, fetched


def new_files(paths, counted):
    """The paths not counted yet, in order; marks them counted."""
    fresh = [path for path in dict.fromkeys(paths) if path not in counted]
    counted.update(fresh)
    return fresh


def print_files(visit, paths):
    raw = compressed = 0
    for path in paths:
        body = visit.bodies[path]
        size = gzipped_size(body)
        raw += len(body)
        compressed += size
        print(f"{path:{NAME_WIDTH}}{len(body):>10}{size:>9}")
    return raw, compressed


def print_total(label, raw, compressed, budget=False):
    line = f"{label:{NAME_WIDTH}}{raw:>10}{compressed:>9}  = {compressed / 1024:.1f} KB"
    if budget:
        verdict = "within" if compressed < BUDGET_BYTES else "OVER"
        line += f", {verdict} the 60 KB budget"
    print(line)


def manifest_icons(visit, manifest_path):
    body = visit.fetch(manifest_path)
    icons = []
    for icon in json.loads(body).get("icons", []):
        if is_other_host(icon["src"], visit.own_hosts):
            visit.foreign.append((manifest_path, icon["src"]))
        else:
            icons.append(resolve(icon["src"], manifest_path))
    for icon in icons:
        visit.fetch(icon)
    return icons


def service_worker_files(visit):
    """/sw.js, what it imports and what it precaches; None when the app has no worker."""
    body = visit.fetch(SERVICE_WORKER, required=False)
    if body is None:
        return None, None
    source = body.decode()
    imported = [
        resolve(address, SERVICE_WORKER)
        for call in IMPORT_SCRIPTS.findall(source)
        for address in QUOTED.findall(call)
    ]
    shell = SHELL_LIST.search(source)
    precached = [resolve(url, SERVICE_WORKER) for url in json.loads(shell.group(1))["urls"]] \
        if shell else None
    for path in [*imported, *(precached or [])]:
        visit.fetch(path)
    return [SERVICE_WORKER, *imported], precached


def lazy_decoder_files(visit, decoder_address):
    """The decoder scanner.js loads, and what the decoder itself imports (its worker)."""
    decoder = resolve(decoder_address, SCANNER_PAGE)
    found = [decoder]
    for address in DYNAMIC_IMPORT.findall(visit.fetch(decoder).decode()):
        found.append(resolve(address, decoder))
        visit.fetch(found[-1])
    return found


def main():
    with school_app(BASE_URL=BASE_URL) as school:
        with school.app.app_context():
            upgrade()
            seed_demo()
            db.session.remove()

        # Chinese, the users' first language and the app's default.
        client = signed_in_client(school.app, "inspector", kindergarten.DEMO_PASSWORD)

        visit = Visit(client, {urlsplit(APP_ORIGIN).netloc, urlsplit(BASE_URL).netloc})
        scan_page = f"/q/{kindergarten.START_ASSET}"
        scan_refs, scan_files = visit.page(scan_page)
        form_page = own_path(scan_refs.start_check)
        if form_page is None:
            sys.exit(f"the scan page {scan_page} has no start button (a.start-check)")
        form_refs, form_files = visit.page(form_page)
        manifest = scan_refs.manifest or form_refs.manifest
        icons = manifest_icons(visit, resolve(manifest, scan_page)) if manifest else []
        worker, precached = service_worker_files(visit)
        scanner_refs, scanner_files = visit.page(SCANNER_PAGE)
        decoder = lazy_decoder_files(visit, scanner_refs.decoder) if scanner_refs.decoder else []

    counted = set()
    print(f"{'file':{NAME_WIDTH}}{'raw bytes':>10}{'gzip -6':>9}")
    first = print_files(visit, new_files([*scan_files, *form_files], counted))
    print_total("first visit, scan page + inspection form", *first, budget=True)

    extra_raw = extra_gzip = 0
    if icons:
        print()
        print("icons the manifest names (fetched when the browser offers to install):")
        raw, compressed = print_files(visit, new_files(icons, counted))
        print_total("  install icons", raw, compressed)
        extra_raw, extra_gzip = extra_raw + raw, extra_gzip + compressed
    print()
    if worker is None:
        print(f"service worker: none ({SERVICE_WORKER} is not served)")
    else:
        print(f"service worker: {SERVICE_WORKER}, its imports and, when it installs, the shell "
              "it precaches, not counted above:")
        if precached is None:
            print(f"  (no precache list found in {SERVICE_WORKER}: only the worker is counted)")
        raw, compressed = print_files(visit, new_files([*worker, *(precached or [])], counted))
        print_total("  service worker and precache", raw, compressed)
        extra_raw, extra_gzip = extra_raw + raw, extra_gzip + compressed
    if extra_gzip:
        print_total("first visit with all of the above", first[0] + extra_raw,
                    first[1] + extra_gzip, budget=True)

    print()
    print(f"in-app scanner: {SCANNER_PAGE} and the files it loads, beyond those counted above:")
    scanner = print_files(visit, new_files(scanner_files, set(scan_files) | set(form_files)))
    print_total("  scanner page", *scanner)
    print("loaded by scanner.js only without BarcodeDetector (iOS Safari, Firefox), on opening "
          "the camera:")
    # Measured on their own: a phone may have them from the precache, but they are its weight.
    lazy = print_files(visit, decoder)
    print_total("  fallback decoder", *lazy)
    print_total("first visit through the Scan button, without BarcodeDetector",
                first[0] + scanner[0] + lazy[0], first[1] + scanner[1] + lazy[1], budget=True)

    print()
    print(f"references to another host: {len(visit.foreign)}")
    for page, address in visit.foreign:
        print(f"  {page}: {address}")


if __name__ == "__main__":
    main()
