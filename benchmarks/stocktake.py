"""How a whole-school stocktake behaves on a large school: scanning, the live page, the close.

    .venv/bin/python benchmarks/stocktake.py [--assets 5000] [--scanned 0.9] [--scans 300]

Builds a school in a temporary SQLite database with bulk INSERTs (a site, 10 buildings of 20
rooms, the assets spread over the rooms, each with its code), starts a stocktake of the whole
school and, signed in as the logistics head through the Flask test client, counts --scans
codes one POST at a time (each in the room it is registered in, one in twenty in the next
room), then marks the rest of the --scanned share as counted in bulk. It prints the time per
scan, the live page's time and SQL queries, the close's time, and the record page's time.
"""

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import (
    Asset,
    AssetKind,
    Place,
    PlaceKind,
    Role,
    ScanCode,
    Stocktake,
    StocktakeLine,
    StocktakeScan,
    User,
)
from app.models.code import ALPHABET, CODE_LENGTH
from app.models.common import utcnow

PASSWORD = "benchmark"
BUILDINGS = 10
ROOMS_PER_BUILDING = 20


def unique_codes(count, rng):
    codes = set()
    while len(codes) < count:
        codes.add("".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH)))
    return list(codes)


def build_school(assets, rng):
    """Places, one kind, the assets and their codes; returns (asset id, code, room id) rows."""
    codes = iter(unique_codes(1 + BUILDINGS * (1 + ROOMS_PER_BUILDING) + assets, rng))
    places, scan_codes = [], []
    place_id = 0

    def place(name, kind, parent):
        nonlocal place_id
        place_id += 1
        code = next(codes)
        places.append({"id": place_id, "code": code, "name": name, "name_en": name,
                       "kind": kind.value, "parent_id": parent, "position": place_id,
                       "notes": ""})
        scan_codes.append({"value": code, "place_id": place_id, "created_at": utcnow()})
        return place_id

    site = place("学校", PlaceKind.SITE, None)
    rooms = []
    for b in range(BUILDINGS):
        building = place(f"楼 {b}", PlaceKind.BUILDING, site)
        rooms += [place(f"楼 {b} 室 {r}", PlaceKind.ROOM, building)
                  for r in range(ROOMS_PER_BUILDING)]
    db.session.execute(sa.insert(Place), places)
    db.session.execute(sa.insert(AssetKind), [{"id": 1, "key": "thing", "name": "物品"}])
    rows, asset_codes = [], []
    for n in range(assets):
        code = next(codes)
        room = rooms[n % len(rooms)]
        rows.append({"id": n + 1, "code": code, "name": f"物品 {n}", "kind_id": 1,
                     "place_id": room, "status": "in_service", "notes": "",
                     "created_at": utcnow(), "updated_at": utcnow()})
        asset_codes.append({"value": code, "asset_id": n + 1, "created_at": utcnow()})
    db.session.execute(sa.insert(Asset), rows)
    db.session.execute(sa.insert(ScanCode), scan_codes + asset_codes)
    db.session.add(User(username="admin", display_name="Admin", role=Role.ADMIN,
                        password_hash=generate_password_hash(PASSWORD)))
    db.session.commit()
    return [(row["id"], row["code"], row["place_id"]) for row in rows], rooms


def timed(call, repeat=1):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return result, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--scanned", type=float, default=0.9, help="share counted in all")
    parser.add_argument("--scans", type=int, default=300, help="codes sent one POST at a time")
    args = parser.parse_args()
    rng = random.Random(6)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'stocktake.sqlite'}"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": tmp, "QR_FOLDER": tmp})
        with app.app_context():
            upgrade()
            assets, rooms = build_school(args.assets, rng)
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.post("/login", data={"username": "admin", "password": PASSWORD})
        client.post("/stocktakes/new", data={"client_id": "b" * 32, "place": "school"})

        counted = assets[: int(len(assets) * args.scanned)]
        rng.shuffle(counted)
        one_by_one, in_bulk = counted[: args.scans], counted[args.scans:]
        scan_times = []
        for n, (_id, code, room) in enumerate(one_by_one):
            where = rooms[(rooms.index(room) + 1) % len(rooms)] if n % 20 == 0 else room
            _, took = timed(lambda code=code, where=where: client.post(
                "/stocktakes/1/count", data={"code": code, "place": where},
                headers={"Accept": "application/json"}))
            scan_times += took
        with app.app_context():
            db.session.execute(sa.insert(StocktakeScan), [
                {"stocktake_id": 1, "code": code, "asset_id": asset_id, "place_id": room,
                 "counted_by_id": 1, "counted_at": utcnow()}
                for asset_id, code, room in in_bulk
            ])
            db.session.commit()

        statements = []

        def count_statement(*_args):
            statements.append(1)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count_statement)
            client.get("/stocktakes/1")
            sa.event.remove(db.engine, "before_cursor_execute", count_statement)
        _, live_times = timed(lambda: client.get("/stocktakes/1"), repeat=10)
        _, close_times = timed(lambda: client.post(
            "/stocktakes/1/close", data={"signer_name": "Admin"}))
        _, record_times = timed(lambda: client.get("/stocktakes/1"), repeat=10)
        _, print_times = timed(lambda: client.get("/stocktakes/1?print=1"), repeat=3)
        with app.app_context():
            stocktake = db.session.get(Stocktake, 1)
            expected, found = stocktake.expected_count, stocktake.found_count
            lines = db.session.scalar(sa.select(sa.func.count(StocktakeLine.id)))

    print(f"School: {args.assets} assets in {len(rooms)} rooms; whole-school stocktake, "
          f"{len(counted)} counted ({args.scans} one POST at a time), found {found} of "
          f"{expected}")
    print(f"Scan (POST, JSON answer): median {statistics.median(scan_times):.1f} ms, "
          f"p95 {statistics.quantiles(scan_times, n=20)[-1]:.1f} ms")
    print(f"Live page: median {statistics.median(live_times):.0f} ms, "
          f"{len(statements)} SQL queries")
    print(f"Close with signature, writing {lines} result lines: {close_times[0]:.0f} ms")
    print(f"Record page: median {statistics.median(record_times):.0f} ms; "
          f"printable record (every line): median {statistics.median(print_times):.0f} ms")


if __name__ == "__main__":
    main()
