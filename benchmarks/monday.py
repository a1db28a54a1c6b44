"""A district's Monday morning through nginx and the app servers: how many phones they hold.

    PYTHONPATH=. .venv/bin/python benchmarks/monday.py --url https://127.0.0.1:8443 \
        --database-url postgresql://root@127.0.0.1:5432/DB --server-pids PID,PID \
        [--steps 10,20,40,80] [--seconds 60] [--locust /path/to/locust]

The district must be the demo's (`flask --app app seed-demo`, three kindergartens) or any
other with inspectors, admins and a district admin; tests/cluster/harness.py brings one up
behind nginx with two servers and a worker and prints what to pass here.

Locust (`pip install locust`, in a virtual environment of its own: it brings gevent) plays
benchmarks/monday_locustfile.py at each step's number of phones for --seconds, counted from
when every phone has signed in, and this prints per step: throughput, p50/p95/p99 per request
kind, errors, and the servers' CPU per request over the same time (the --server-pids
processes and their children, from /proc). Last, the largest step held with p99 under 500 ms
and no errors.
"""

import argparse
import base64
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageDraw

LOCUSTFILE = Path(__file__).with_name("monday_locustfile.py")
P99_BUDGET_MS = 500
SIGN_IN_SECONDS_BOUND = 600
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def plan(database_url: str, folder: Path) -> Path:
    """Who signs in where, the plates they scan, a phone photo and a drawn signature."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        schools = []
        for school_id, code in connection.execute(sa.text("SELECT id, code FROM schools")):
            people = dict(
                connection.execute(
                    sa.text(
                        "SELECT m.role, min(u.username) FROM memberships m"
                        " JOIN users u ON u.id = m.user_id"
                        " WHERE m.school_id = :school AND u.active GROUP BY m.role"
                    ),
                    {"school": school_id},
                ).all()
            )
            codes = connection.scalars(
                sa.text(
                    "SELECT code FROM assets WHERE school_id = :school AND status != 'retired'"
                ),
                {"school": school_id},
            ).all()
            if "inspector" in people and "admin" in people and codes:
                schools.append(
                    {"code": code, "inspector": people["inspector"], "admin": people["admin"],
                     "codes": codes}
                )
        district = connection.scalar(
            sa.text(
                "SELECT min(u.username) FROM district_members d JOIN users u ON u.id = d.user_id"
                " WHERE d.role = 'admin'"
            )
        )
    engine.dispose()
    if not schools or district is None:
        sys.exit("No school with an inspector, an admin and assets, or no district admin.")
    photo = folder / "photo.jpg"
    # A phone camera's photo: 12 megapixels of detail, a few megabytes.
    Image.effect_noise((4000, 3000), 60).convert("RGB").save(photo, "JPEG", quality=85)
    path = folder / "plan.json"
    path.write_text(
        json.dumps(
            {"schools": schools, "district": district, "password": "demo",
             "photo": str(photo), "signature": signature()}
        ),
        encoding="utf-8",
    )
    return path


def signature() -> str:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 30)], fill="black", width=3)
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes and every child of theirs, living now."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parents[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    counted, total, waiting = set(), 0, list(pids)
    while waiting:
        pid = waiting.pop()
        if pid in counted or pid not in parents:
            continue
        counted.add(pid)
        total += parents[pid][1]
        waiting.extend(child for child, (parent, _ticks) in parents.items() if parent == pid)
    return total / CLOCK_TICKS


def run_step(args, plan_path: Path, phones: int, folder: Path) -> dict:
    prefix = folder / f"step{phones}"
    mark = folder / f"step{phones}.signed-in"
    # The locustfile ends the run itself, --seconds after everyone signed in; -t only bounds a
    # morning whose sign-ins never finish.
    bound = args.seconds + SIGN_IN_SECONDS_BOUND
    locust = subprocess.Popen(
        [args.locust, "-f", str(LOCUSTFILE), "--headless", "--host", args.url,
         "-u", str(phones), "-r", str(max(1, phones // 5)), "-t", f"{bound}s",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        env={**os.environ, "PATROL_MONDAY_PLAN": str(plan_path),
             "PATROL_MONDAY_SECONDS": str(args.seconds), "PATROL_MONDAY_MARK": str(mark)},
        stdout=subprocess.DEVNULL,
    )
    while not mark.exists() and locust.poll() is None:
        time.sleep(0.1)
    before = cpu_seconds(args.server_pids)
    locust.wait()
    cpu = cpu_seconds(args.server_pids) - before
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        rows = list(csv.DictReader(stats))
    return {"phones": phones, "rows": rows, "cpu": cpu}


def report(step: dict) -> tuple[float, int]:
    print(f"\n{step['phones']} phones")
    print(f"  {'step':<22}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}")
    total = None
    for row in step["rows"]:
        if row["Request Count"] == "0":
            continue
        name = row["Name"] if row["Type"] else "all"
        print(
            f"  {name:<22}{row['Request Count']:>9}{row['Failure Count']:>7}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
        )
        if row["Name"] == "Aggregated":
            total = row
    requests = int(total["Request Count"])
    if requests:
        print(f"  servers' CPU: {1000 * step['cpu'] / requests:.1f} ms per request")
    return float(total["99%"] or 0), int(total["Failure Count"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="nginx's address, e.g. https://127.0.0.1:8443")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--server-pids", required=True,
                        type=lambda text: [int(pid) for pid in text.split(",")])
    parser.add_argument("--steps", default="10,20,40,80",
                        type=lambda text: [int(step) for step in text.split(",")])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--locust", default="locust")
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("Give --database-url or set DATABASE_URL.")

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        plan_path = plan(args.database_url, folder)
        print(f"Monday morning at {args.url}: {os.cpu_count()} cores on this machine, which also "
              "runs nginx, the database, Redis and locust itself.")
        held = None
        for phones in args.steps:
            p99, errors = report(run_step(args, plan_path, phones, folder))
            if p99 < P99_BUDGET_MS and errors == 0:
                held = phones
        print(f"\nHeld with p99 under {P99_BUDGET_MS} ms and no errors: "
              f"{held if held is not None else 'none of the steps'} phones.")


if __name__ == "__main__":
    main()
