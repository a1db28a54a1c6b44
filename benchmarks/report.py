"""How long a term's report takes on a large school: its figures, its HTML page and its PDF.

    .venv/bin/python benchmarks/report.py [--assets 5000] [--inspections 200000]
        [--answers 3] [--database-url postgresql://...]

Builds the school of benchmarks/large_school.py (bulk INSERTs into a temporary SQLite file, or
a schema of its own in the given PostgreSQL database, dropped afterwards), signs in as an
admin and asks for the report of the previous (whole) term and of the current one: the
figures alone, the HTML page, and the PDF, each timed once after a warm-up of the figures.
The PDF is timed as it is made: the request asking for it (answered at once, the work
queued), then the worker's task laying it out (run here, as the consumer runs it).
It prints seconds, SQL queries, the HTML's size and the PDF's pages and size.
"""

import argparse
import io
import random
import time
from datetime import timedelta

from large_school import (  # beside this script
    PASSWORD,
    add_school_options,
    build_school,
    counted_queries,
    school_app,
    signed_in_client,
)
from pypdf import PdfReader
from werkzeug.security import generate_password_hash

from app import worker
from app.extensions import db
from app.models import Role, User
from app.reports import figures
from app.reports.choice import TERM, Choice, Period
from app.routines import today
from app.terms import term_containing


def timed(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, response.data


def timed_pdf(client, url):
    """Seconds for the request that asks for the PDF, seconds for the worker's task that
    lays it out, and the PDF downloaded."""
    started = time.perf_counter()
    asked = client.post(url)
    asked_s = time.perf_counter() - started
    if asked.status_code != 303:
        raise SystemExit(f"POST {url} answered {asked.status_code}")
    task = worker.queue.dequeue()
    started = time.perf_counter()
    worker.queue.execute(task)
    laid_out_s = time.perf_counter() - started
    document = client.get(f"{asked.location}/download")
    if document.status_code != 200:
        raise SystemExit(f"the PDF of {url} was not made: see the log above")
    return asked_s, laid_out_s, document.data


def main(args):
    rng = random.Random(2024)
    lines = []
    with school_app(args.database_url, SCHOOL_NAME="基准测试学校") as school:
        app = school.app
        with app.app_context():
            build_school(args.assets, args.inspections, args.answers, rng)
            db.session.add(User(username="admin", display_name="总务主任", role=Role.ADMIN,
                                password_hash=generate_password_hash(PASSWORD)))
            db.session.commit()
            current = term_containing(today())
            terms = [term_containing(current.start - timedelta(days=1)), current]
            db.session.remove()

        client = signed_in_client(app, "admin")
        with app.app_context():
            engine = db.engine
        for term in terms:
            with app.test_request_context():
                choice = Choice(Period(TERM, term.start, term.end, term.start.isoformat(), term))
                figures.build_report(choice, today())  # warm-up
                with counted_queries(engine) as counted:
                    started = time.perf_counter()
                    report = figures.build_report(choice, today())
                    figures_s = time.perf_counter() - started
                name = str(term.name)
                until = report.counted_until
            url = f"/reports/report?period=term&term={term.start}"
            html_s, html = timed(client, url)
            asked_s, pdf_s, document = timed_pdf(client, url.replace("/report?", "/report.pdf?"))
            pages = len(PdfReader(io.BytesIO(document)).pages)
            lines.append(
                f"{name} ({term.start} – {until}): "
                f"{report.total.due} checks due, {report.recorded} inspections, "
                f"{report.faults_raised} faults; {report.asset_pairs} asset checks "
                f"{'listed' if report.asset_rows is not None else 'summed per place'}, "
                f"{len(report.places)} places, {report.misses.total} misses "
                f"({len(report.misses.rows)} listed)\n"
                f"  figures {figures_s:.2f} s ({len(counted)} SQL queries); "
                f"HTML page {html_s:.2f} s ({len(html) / 1024:.0f} KB); "
                f"PDF asked in {asked_s:.2f} s, laid out by the worker in {pdf_s:.2f} s "
                f"({pages} pages, {len(document) / 1024:.0f} KB)"
            )
            print(lines[-1], flush=True)
    print(f"{school.where}: {args.assets} assets, {args.inspections} inspections")
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_school_options(parser)
    main(parser.parse_args())
