"""How fast the scan page is served on a large school, next to a bare Flask route.

    .venv/bin/python benchmarks/scan_page.py [--assets 5000] [--inspections 200000]
        [--answers 3] [--database-url postgresql://...] [--workers 2] [--connections 4]
        [--seconds 10] [--rounds 2] [--warmup 2] [--port N]

Needs wrk (`apt-get install -y wrk`); gunicorn comes with Patrol.

Builds the school of benchmarks/large_school.py in a temporary SQLite file (or in a schema of
its own in the given PostgreSQL database, dropped afterwards) with bulk INSERTs: places,
kinds, assets and their codes, a weekly checklist per kind, the inspections spread over the
assets with a few answers each, and some open faults. It counts the SQL queries per scan page
in-process, for an asset with its share of the history and for one with none: the budget is
that they are the same.

Then it serves the real app under gunicorn on the loopback (benchmarks/bench_server.py, which
adds routes that exist only there), signs in as an inspector through the sign-in form, and
drives wrk with that cookie: /q/<code> of random assets, then the bare route, then two more
yardsticks (a route that only asks who is signed in, and an empty page in the layout), each
for --seconds, --rounds times over, after a short warm-up. It prints requests per second and
latency percentiles for each run, the ratio of the scan page's throughput to the bare
route's (the budget: at least half), and each yardstick's: what any signed-in page costs
before it reads or shows anything of its own. Any answer but 200 stops it. It stops gunicorn
and removes its files and schema when done.
"""

import argparse
import http.cookiejar
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from large_school import (  # beside this script
    PASSWORD,
    WITHOUT_HISTORY,
    add_school_options,
    build_school,
    counted_queries,
    school_app,
    signed_in_client,
)

from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).with_name("scan_page.lua")
# The routes benchmarks/bench_server.py adds, measured beside the scan page.
YARDSTICKS = (
    ("bare Flask route", "/bench-bare", None),
    ("signed in, no page", "/bench-signed-in", None),
    ("empty page, layout", "/bench-layout", None),
)
BARE = 1  # the bare route's place among the targets
USER_AGENT = "patrol-benchmark"


def queries_per_page(engine, client, code):
    """Counted outside any app context, so no session outlives the request to cache rows."""
    with counted_queries(engine) as counted:
        client.get(f"/q/{code}")
    return len(counted)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """Patrol under gunicorn on the loopback, started and stopped by the benchmark."""

    def __init__(self, folder, environment, workers, port, threads=1):
        self.origin = f"http://127.0.0.1:{port}"
        self.log = Path(folder) / "gunicorn.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers),
             "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--error-logfile", str(self.log),
             "benchmarks.bench_server:app"],
            env={**os.environ, **environment},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )

    def wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.origin}/bench-bare", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout} s")

    def workers_cpu_seconds(self):
        """CPU time used so far by the workers: a share of a busy machine does not change it."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        total = 0
        for pid in children.read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except FileNotFoundError:  # a worker restarting
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def sign_in(origin):
    """Sign in through the real form, CSRF token and all; returns the request headers to send."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The same browser identity on every request, or Flask-Login's session protection would
    # see a new one and rewrite the session cookie on each.
    browser.addheaders = [("User-Agent", USER_AGENT), ("Accept-Language", "zh")]
    with browser.open(f"{origin}/login", timeout=10) as page:
        form = FormFields()
        form.feed(page.read().decode())
    fields = {**form.values, "username": "inspector", "password": PASSWORD}
    with browser.open(f"{origin}/login", urllib.parse.urlencode(fields).encode(), timeout=10) as a:
        landed = a.url
    if "/login" in urllib.parse.urlsplit(landed).path:
        raise SystemExit("could not sign in as the inspector")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return {"User-Agent": USER_AGENT, "Accept-Language": "zh", "Cookie": cookie}


