"""How long the admin's dashboard takes to build on a large school, and how many SQL queries.

    .venv/bin/python benchmarks/dashboard.py [--assets 5000] [--inspections 200000]
        [--requests 40] [--answers 3] [--database-url postgresql://...]

Builds the school of benchmarks/large_school.py (its build_school), then adds what the
dashboard reads beyond it: a crack-width reading on the first kind's routine with a reading
in each of that kind's inspections (some rising fast), faults accepted this month, and assets
out of service. Signed in as an admin, it asks the Flask test client for the home page
--requests times after a warm-up and prints the median and p95 server time (wall clock, and
the CPU time of this process, which a busy shared machine does not inflate), and the SQL
queries per page. The budget: under 300 ms on SQLite, and a query count that does not
depend on the history.
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa
from large_school import (  # benchmarks/ is the script's own folder, first on sys.path
    ITEMS_PER_CHECKLIST,
    KINDS,
    PASSWORD,
    add_school_options,
    build_school,
    counted_queries,
    insert,
    school_app,
    signed_in_client,
)
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import (
    Answer,
    Asset,
    AssetStatus,
    Checklist,
    ChecklistItem,
    Fault,
    FaultStatus,
    Inspection,
    ItemType,
    Membership,
    Role,
    Urgency,
    User,
)
from app.models.common import utcnow

READING_ITEM = KINDS * ITEMS_PER_CHECKLIST + 1
OUT_OF_SERVICE_EVERY = 100  # one asset in so many is out of service
ACCEPTED_THIS_MONTH = 40


def add_dashboard_history(assets, rng):
    """Readings, accepted repairs and assets out of service on top of build_school's school."""
    db.session.execute(sa.insert(User.__table__), [{
        "id": 2, "username": "admin", "display_name": "Admin",
        "password_hash": generate_password_hash(PASSWORD),
    }])
    db.session.execute(sa.insert(Membership.__table__), [{"user_id": 2, "role": Role.ADMIN}])
    # The first kind's weekly routine gets a crack-width reading, limit 3 mm.
    db.session.execute(sa.insert(ChecklistItem.__table__), [{
        "id": READING_ITEM, "version_id": 1, "position": ITEMS_PER_CHECKLIST,
        "type": ItemType.READING, "text": "裂缝宽度", "unit": "mm", "min_value": 0,
        "max_value": 3.0, "lineage": "bench-crack",
    }])
    rows = db.session.execute(
        sa.select(Inspection.id, Inspection.asset_id, Inspection.local_date)
        .where(Inspection.checklist_id == 1)
        .order_by(Inspection.asset_id, Inspection.local_date)
    ).all()
    answers, width = [], {}
    for inspection_id, asset_id, _day in rows:
        # Slow growth; one asset in ten jumps by a quarter of the limit now and then.
        step = 0.75 if asset_id % 10 == 1 and rng.random() < 0.1 else rng.uniform(-0.02, 0.03)
        width[asset_id] = min(2.9, max(0.1, width.get(asset_id, 0.5) + step))
        answers.append({"inspection_id": inspection_id, "item_id": READING_ITEM,
                        "position": ITEMS_PER_CHECKLIST, "reading": round(width[asset_id], 2)})
    insert(Answer.__table__, answers)

    now = utcnow()
    # Registered and set up a year ago, so the term's completion counts the whole term.
    year_ago = now - timedelta(days=365)
    db.session.execute(sa.update(Checklist).values(created_at=year_ago))
    db.session.execute(sa.update(Asset).values(created_at=year_ago, updated_at=year_ago))
    insert(Fault.__table__, [
        {"asset_id": rng.randrange(1, assets + 1), "description": "门锁损坏，已更换。",
         "urgency": Urgency.NEEDS_REPAIR, "reported_by_id": 1, "status": FaultStatus.ACCEPTED,
         "reported_at": now - timedelta(hours=rng.randrange(30, 200)),
         "accepted_at": now - timedelta(hours=rng.randrange(0, 24))}
        for _ in range(ACCEPTED_THIS_MONTH)
    ])
    out = list(range(1, assets + 1, OUT_OF_SERVICE_EVERY))
    db.session.execute(
        sa.update(Asset).where(Asset.id.in_(out)).values(status=AssetStatus.OUT_OF_SERVICE)
    )
    insert(Fault.__table__, [
        {"asset_id": asset_id, "description": "座板开裂，暂停使用。", "urgency": Urgency.UNSAFE,
         "reported_by_id": 1, "took_out_of_service": True,
         "reported_at": now - timedelta(days=asset_id % 20)}
        for asset_id in out
    ])
    db.session.commit()
    return len(answers)


def measure(client, count):
    for _ in range(3):
        client.get("/")
    latencies, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get("/")
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET / answered {response.status_code}")
    return latencies, cpu


def main(args):
    rng = random.Random(2024)
    with school_app(args.database_url) as school:
        app = school.app
        with app.app_context():
            started = time.perf_counter()
            build_school(args.assets, args.inspections, args.answers, rng)
            readings = add_dashboard_history(args.assets, rng)
            if args.database_url:
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
            built = time.perf_counter() - started
            db.session.remove()

        client = signed_in_client(app, "admin")
        with app.app_context():
            engine = db.engine
        client.get("/")
        latencies, cpu = measure(client, args.requests)
        with counted_queries(engine) as queries:
            client.get("/")
        page = client.get("/").get_data(as_text=True)

    print(
        f"{school.where}: {args.assets} assets, {args.inspections} inspections with {args.answers} "
        f"answers each, {readings} crack readings; built in {built:.1f} s"
    )
    print(f"dashboard page ({len(page) // 1024} KB of HTML): {len(queries)} SQL queries")
    print(f"{'GET / (admin)':22}{'median ms':>11}{'p95 ms':>9}")
    for name, times in (("server time", latencies), ("of it on this CPU", cpu)):
        print(f"{name:22}{statistics.median(times):>11.1f}"
              f"{statistics.quantiles(times, n=20)[-1]:>9.1f}")
    print(
        f"over {len(latencies)} requests, single-threaded test client; budget 300 ms on SQLite. "
        f"The CPU line leaves out time spent waiting for a busy machine's cores (load average "
        f"{os.getloadavg()[0]:.1f} when done)."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_school_options(parser)
    parser.add_argument("--requests", type=int, default=40)
    main(parser.parse_args())
