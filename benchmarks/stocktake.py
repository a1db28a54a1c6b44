"""How a whole-school stocktake behaves on a large school: scanning, the live page, the close.

    .venv/bin/python benchmarks/stocktake.py [--assets 5000] [--scanned 0.9] [--scans 300]
        [--database-url postgresql://...]

Builds the school of benchmarks/large_school.py with no inspections (a site, 10 buildings of
20 rooms, the assets spread over the rooms, each with its code, an open fault on one in 50)
in a temporary SQLite file, or in a schema of its own in the given PostgreSQL database,
dropped afterwards. It starts a stocktake of the whole school and, signed in as the logistics
head through the Flask test client, counts --scans codes one POST at a time (each in the room
it is registered in, one in twenty in the next room), then marks the rest of the --scanned
share as counted in bulk. It prints the time per scan, the live page's time and SQL queries,
the close's time, and the record page's time.
"""

import argparse
import random
import statistics
import time

import sqlalchemy as sa
from large_school import (  # beside this script
    PASSWORD,
    add_school_options,
    build_school,
    counted_queries,
    school_app,
    signed_in_client,
)
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import (
    Asset,
    Place,
    PlaceKind,
    Role,
    Stocktake,
    StocktakeLine,
    StocktakeScan,
    User,
)
from app.models.common import utcnow


def build_stocktake_school(assets, rng):
    """The school without its history, and the logistics head who counts it; returns
    (asset id, code, room id) rows, the rooms' ids and the counter's id."""
    build_school(assets, 0, 0, rng)
    admin = User(username="admin", display_name="Admin", role=Role.ADMIN,
                 password_hash=generate_password_hash(PASSWORD))
    db.session.add(admin)
    db.session.commit()
    rows = db.session.execute(
        sa.select(Asset.id, Asset.code, Asset.place_id).order_by(Asset.id)
    ).all()
    rooms = db.session.scalars(
        sa.select(Place.id).where(Place.kind == PlaceKind.ROOM).order_by(Place.id)
    ).all()
    return [tuple(row) for row in rows], rooms, admin.id


def timed(call, repeat=1):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return result, times


def main(args):
    rng = random.Random(6)
    with school_app(args.database_url) as school:
        app = school.app
        with app.app_context():
            assets, rooms, counter = build_stocktake_school(args.assets, rng)
        client = signed_in_client(app, "admin", language="en")
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
                 "counted_by_id": counter, "counted_at": utcnow()}
                for asset_id, code, room in in_bulk
            ])
            db.session.commit()

        with app.app_context(), counted_queries(db.engine) as statements:
            client.get("/stocktakes/1")
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_school_options(parser, history=False)
    parser.add_argument("--scanned", type=float, default=0.9, help="share counted in all")
    parser.add_argument("--scans", type=int, default=300, help="codes sent one POST at a time")
    main(parser.parse_args())