def check_page(origin, path, headers):
    request = urllib.request.Request(f"{origin}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        if answer.status != 200 or urllib.parse.urlsplit(answer.url).path != path:
            raise SystemExit(f"GET {path} with the inspector's cookie did not answer its page")
        return answer.read().decode()


def load(server, path, headers, seconds, connections, codes_file=None):
    """One wrk run; requests/s, latency percentiles and the workers' CPU per request in ms."""
    command = ["wrk", "--threads", "1", "--connections", str(connections),
               "--duration", f"{seconds:g}s", "--timeout", "10s", "--script", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"{server.origin}{path}")
    if codes_file:
        command += ["--", str(codes_file)]
    cpu_before = server.workers_cpu_seconds()
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    cpu_used = server.workers_cpu_seconds() - cpu_before
    result = next((line for line in finished.stdout.splitlines() if line.startswith("RESULT ")),
                  None)
    if finished.returncode != 0 or result is None:
        raise SystemExit(f"wrk failed:\n{finished.stdout}{finished.stderr}")
    figures = dict(field.split("=") for field in result.split()[1:])
    figures = {name: int(value) for name, value in figures.items()}
    if figures["not_ok"] or figures["socket_errors"]:
        raise SystemExit(f"GET {path}: {figures['not_ok']} answers were not 200 and "
                         f"{figures['socket_errors']} requests failed")
    return {
        "rate": figures["requests"] / (figures["duration_us"] / 1e6),
        "requests": figures["requests"],
        "cpu": cpu_used * 1000 / max(figures["requests"], 1),
        **{name: figures[f"{name}_us"] / 1000 for name in ("p50", "p90", "p99", "max")},
    }


def build(app, args):
    """The school, built in-process; then the queries per scan page, counted in-process."""
    with app.app_context():
        started = time.perf_counter()
        with_history, without_history = build_school(
            args.assets, args.inspections, args.answers, random.Random(2024)
        )
        built = time.perf_counter() - started
        db.session.remove()

    client = signed_in_client(app, "inspector")
    with app.app_context():
        engine = db.engine
    queries = (queries_per_page(engine, client, with_history[0]),
               queries_per_page(engine, client, without_history[0]))
    engine.dispose()
    return with_history, without_history, built, queries


def main(args):
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    with school_app(args.database_url) as school:
        with_history, without_history, built, queries = build(school.app, args)
        codes_file = school.folder / "codes.txt"
        codes_file.write_text("\n".join(with_history) + "\n")

        environment = {"PATROL_ENV": "development", "DATABASE_URL": school.database_url}
        for name in ("SECRET_KEY", "UPLOAD_FOLDER", "QR_FOLDER"):
            environment[name] = school.app.config[name]
        server = Server(school.folder, environment, args.workers, args.port or free_port())
        try:
            server.wait_until_up()
            headers = sign_in(server.origin)
            check_page(server.origin, f"/q/{with_history[0]}", headers)
            for _name, path, _codes in YARDSTICKS:
                check_page(server.origin, path, headers)

            connections = args.connections or 2 * args.workers
            targets = (("GET /q/<code>", "/q/", codes_file), *YARDSTICKS)
            for _name, path, codes in targets:  # warm every worker's caches first
                load(server, path, headers, args.warmup, connections, codes)
            rounds = []
            for _ in range(args.rounds):
                rounds.append([load(server, path, headers, args.seconds, connections, codes)
                               for _name, path, codes in targets])
        finally:
            server.stop()

    per_asset = args.inspections / (args.assets - WITHOUT_HISTORY)
    print(
        f"{school.where}: {args.assets} assets, {args.inspections} inspections "
        f"({per_asset:.0f} per asset with history), {args.answers} answers each; "
        f"built in {built:.1f} s"
    )
    print(
        f"SQL queries per scan page: {queries[0]} with {per_asset:.0f} inspections behind it, "
        f"{queries[1]} with none"
    )
    print(
        f"gunicorn, {args.workers} sync workers, on the loopback; wrk, {connections} connections, "
        f"{args.seconds:g} s a run, signed in as the inspector, random assets"
    )
    print(f"{'':9}{'':19}{'requests/s':>11}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}"
          f"{'max ms':>8}{'CPU ms/req':>12}")
    for number, measured in enumerate(rounds, 1):
        for (name, *_), figures in zip(targets, measured, strict=True):
            print(f"{f'round {number}':9}{name:19}{figures['rate']:>11.0f}{figures['p50']:>8.1f}"
                  f"{figures['p90']:>8.1f}{figures['p99']:>8.1f}{figures['max']:>8.1f}"
                  f"{figures['cpu']:>12.2f}")
        ratio = measured[0]["rate"] / measured[BARE]["rate"]
        print(f"{'':9}scan page / bare route throughput: {ratio:.2f}")

    def mean(index, figure):
        return statistics.mean(measured[index][figure] for measured in rounds)

    bare = mean(BARE, "rate")
    print(f"mean of the rounds: scan page {mean(0, 'rate'):.0f}/s, bare route {bare:.0f}/s, "
          f"ratio {mean(0, 'rate') / bare:.2f} (budget: at least 0.50)")
    print("mean of the rounds, each beside the bare route: throughput ratio; workers' CPU per "
          "request (unlike throughput, untouched by other load on the machine)")
    for index, (name, *_) in enumerate(targets):
        print(f"  {name:19}{mean(index, 'rate') / bare:>6.2f}{mean(index, 'cpu'):>8.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_school_options(parser)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers (default: one per core)")
    parser.add_argument("--connections", type=int, help="wrk connections (default: 2 per worker)")
    parser.add_argument("--seconds", type=float, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="scan page then bare route, so many times over")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of each, not counted")
    parser.add_argument("--port", type=int, help="loopback port for gunicorn (default: a free one)")
    main(parser.parse_args())
