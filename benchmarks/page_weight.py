"""What a phone downloads on a first visit to the scan page and the inspection form.

    .venv/bin/python benchmarks/page_weight.py

Seeds the demo into a temporary database, signs in as `inspector` and fetches, with the Flask
test client, slide 2's scan page and the inspection form its start button leads to, then
every same-origin file they reference (stylesheets, scripts, images, icons, and what the
stylesheets reference with url()). Prints each file's raw size and gzip size (level 6, as a
typical server compresses), the total for both pages on a first visit (a shared file counted
once) against the 60 KB budget, and every reference to another host (the budget is none).
"""

import gzip
import re
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from flask_migrate import upgrade

from app import create_app
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


class References(HTMLParser):
    """The files a page makes the browser fetch, every address it names, and its start link."""

    def __init__(self):
        super().__init__()
        self.subresources = []
        self.addresses = []
        self.start_check = None

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
        if tag in FETCHED_BY_SRC and attrs.get("src"):
            self.subresources.append(attrs["src"])
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


def gzipped_size(body):
    return len(gzip.compress(body, compresslevel=6))


def fetch(client, path):
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return response.get_data()


def main():
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "benchmark",
                "WTF_CSRF_ENABLED": False,
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'weight.sqlite'}",
                "BASE_URL": BASE_URL,
                "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
                "QR_FOLDER": str(Path(folder) / "qr"),
            }
        )
        with app.app_context():
            upgrade()
            seed_demo()
            db.session.remove()

        client = app.test_client()
        # Chinese, the users' first language and the app's default.
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
        signed_in = client.post(
            "/login", data={"username": "inspector", "password": kindergarten.DEMO_PASSWORD}
        )
        if signed_in.status_code != 302:
            raise SystemExit("could not sign in as the demo's inspector")

        own_hosts = {urlsplit(APP_ORIGIN).netloc, urlsplit(BASE_URL).netloc}
        pages = {}
        files = {}
        foreign = []
        path = f"/q/{kindergarten.START_ASSET}"
        while path:
            body = fetch(client, path)
            pages[path] = body
            references = References()
            references.feed(body.decode())
            foreign += [(path, a) for a in references.addresses if is_other_host(a, own_hosts)]
            for address in references.subresources:
                if not is_other_host(address, own_hosts) and not address.startswith("data:"):
                    files.setdefault(urlsplit(urljoin(APP_ORIGIN + path, address)).path, None)
            # The scan page leads on to the form; the form leads nowhere further here.
            path = own_path(references.start_check) if path.startswith("/q/") else None

        pending = list(files)
        while pending:
            file_path = pending.pop(0)
            body = fetch(client, file_path)
            files[file_path] = body
            if file_path.endswith(".css"):
                for address in CSS_URL.findall(body.decode()):
                    if is_other_host(address, own_hosts):
                        foreign.append((file_path, address))
                    elif not address.startswith("data:"):
                        found = urlsplit(urljoin(APP_ORIGIN + file_path, address)).path
                        if found not in files:
                            files[found] = None
                            pending.append(found)

    if len(pages) < 2:
        sys.exit(f"the scan page {kindergarten.START_ASSET} has no start button (a.start-check)")

    print(f"{'file':52}{'raw bytes':>10}{'gzip -6':>9}")
    total_raw = total_gzip = 0
    for name, body in [*pages.items(), *files.items()]:
        compressed = gzipped_size(body)
        total_raw += len(body)
        total_gzip += compressed
        print(f"{name:52}{len(body):>10}{compressed:>9}")
    verdict = "within" if total_gzip < BUDGET_BYTES else "OVER"
    print(
        f"{'first visit, scan page + inspection form':52}{total_raw:>10}{total_gzip:>9}"
        f"  = {total_gzip / 1024:.1f} KB compressed, {verdict} the 60 KB budget"
    )
    print(f"references to another host: {len(foreign)}")
    for page, address in foreign:
        print(f"  {page}: {address}")


if __name__ == "__main__":
    main()
