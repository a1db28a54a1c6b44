"""The large school the benchmarks measure on, and the app they measure it with.

Not a benchmark itself: the scripts beside it import it (benchmarks/ is a script's own folder,
first on sys.path). `school_app` gives an app on a database of its own, a temporary SQLite
file or a schema of its own in a given PostgreSQL database, and removes it afterwards;
`build_school` fills it in bulk; `add_school_options` adds the command line options for both.
"""

import os
import secrets
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from app import create_app
from app.config import database_uri
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
    Membership,
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
# The tables build_school fills with ids of its own choosing.
NUMBERED_TABLES = (Place, AssetKind, Asset, User, Checklist, ChecklistVersion, ChecklistItem,
                   Signature, Inspection)


def add_school_options(parser, history=True):
    """The school's size and where it is built; history=False leaves out the inspections."""
    parser.add_argument("--assets", type=int, default=5000)
    if history:
        parser.add_argument("--inspections", type=int, default=200_000)
        parser.add_argument("--answers", type=int, default=3, help="answers per inspection")
    parser.add_argument("--database-url", help="postgresql://… (a schema is made and dropped)")


@dataclass
class SchoolApp:
    app: Flask
    where: str  # "SQLite (temporary file)" or "PostgreSQL, schema …", for the printed figures
    folder: Path  # temporary, removed afterwards with everything in it
    database_url: str  # what a server process needs as DATABASE_URL to reach the same data


@contextmanager
def school_app(database_url=None, folder=None, **extra_config):
    """The app on an empty database of its own (no tables yet), removed afterwards.

    CSRF is off so the test client posts forms directly. With database_url, a schema of its
    own in that PostgreSQL database, first on the search path, dropped afterwards; otherwise
    a temporary SQLite file (in `folder` if given, else the system's temporary folder).
    """
    with tempfile.TemporaryDirectory(prefix="patrol-bench-", dir=folder) as folder:
        folder = Path(folder)
        schema_engine = app = None
        try:
            if database_url:
                schema_engine, schema, url = bench_schema(database_url)
                where = f"PostgreSQL, schema {schema}"
            else:
                url = f"sqlite:///{folder / 'bench.sqlite'}"
                where = "SQLite (temporary file)"
            app = create_app({
                "SECRET_KEY": "benchmark",
                "WTF_CSRF_ENABLED": False,
                "DATABASE_URL": url,
                "UPLOAD_FOLDER": str(folder / "uploads"),
                "QR_FOLDER": str(folder / "qr"),
                # The worker's queue of its own: a benchmark's tasks never reach a real one.
                "WORKER_QUEUE_FILE": str(folder / "queue.sqlite"),
                **extra_config,
            })
            yield SchoolApp(app, where, folder, url)
        finally:
            if app is not None:
                # Every connection closed first, or DROP SCHEMA waits for their locks.
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
            if schema_engine is not None:
                with schema_engine.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                schema_engine.dispose()


def bench_schema(database_url):
    """A schema of its own in the given PostgreSQL database, so nothing there is touched.

    Returns an engine to drop it with, its name, and the URL with that schema first on the
    search path (psycopg passes `options` to the server), for this process and any other.
    """
    schema = f"patrol_bench_{os.getpid()}_{secrets.token_hex(4)}"
    engine = sa.create_engine(database_uri(database_url))
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(database_url).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    return engine, schema, url.render_as_string(hide_password=False)


def signed_in_client(app, username, password=PASSWORD, language="zh"):
    """The Flask test client, signed in through the sign-in form."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    signed_in = client.post("/login", data={"username": username, "password": password})
    if signed_in.status_code != 302:
        raise SystemExit(f"could not sign in as {username}")
    return client


@contextmanager
def counted_queries(engine):
    """A list that gets one item per SQL statement the engine runs inside the block."""
    counted = []

    def count(*_args):
        counted.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def unique_codes(count, rng):
    codes = set()
    while len(codes) < count:
        codes.add("".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH)))
    return list(codes)


def insert(table, rows):
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start:start + BATCH])


def build_school(assets, inspections, answers_per_inspection, rng):
    """The tables, then the whole school in bulk; returns the codes of assets with and without
    history. Its one user is `inspector` (id 1, password PASSWORD)."""
    upgrade()
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
        "id": 1, "username": "inspector", "display_name": "Inspector",
        "password_hash": generate_password_hash(PASSWORD),
    }])
    # In the install's one school (its column default).
    db.session.execute(sa.insert(Membership.__table__), [{"user_id": 1, "role": Role.INSPECTOR}])
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
    catch_up_sequences()
    db.session.commit()
    return asset_codes[:with_history], asset_codes[with_history:]


def catch_up_sequences():
    """PostgreSQL's id sequences moved past the ids inserted by hand, so a row added later
    without one (the report's admin, the stocktake's) does not take an id already used."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in NUMBERED_TABLES:
        table = model.__table__.name
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        ))
