"""How long a large register import takes, and how long it keeps other writers waiting.

    .venv/bin/python benchmarks/register_import.py [--rows 100000] [--assets 5000]
        [--blanks 1000] [--database-url postgresql://...]

Builds the school of benchmarks/large_school.py without history (a site, 10 buildings of
20 rooms, --assets assets spread over the rooms, each with its code) and --blanks blank
labels, in a temporary SQLite file or a schema of its own in the given PostgreSQL database,
dropped afterwards. Then a CSV like a school's own register of --rows rows: every existing
asset by its code (one in ten renamed, moved or given a 校产编号), the blank labels claimed,
and the rest new assets without a code, in the rooms named by their place codes. It imports
the file the way the web page and the CLI do (csv_io.import_assets) and prints rows/s, the
total seconds, and how long the write transaction ran (its first write to the register's
tables to its commit), in wall clock and CPU time.

On SQLite a second connection meanwhile takes the write lock every 10 ms (BEGIN IMMEDIATE,
then ROLLBACK), as an inspection sent during the import would, and the longest it waited is
printed: that is what must stay well under the busy timeout.
"""

import argparse
import random
import re
import sqlite3
import threading
import time

import sqlalchemy as sa
from large_school import KINDS, add_school_options, build_school, insert, school_app

from app.extensions import db
from app.models import Asset, Place, PlaceKind, ScanCode
from app.register import csv_io

NAMES = ("吊扇", "灯", "空调", "灭火器", "饮水机", "课桌", "椅子", "黑板", "柜子", "插座")
HEADER = "code,name,kind,place,asset_number\n"


def blank_codes(count, rng):
    """Blank labels printed for the first labelling walk: codes no label has carried yet."""
    taken = set(db.session.scalars(sa.select(ScanCode.value)))
    codes = set()
    while len(codes) < count:
        code = "".join(rng.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(6))
        if code not in taken:
            codes.add(code)
    insert(ScanCode.__table__, [{"value": code} for code in codes])
    db.session.commit()
    return sorted(codes)


def register_file(rows, blanks, rng):
    """The CSV text: existing assets (some changed), blank labels claimed, new assets."""
    rooms = db.session.scalars(
        sa.select(Place.code).where(Place.kind == PlaceKind.ROOM).order_by(Place.id)
    ).all()
    lines = [HEADER]
    existing = db.session.execute(
        sa.select(Asset.code, Asset.name, Asset.kind_id, Place.code)
        .join(Place, Asset.place_id == Place.id)
        .order_by(Asset.id)
    ).all()
    for n, (code, name, kind_id, place) in enumerate(existing):
        change = n % 30
        if change == 0:
            name = name + "（新）"
        elif change == 10:
            place = rooms[(rooms.index(place) + 1) % len(rooms)]
        number = f"GD-{n:06d}" if change == 20 else ""
        lines.append(f"{code},{name},kind_{kind_id},{place},{number}\n")
    for code in blanks:
        lines.append(f"{code},{rng.choice(NAMES)},kind_{rng.randint(1, KINDS)},"
                     f"{rng.choice(rooms)},\n")
    for _ in range(rows - len(existing) - len(blanks)):
        lines.append(f",{rng.choice(NAMES)},kind_{rng.randint(1, KINDS)},{rng.choice(rooms)},\n")
    return "".join(lines).encode("utf-8")


class WriteTransaction:
    """The import's first write to the register's tables to its commit, timed from the SQL
    the engine runs: wall clock, and this process's CPU time (a busy machine inflates the
    first, not the second). A temporary table takes no lock, so it does not count."""

    WRITE = re.compile(r"\s*(INSERT INTO|UPDATE|DELETE FROM) (assets|scan_codes)\b", re.I)

    def __init__(self, engine):
        self.began = self.ended = None
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._commit)

    def _statement(self, _conn, _cursor, statement, *_args):
        if self.began is None and self.WRITE.match(statement):
            self.began = (time.perf_counter(), time.process_time())

    def _commit(self, _conn):
        if self.began is not None and self.ended is None:
            self.ended = (time.perf_counter(), time.process_time())

    def seconds(self):
        """(wall, CPU) seconds, or None if nothing was written."""
        if self.began is None or self.ended is None:
            return None
        return self.ended[0] - self.began[0], self.ended[1] - self.began[1]


class LockProbe(threading.Thread):
    """Another writer on the SQLite file: takes the write lock every 10 ms, notes each wait."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.longest = 0.0
        self.tries = 0
        self.done = threading.Event()

    def run(self):
        connection = sqlite3.connect(self.path, timeout=600, isolation_level=None)
        while not self.done.is_set():
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            self.longest = max(self.longest, time.perf_counter() - started)
            connection.execute("ROLLBACK")
            self.tries += 1
            time.sleep(0.01)
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_school_options(parser, history=False)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--blanks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with school_app(args.database_url) as school, school.app.app_context():
        build_school(args.assets, 0, 0, rng)
        data = register_file(args.rows, blank_codes(args.blanks, rng), rng)
        assets_before = db.session.scalar(sa.select(sa.func.count()).select_from(Asset))
        db.session.remove()

        transaction = WriteTransaction(db.engine)
        probe = None
        if db.engine.dialect.name == "sqlite":
            probe = LockProbe(db.engine.url.database)
            probe.start()
        with school.app.test_request_context(headers={"Accept-Language": "en"}):
            started, cpu_started = time.perf_counter(), time.process_time()
            summary = csv_io.import_assets(data)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
        if probe is not None:
            probe.done.set()
            probe.join()
        assets_after = db.session.scalar(sa.select(sa.func.count()).select_from(Asset))

        print(f"{school.where}; {args.rows} rows, {len(data) / 1e6:.2f} MB "
              f"(upload limit {school.app.config['IMPORT_MAX_BYTES'] / 1e6:.2f} MB); "
              f"{args.assets} assets and {args.blanks} blank labels before")
        print(summary.describe(), f"Assets: {assets_before} → {assets_after}.")
        print(f"import: {seconds:.2f} s ({cpu_seconds:.2f} s CPU), "
              f"{args.rows / seconds:,.0f} rows/s")
        if transaction.seconds() is not None:
            wall, cpu = transaction.seconds()
            print(f"write transaction (first write to commit): {wall:.2f} s ({cpu:.2f} s CPU)")
        if probe is not None:
            print(f"another writer waited at most {probe.longest:.2f} s "
                  f"({probe.tries} tries during the import)")


if __name__ == "__main__":
    main()
