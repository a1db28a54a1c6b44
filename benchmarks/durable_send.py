"""What waiting for the disk costs per inspection sent: SQLite at synchronous=NORMAL vs FULL.

    .venv/bin/python benchmarks/durable_send.py [--sends 100] [--rounds 3] [--folder DIR]

Builds a small school (benchmarks/large_school.py, 60 assets, no history) in a temporary
SQLite file in --folder (default: the system's temporary folder; it must be on a real disk,
not a tmpfs, or nothing waits), signs in as the inspector through the Flask test client and
sends --sends all-OK inspections with a drawn signature, going round the assets, as the
phone sends them. Patrol sets synchronous=FULL on every connection; for the NORMAL runs the
benchmark sets it back to NORMAL on each new connection. The two alternate --rounds times,
and it prints the median and mean milliseconds per send of each, and the difference. Beside
them, the bare cost of a commit: one small row inserted and committed, --sends times a round.
"""

import argparse
import base64
import io
import random
import statistics
import time
import uuid

import sqlalchemy as sa
from large_school import ITEMS_PER_CHECKLIST, KINDS, build_school, school_app, signed_in_client
from PIL import Image, ImageDraw

from app.extensions import db

ASSETS = 60


def drawn_signature():
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 30)], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def send(client, asset, signature):
    """One all-OK inspection of an asset (ids as build_school numbers them); its seconds."""
    kind = (asset - 1) % KINDS
    data = {
        "client_id": uuid.uuid4().hex,
        "version_id": str(kind + 1),
        "signature_data": signature,
        "signer_name": "Inspector",
        **{f"item-{kind * ITEMS_PER_CHECKLIST + i + 1}-outcome": "pass"
           for i in range(ITEMS_PER_CHECKLIST)},
    }
    started = time.perf_counter()
    answer = client.post(f"/assets/{asset}/checklists/{kind + 1}/inspect", data=data,
                         content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    if answer.status_code != 303:
        raise SystemExit(f"the inspection was not recorded: {answer.status_code}")
    return elapsed


def bare_commit(engine):
    """One row inserted and committed on its own; its seconds."""
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO bench_commits (note) VALUES ('x')"))
    return time.perf_counter() - started


def main(args):
    with school_app(folder=args.folder) as school:
        with school.app.app_context():
            build_school(ASSETS, 0, 0, random.Random(2024))
            db.session.remove()
            engine = db.engine
        mode = {"synchronous": "FULL"}

        @sa.event.listens_for(engine, "connect")
        def chosen_synchronous(dbapi_connection, _record):
            # After Patrol's own listener, which sets FULL.
            dbapi_connection.execute(f"PRAGMA synchronous={mode['synchronous']}")

        client = signed_in_client(school.app, "inspector")
        signature = drawn_signature()
        timings = {"NORMAL": [], "FULL": []}
        commits = {"NORMAL": [], "FULL": []}
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE bench_commits (note VARCHAR(10))"))
        asset = 0
        for _round in range(args.rounds):
            for setting in ("NORMAL", "FULL"):
                mode["synchronous"] = setting
                engine.dispose()
                for _ in range(args.sends):
                    asset = asset % ASSETS + 1
                    timings[setting].append(send(client, asset, signature))
                    commits[setting].append(bare_commit(engine))
        engine.dispose()

    print(f"{school.where} in {school.folder.parent}: {args.rounds} rounds of {args.sends} "
          "all-OK inspections with a drawn signature, through the Flask test client")
    for setting, seconds in timings.items():
        print(f"  synchronous={setting}: median {statistics.median(seconds) * 1000:.2f} ms, "
              f"mean {statistics.mean(seconds) * 1000:.2f} ms per send; a bare commit: median "
              f"{statistics.median(commits[setting]) * 1000:.3f} ms")
    difference = statistics.median(timings["FULL"]) - statistics.median(timings["NORMAL"])
    print(f"  FULL costs {difference * 1000:+.2f} ms per send (medians)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=100, help="sends per round and setting")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", help="where the temporary database is made (a real disk)")
    main(parser.parse_args())
