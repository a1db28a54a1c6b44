"""How fast the scan page is served on a large school, next to a bare Flask route.

    .venv/bin/python benchmarks/scan_page.py [--assets 5000] [--inspections 200000]
        [--seconds 10] [--answers 3] [--database-url postgresql://...]

Builds a school in a temporary SQLite database (or in a schema of its own in the given
PostgreSQL database, dropped afterwards) with bulk INSERTs: places, kinds, assets and their
codes, a weekly checklist per kind, the inspections spread over the assets with a few answers
each, and some open faults. Then, signed in as an inspector, it asks the Flask test client for
/q/<code> of random assets for --seconds, and for a trivial route on the same app for as long,
single-threaded in this process, and prints requests per second, median and p95 latency and
their ratio. It also prints the SQL queries per scan page, for an asset with its share of the
history and for one with none: the budget is that they are the same.
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import (
    Answer,
    Asset,
    AssetKind,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Fault,
    Frequency,
    Inspection,
    ItemType,
    Outcome,
    Place,
    PlaceKind,
    Role,
    ScanCode,
    Signature,
    Urgency,
    User,
)
from app.models.code import ALPHABET, CODE_LENGTH
from app.routines import today

PASSWORD = "benchmark"
KINDS = 20
ITEMS_PER_CHECKLIST = 9
BUILDINGS = 10
ROOMS_PER_BUILDING = 20
# Assets at the end of the register with no history: their scan page must cost the same.
WITHOUT_HISTORY = 50
FAULT_EVERY = 50  # one asset in so many has an open fault
BATCH = 20_000


def unique_codes(count, rng):
    codes = set()
    while len(codes) < count:
        codes.add("".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH)))
    return list(codes)


def insert(table, rows):
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start:start + BATCH])


def build_school(assets, inspections, answers_per_inspection, rng):
    """The whole school in bulk; returns the codes of assets with and without history."""
    rooms = BUILDINGS * ROOMS_PER_BUILDING
    places_count = 1 + BUILDINGS + rooms
    codes = unique_codes(places_count + assets, rng)
    place_codes, asset_codes = codes[:places_count], codes[places_count:]
    with_history = assets - WITHOUT_HISTORY
    day = today()
    started = datetime.combine(day, datetime.min.time()) + timedelta(hours=1)
    # In use since the first week of history, so what was done counts towards completion.
    in_use_since = started - timedelta(weeks=-(-inspections // with_history) + 1)

    places = [{"id": 1, "code": place_codes[0], "name": "校园", "kind": PlaceKind.SITE,
               "parent_id": None, "position": 0}]
    for b in range(BUILDINGS):
        places.append({"id": 2 + b, "code": place_codes[1 + b], "name": f"{b + 1}号楼",
                       "kind": PlaceKind.BUILDING, "parent_id": 1, "position": b})
    room_ids = []
    for r in range(rooms):
        room_id = 2 + BUILDINGS + r
        room_ids.append(room_id)
        places.append({"id": room_id, "code": place_codes[1 + BUILDINGS + r],
                       "name": f"{r % ROOMS_PER_BUILDING + 101}室", "kind": PlaceKind.ROOM,
                       "parent_id": 2 + r // ROOMS_PER_BUILDING, "position": r})
    insert(Place.__table__, places)

    insert(AssetKind.__table__, [
        {"id": k + 1, "key": f"kind_{k + 1}", "name": f"设备类别{k + 1}",
         "name_en": f"Kind {k + 1}"}
        for k in range(KINDS)
    ])
    insert(Asset.__table__, [
        {"id": a + 1, "code": asset_codes[a], "name": f"设备{a + 1}", "kind_id": a % KINDS + 1,
         "place_id": room_ids[a % rooms], "created_at": in_use_since}
        for a in range(assets)
    ])
    insert(ScanCode.__table__, [
        {"value": place_codes[p], "place_id": p + 1} for p in range(places_count)
    ])
    insert(ScanCode.__table__, [
        {"value": asset_codes[a], "asset_id": a + 1} for a in range(assets)
    ])

    db.session.execute(sa.insert(User.__table__), [{
        "id": 1, "username": "inspector", "display_name": "Inspector", "role": Role.INSPECTOR,
        "password_hash": generate_password_hash(PASSWORD),
    }])
    insert(Checklist.__table__, [
        {"id": k + 1, "name": f"每周检查{k + 1}", "kind_id": k + 1,
         "frequency": Frequency.WEEKLY, "weekday": 0, "created_at": in_use_since}
        for k in range(KINDS)
    ])
    insert(ChecklistVersion.__table__, [
        {"id": k + 1, "checklist_id": k + 1, "number": 1} for k in range(KINDS)
    ])
    insert(ChecklistItem.__table__, [
        {"id": k * ITEMS_PER_CHECKLIST + i + 1, "version_id": k + 1, "position": i,
         "type": ItemType.CHECK, "text": f"检查项{i + 1}"}
        for k in range(KINDS) for i in range(ITEMS_PER_CHECKLIST)
    ])

    # One shared signature: the scan page never reads it, and signed rows are insert-only.
    db.session.execute(sa.insert(Signature.__table__), [
        {"id": 1, "signer_id": 1, "signer_name": "Inspector"}
    ])
    rows = []
    for n in range(inspections):
        asset = n % with_history
        weeks_ago = n // with_history + 1
        kind = asset % KINDS
        rows.append({
            "id": n + 1, "client_id": f"bench-{n + 1}", "asset_id": asset + 1,
            "checklist_id": kind + 1, "version_id": kind + 1, "inspector_id": 1,
            "signature_id": 1, "submitted_at": started - timedelta(weeks=weeks_ago),
            "local_date": day - timedelta(weeks=weeks_ago), "passed": True,
        })
    insert(Inspection.__table__, rows)

    rows = [
        {"inspection_id": n + 1, "item_id": (n % with_history % KINDS) * ITEMS_PER_CHECKLIST
         + i + 1, "position": i, "outcome": Outcome.PASS}
        for n in range(inspections) for i in range(answers_per_inspection)
    ]
    insert(Answer.__table__, rows)

    insert(Fault.__table__, [
        {"asset_id": a + 1, "description": "护栏松动，需要紧固。",
         "urgency": Urgency.NEEDS_REPAIR, "reported_by_id": 1}
        for a in range(0, assets, FAULT_EVERY)
    ])
    db.session.commit()
    return asset_codes[:with_history], asset_codes[with_history:]


def measure(client, paths, seconds):
    """Latencies in ms of GETs of random paths for about `seconds`, after a short warm-up."""
    for path in paths[:20]:
        client.get(path)
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = random.choice(paths)
        started = time.perf_counter()
        response = client.get(path)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
    return latencies


def summary(latencies):
    return (
        len(latencies) / (sum(latencies) / 1000),
        statistics.median(latencies),
        statistics.quantiles(latencies, n=20)[-1],
    )


def queries_per_page(engine, client, code):
    """Counted outside any app context, so no session outlives the request to cache rows."""
    counted = []

    def count(*_args):
        counted.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(f"/q/{code}")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(counted)


def bench_schema(database_url):
    """A schema of its own in the given PostgreSQL database, so nothing there is touched."""
    schema = f"patrol_bench_{int(time.time())}"
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    return engine, schema


def main(args):
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory() as folder:
        config = {
            "SECRET_KEY": "benchmark",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
            "QR_FOLDER": str(Path(folder) / "qr"),
        }
        schema_engine = schema = None
        if args.database_url:
            schema_engine, schema = bench_schema(args.database_url)
            config["DATABASE_URL"] = args.database_url
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {
                "connect_args": {"options": f"-csearch_path={schema}"}
            }
            where = f"PostgreSQL, schema {schema}"
        else:
            config["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
            where = "SQLite (temporary file)"
        app = create_app(config)

        @app.route("/bench-bare")
        def bench_bare():
            return "ok"

        try:
            with app.app_context():
                started = time.perf_counter()
                upgrade()
                with_history, without_history = build_school(
                    args.assets, args.inspections, args.answers, rng
                )
                built = time.perf_counter() - started
                db.session.remove()

            client = app.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
            signed_in = client.post("/login", data={"username": "inspector", "password": PASSWORD})
            if signed_in.status_code != 302:
                raise SystemExit("could not sign in as the inspector")

            with app.app_context():
                engine = db.engine
            queries_full = queries_per_page(engine, client, with_history[0])
            queries_empty = queries_per_page(engine, client, without_history[0])

            scan = summary(measure(client, [f"/q/{c}" for c in with_history], args.seconds))
            bare = summary(measure(client, ["/bench-bare"], args.seconds))
        finally:
            if schema_engine is not None:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
                with schema_engine.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                schema_engine.dispose()

    per_asset = args.inspections / (args.assets - WITHOUT_HISTORY)
    print(
        f"{where}: {args.assets} assets, {args.inspections} inspections "
        f"({per_asset:.0f} per asset with history), {args.answers} answers each; "
        f"built in {built:.1f} s"
    )
    print(
        f"SQL queries per scan page: {queries_full} with {per_asset:.0f} inspections behind it, "
        f"{queries_empty} with none"
    )
    print(f"{'':22}{'requests/s':>11}{'median ms':>11}{'p95 ms':>9}")
    for name, (rate, median, p95) in (("GET /q/<code>", scan), ("bare Flask route", bare)):
        print(f"{name:22}{rate:>11.0f}{median:>11.2f}{p95:>9.2f}")
    print(
        f"scan page / bare route throughput: {scan[0] / bare[0]:.2f} "
        f"(single-threaded test client, {args.seconds:g} s each, random assets)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--inspections", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--answers", type=int, default=3, help="answers per inspection")
    parser.add_argument("--database-url", help="postgresql://… (a schema is made and dropped)")
    main(parser.parse_args())
