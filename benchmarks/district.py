"""A district of many schools: built in bulk, its dashboard timed, and one school's pages set
beside the same school in a one-school install.

    PYTHONPATH=. .venv/bin/python benchmarks/district.py --database-url postgresql://...
        [--schools 100] [--assets 500] [--weeks 18] [--requests 300] [--rounds 3]

DATABASE_URL in the environment serves when --database-url is left out. The full size is
built on PostgreSQL only: SQLite is refused beyond SQLITE_MAX_ASSETS assets in all (a small
run, `--schools 3 --assets 50`, may use a temporary SQLite file).

The generator builds, in a schema of its own in that database (benchmarks/large_school.py's
school_app, dropped afterwards, nothing else touched), a district holding N schools, each with
the same register: places, asset kinds, M assets and their plate codes, a weekly routine per
kind, an admin and an inspector, and a term (--weeks) of history: an inspection with its
answers for every check due before today, every hundredth asset having missed its latest
(overdue), and faults, open, unsafe and accepted. Plus the district's logistics office,
`district`. It loads in bulk as the tables' owner on a plain engine connection (COPY on
PostgreSQL, executemany on SQLite), outside the application's session: the row-level security
policies bind only the application's role (DATABASE_APP_ROLE), so the owner writes every
school's rows in one pass, each row given its school_id. As a superuser it also skips the
foreign keys' per-row triggers for the load. It prints the build time.

Then, through the Flask test client signed in through the sign-in form:
(a) the district dashboard `/district/` as the district office, server time per request
    (skipped with a message where this Patrol has no such page), with every school's figures
    stored first as the worker stores them (app.district.stored, where this Patrol has it:
    the round's time is printed), and once before that, with nothing stored, as a fresh
    install's first page counts every school on the spot;
(b) the SQL queries of one school's pages (Today, the scan page of an asset, the dashboard's
    checks, the faults list) in a school in the middle of the district and in the one school
    of a one-school install built by the same generator (--schools 1): they must be equal;
(c) the scan page's CPU per request (time.process_time over --requests requests of random
    assets, --rounds rounds taken in turn, the lowest round kept) in both, and their ratio:
    the budget is within 10 %.
"""

import argparse
import cProfile
import os
import pstats
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_migrate import upgrade
from large_school import counted_queries, school_app, signed_in_client  # beside this script
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import (
    Answer,
    Asset,
    AssetKind,
    AssetStatus,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    District,
    DistrictMember,
    DistrictRole,
    Fault,
    FaultEvent,
    FaultStatus,
    Frequency,
    Inspection,
    ItemType,
    Membership,
    Outcome,
    Place,
    PlaceKind,
    Role,
    ScanCode,
    School,
    Signature,
    Urgency,
    User,
)
from app.models.code import ALPHABET, CODE_LENGTH
from app.routines import today

PASSWORD = "benchmark"
TIMEZONE = "Asia/Shanghai"
SQLITE_MAX_ASSETS = 5_000
BUILDINGS = 5
ROOMS_PER_BUILDING = 5
KINDS = 10
ITEMS = 4
OVERDUE_EVERY = 100  # one asset in so many missed its latest check
FAULT_EVERY = 50  # one asset in so many has an open fault...
UNSAFE_EVERY = 250  # ...one in so many an unsafe one that took it out of service...
ACCEPTED_EVERY = 100  # ...and one in so many a repair accepted
FLUSH_EVERY = 10  # schools generated before their rows go to the database
DASHBOARD_REQUESTS = 5


def plate_code(number: int) -> str:
    """The number-th plate code of the deployment: distinct numbers give distinct codes
    (multiplying by a number prime to 31 permutes the codes)."""
    value = (number * 7_919_993 + 104_729) % len(ALPHABET) ** CODE_LENGTH
    letters = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        letters.append(ALPHABET[digit])
    return "".join(letters)


def naive_utc(day, hour):
    local = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(TIMEZONE))
    return (local + timedelta(hours=hour)).astimezone(UTC).replace(tzinfo=None)


class Generator:
    """Rows of a district's tables, school after school, with ids of its own choosing."""

    TABLES = (Place, AssetKind, Asset, ScanCode, User, Membership, Checklist, ChecklistVersion,
              ChecklistItem, Signature, Inspection, Answer, Fault, FaultEvent)

    def __init__(self, connection, assets, weeks, day):
        self.connection = connection
        self.assets = assets
        self.weeks = weeks
        self.today = day
        self.rows = {model: [] for model in self.TABLES}
        self.next_id = {model: 1 for model in self.TABLES}
        self.codes = 0
        self.password_hash = generate_password_hash(PASSWORD)
        # The register is in use since the first week of history, so all of it counts.
        self.since = self.today - timedelta(weeks=weeks, days=1)
        self.since_at = naive_utc(self.since, 0)

    def add(self, model, **values) -> int:
        row_id = values.setdefault("id", self.next_id[model])
        self.next_id[model] = row_id + 1
        self.rows[model].append(values)
        return row_id

    def plate(self) -> str:
        self.codes += 1
        return plate_code(self.codes)

    def school(self, school_id: int, number: int) -> None:
        """One school's register, people and term, all alike but for codes and ids."""
        add = self.add
        admin = add(User, username=f"admin-{number}", display_name=f"总务主任{number}",
                    password_hash=self.password_hash, active=True, created_at=self.since_at)
        inspector = add(User, username=f"inspector-{number}", display_name=f"安全员{number}",
                        password_hash=self.password_hash, active=True, created_at=self.since_at)
        for user_id, role in ((admin, Role.ADMIN), (inspector, Role.INSPECTOR)):
            add(Membership, user_id=user_id, role=role.value, school_id=school_id,
                created_at=self.since_at)

        def place(name, kind, parent, position):
            place_id = add(Place, code=self.plate(), name=name, kind=kind.value,
                           parent_id=parent, position=position, notes="", school_id=school_id)
            add(ScanCode, value=self.rows[Place][-1]["code"], place_id=place_id,
                created_at=self.since_at, school_id=school_id)
            return place_id

        site = place(f"第{number}幼儿园", PlaceKind.SITE, None, 0)
        rooms = []
        for b in range(BUILDINGS):
            building = place(f"{b + 1}号楼", PlaceKind.BUILDING, site, b)
            rooms += [place(f"{r + 101}室", PlaceKind.ROOM, building, r)
                      for r in range(ROOMS_PER_BUILDING)]

        kinds, routines = [], []
        for k in range(KINDS):
            kinds.append(add(AssetKind, key=f"kind_{k}", name=f"设备类别{k}",
                             name_en=f"Kind {k}", school_id=school_id))
            checklist = add(Checklist, key=f"weekly_{k}", name=f"每周检查{k}",
                            name_en=f"Weekly check {k}", kind_id=kinds[-1],
                            frequency=Frequency.WEEKLY.value, weekday=k % 5, grace_days=0,
                            active=True, created_at=self.since_at, school_id=school_id)
            version = add(ChecklistVersion, checklist_id=checklist, number=1,
                          created_at=self.since_at, school_id=school_id)
            items = [
                add(ChecklistItem, version_id=version, position=i + 1,
                    type=ItemType.CHECK.value, text=f"检查项{i + 1}", text_en=f"Item {i + 1}",
                    lineage=f"{school_id:08x}{k:08x}{i:016x}", required=True,
                    critical=i == 0, school_id=school_id)
                for i in range(ITEMS)
            ]
            routines.append((checklist, version, items, self._due_dates(k % 5)))

        signature = add(Signature, signer_id=inspector, signer_name=f"安全员{number}",
                        signed_at=self.since_at, school_id=school_id)
        for a in range(self.assets):
            unsafe = a % UNSAFE_EVERY == UNSAFE_EVERY - 1
            asset = add(Asset, code=self.plate(), name=f"设备{a + 1}", kind_id=kinds[a % KINDS],
                        place_id=rooms[a % len(rooms)], notes="",
                        status=(AssetStatus.OUT_OF_SERVICE if unsafe
                                else AssetStatus.IN_SERVICE).value,
                        created_at=self.since_at, updated_at=self.since_at,
                        school_id=school_id)
            add(ScanCode, value=self.rows[Asset][-1]["code"], asset_id=asset,
                created_at=self.since_at, school_id=school_id)
            checklist, version, items, due_dates = routines[a % KINDS]
            missed = a % OVERDUE_EVERY == OVERDUE_EVERY - 1
            for day in due_dates[1:] if missed else due_dates:
                inspection = add(
                    Inspection, client_id=f"bench-{asset}-{day}", asset_id=asset,
                    checklist_id=checklist, version_id=version, inspector_id=inspector,
                    signature_id=signature, submitted_at=naive_utc(day, 9), local_date=day,
                    passed=True, off_schedule=False, note="", school_id=school_id,
                )
                for position, item in enumerate(items, 1):
                    add(Answer, inspection_id=inspection, item_id=item, position=position,
                        outcome=Outcome.PASS.value, out_of_range=False, text="", note="",
                        school_id=school_id)
            self._faults(a, asset, unsafe, admin, inspector, school_id)

    def _due_dates(self, weekday):
        """The routine's due dates before today, latest first, back over the term."""
        back = (self.today.weekday() - weekday - 1) % 7 + 1
        latest = self.today - timedelta(days=back)
        return [latest - timedelta(weeks=w) for w in range(self.weeks)]

    def _faults(self, a, asset, unsafe, admin, inspector, school_id):
        reported = naive_utc(self.today - timedelta(days=a % 20 + 1), 10)
        common = dict(asset_id=asset, reported_by_id=inspector, reported_at=reported,
                      is_public=False, repair_note="", parts="", school_id=school_id)
        if unsafe:
            fault = self.add(Fault, description="滑道开裂，边缘锋利。",
                             urgency=Urgency.UNSAFE.value, status=FaultStatus.REPORTED.value,
                             took_out_of_service=True, **common)
        elif a % FAULT_EVERY == 0:
            fault = self.add(Fault, description="护栏松动，需要紧固。",
                             urgency=Urgency.NEEDS_REPAIR.value,
                             status=FaultStatus.REPORTED.value, took_out_of_service=False,
                             **common)
        elif a % ACCEPTED_EVERY == ACCEPTED_EVERY // 2:
            fault = self.add(Fault, description="灯管闪烁。", urgency=Urgency.NEEDS_REPAIR.value,
                             status=FaultStatus.ACCEPTED.value, took_out_of_service=False,
                             repaired_at=reported + timedelta(days=2), repaired_by_id=admin,
                             accepted_at=reported + timedelta(days=3), accepted_by_id=admin,
                             **common)
            self.add(FaultEvent, fault_id=fault, action="accepted",
                     status=FaultStatus.ACCEPTED.value, actor_id=admin, note="",
                     at=reported + timedelta(days=3), school_id=school_id)
        else:
            return
        self.add(FaultEvent, fault_id=fault, action="reported", status=FaultStatus.REPORTED.value,
                 actor_id=inspector, note="", at=reported, school_id=school_id)

    def flush(self):
        for model, rows in self.rows.items():
            if rows:
                bulk_insert(self.connection, model.__table__, rows)
                rows.clear()


def bulk_insert(connection, table, rows):
    """COPY on PostgreSQL, an executemany elsewhere; rows are dicts naming their columns (a
    column a row leaves out is NULL in it)."""
    named = set().union(*rows)
    columns = [column.name for column in table.columns if column.name in named]
    if connection.dialect.name != "postgresql":
        connection.execute(
            table.insert(), [{column: row.get(column) for column in columns} for row in rows]
        )
        return
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(column) for column in columns])


def build_district(app, schools, assets, weeks):
    """The tables, then the district in bulk as the tables' owner; seconds taken to load."""
    with app.app_context():
        upgrade()
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                _grant_to_app_role(connection, app.config["DATABASE_APP_ROLE"])
        day = today()
        db.session.remove()
        started = time.perf_counter()
        with engine.begin() as connection:
            _skip_foreign_key_checks(connection)
            connection.execute(sa.insert(District.__table__).values(
                id=1, code="bench", name="基准测试区教育局", name_en="Benchmark district",
                created_at=datetime.now(UTC).replace(tzinfo=None)))
            first = connection.execute(sa.select(School.id).order_by(School.id)).scalar()
            connection.execute(sa.update(School.__table__).where(School.id == first).values(
                district_id=1, name="第1幼儿园", name_en="Kindergarten 1", timezone=TIMEZONE))
            others = [
                {"id": first + n, "code": f"school-{n + 1:03d}", "name": f"第{n + 1}幼儿园",
                 "name_en": f"Kindergarten {n + 1}", "timezone": TIMEZONE, "language": "zh",
                 "district_id": 1, "created_at": datetime.now(UTC).replace(tzinfo=None)}
                for n in range(1, schools)
            ]
            if others:
                connection.execute(sa.insert(School.__table__), others)
            generator = Generator(connection, assets, weeks, day)
            for n in range(schools):
                generator.school(first + n, n + 1)
                if (n + 1) % FLUSH_EVERY == 0:
                    generator.flush()
            office = generator.add(User, username="district", display_name="区教育局后勤科",
                                   password_hash=generator.password_hash, active=True,
                                   created_at=generator.since_at)
            generator.flush()
            connection.execute(sa.insert(DistrictMember.__table__).values(
                user_id=office, district_id=1, role=DistrictRole.OFFICE.value,
                created_at=generator.since_at))
            _catch_up_sequences(connection, (School, *Generator.TABLES))
        built = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("ANALYZE"))
        db.session.remove()
    return built, time.perf_counter() - started


def _skip_foreign_key_checks(connection):
    """The generator's rows refer to each other rightly by construction: on PostgreSQL, as a
    superuser, the load skips the foreign keys' triggers (a check per row was most of it)."""
    if connection.dialect.name != "postgresql":
        return
    superuser = connection.execute(sa.text(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if superuser:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))


def _grant_to_app_role(connection, role):
    """The migration grants the application's role the public schema; this one is its own."""
    if not role:
        return
    schema = connection.execute(sa.text("SELECT current_schema()")).scalar()
    connection.execute(sa.text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
    connection.execute(sa.text(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"))
    connection.execute(sa.text(
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"))


def _catch_up_sequences(connection, models):
    """Ids were given by hand: PostgreSQL's sequences move past them for rows added later."""
    if connection.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        connection.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        ))


class Install:
    """A built install and what is measured on it: one school's people, its assets' codes."""

    def __init__(self, school, number, label):
        self.app = school.app
        self.label = label
        self.number = number
        with self.app.app_context():
            self.engine = db.engine
            school_id = db.session.scalar(sa.select(School.id).where(
                School.name == f"第{number}幼儿园"))
            with db.engine.connect() as connection:
                self.codes = connection.execute(
                    sa.select(Asset.code).where(Asset.school_id == school_id).order_by(Asset.id)
                ).scalars().all()
            self.has_dashboard = any(rule.rule == "/district/"
                                     for rule in self.app.url_map.iter_rules())
        self.inspector = signed_in_client(self.app, f"inspector-{number}")
        self.admin = signed_in_client(self.app, f"admin-{number}")

    def pages(self):
        """(name, client, path) of the school pages whose query count is compared."""
        return (
            ("Today", self.inspector, "/today"),
            ("scan page", self.inspector, f"/q/{self.codes[0]}"),
            ("dashboard checks", self.admin, "/dashboard/checks"),
            ("faults list", self.admin, "/faults/"),
        )

    def queries(self):
        counts = {}
        for name, client, path in self.pages():
            get(client, path)  # the first request fills what a process caches
            with counted_queries(self.engine) as counted:
                get(client, path)
            counts[name] = len(counted)
        return counts

    def scan_cpu(self, requests, rng):
        """CPU seconds per scan page request, over so many requests of random assets."""
        paths = [f"/q/{rng.choice(self.codes)}" for _ in range(requests)]
        started = time.process_time()
        for path in paths:
            get(self.inspector, path)
        return (time.process_time() - started) / requests


def get(client, path):
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return response


def count_every_school(install):
    """The worker's round: every school's figures counted and stored; seconds, or None where
    this Patrol keeps no stored figures."""
    try:
        from app.district import stored
    except ImportError:
        return None
    with install.app.app_context():
        started = time.perf_counter()
        stored.refresh_district_schools()
        took = time.perf_counter() - started
        db.session.remove()
    return took


def dashboard_times(install, profile=False):
    """Server time of the district dashboard: (wall seconds, CPU seconds) per request, and
    the first request's seconds before the worker's round; with `profile`, first where one
    request spends it: functions, and the SQL by time taken."""
    office = signed_in_client(install.app, "district")
    started = time.perf_counter()
    get(office, "/district/")
    first = time.perf_counter() - started
    counted = count_every_school(install)
    if counted is not None:
        print(f"(a) nothing stored yet, the first page counted every school: {first:.1f} s; "
              f"the worker's round of every school: {counted:.1f} s", flush=True)
    if profile:
        print_profile(install.app, lambda: get(office, "/district/"))
    with counted_queries(install.engine) as counted_statements:
        get(office, "/district/")
    print(f"(a) the dashboard's SQL queries: {len(counted_statements)}")
    walls, cpus = [], []
    for _ in range(DASHBOARD_REQUESTS):
        wall, cpu = time.perf_counter(), time.process_time()
        get(office, "/district/")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def print_profile(app, action):
    """The functions taking the most time in `action`, then its slowest SQL statements."""
    timings = {}

    def started(conn, cursor, statement, parameters, context, executemany):
        context._bench_started = time.perf_counter()

    def finished(conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - context._bench_started
        count, total = timings.get(statement, (0, 0.0))
        timings[statement] = (count + 1, total + took)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", started)
    sa.event.listen(engine, "after_cursor_execute", finished)
    profiler = cProfile.Profile()
    try:
        profiler.runcall(action)
    finally:
        sa.event.remove(engine, "before_cursor_execute", started)
        sa.event.remove(engine, "after_cursor_execute", finished)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    print(f"{sum(c for c, _ in timings.values())} statements, "
          f"{sum(t for _, t in timings.values()) * 1000:.0f} ms in the database; the slowest:")
    for statement, (count, total) in sorted(timings.items(), key=lambda kv: -kv[1][1])[:8]:
        print(f"  {total * 1000:8.0f} ms  x{count:<4} {' '.join(statement.split())[:160]}")


def main(args):
    url = args.database_url or os.environ.get("DATABASE_URL")
    on_sqlite = url is None or url.startswith("sqlite")
    if on_sqlite and args.schools * args.assets > SQLITE_MAX_ASSETS:
        raise SystemExit(f"{args.schools * args.assets} assets: build it on PostgreSQL "
                         f"(--database-url postgresql://…); SQLite only up to "
                         f"{SQLITE_MAX_ASSETS} assets in all.")
    database = None if on_sqlite else url
    measured = args.schools // 2 + 1  # a school in the middle of the district
    with school_app(database) as district_school, school_app(database) as one_school:
        built, with_analyze = build_district(
            district_school.app, args.schools, args.assets, args.weeks)
        print(f"{district_school.where}: {args.schools} schools x {args.assets} assets, "
              f"{args.weeks} weeks of history; loaded in {built:.1f} s "
              f"({with_analyze:.1f} s with ANALYZE)", flush=True)
        with district_school.app.app_context(), db.engine.connect() as connection:
            # As the tables' owner: every school's rows.
            rows = {model.__name__: connection.scalar(
                sa.select(sa.func.count()).select_from(model.__table__))
                for model in (Asset, Inspection, Answer, Fault)}
        print("  rows: " + ", ".join(f"{name} {count:,}" for name, count in rows.items()))
        single_built, _ = build_district(one_school.app, 1, args.assets, args.weeks)
        print(f"one-school install: {args.assets} assets, built in {single_built:.1f} s",
              flush=True)

        district = Install(district_school, measured, f"school {measured} of {args.schools}")
        single = Install(one_school, 1, "one-school install")

        if district.has_dashboard:
            walls, cpus = dashboard_times(district, args.profile)
            print(f"(a) district dashboard /district/ over {args.schools} schools: "
                  f"median {statistics.median(walls) * 1000:.0f} ms, "
                  f"max {max(walls) * 1000:.0f} ms server time "
                  f"(CPU median {statistics.median(cpus) * 1000:.0f} ms; budget: 1 s)")
        else:
            print("(a) district dashboard: skipped, this Patrol has no /district/ page yet")

        in_district, alone = district.queries(), single.queries()
        print("(b) SQL queries per page: "
              f"{district.label} vs. {single.label}")
        for name, count in in_district.items():
            verdict = "equal" if count == alone[name] else "DIFFERENT"
            print(f"    {name:17}{count:>4}{alone[name]:>6}  {verdict}")

        rng = random.Random(2024)
        for install in (district, single):  # warm both before anything is timed
            install.scan_cpu(min(args.requests, 50), rng)
        rounds = {district.label: [], single.label: []}
        for _ in range(args.rounds):
            for install in (district, single):
                rounds[install.label].append(install.scan_cpu(args.requests, rng))
        big, small = min(rounds[district.label]), min(rounds[single.label])
        print(f"(c) scan page CPU per request, {args.requests} requests x {args.rounds} "
              f"rounds, lowest round: {district.label} {big * 1000:.2f} ms, "
              f"{single.label} {small * 1000:.2f} ms, ratio {big / small:.3f} "
              f"(budget: at most 1.10)")
        for label, figures in rounds.items():
            print(f"    {label}: " + ", ".join(f"{f * 1000:.2f}" for f in figures) + " ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--assets", type=int, default=500, help="assets per school")
    parser.add_argument("--weeks", type=int, default=18, help="weeks of history (a term)")
    parser.add_argument("--requests", type=int, default=300,
                        help="scan page requests per CPU round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="print where one dashboard request spends its time")
    parser.add_argument("--database-url", help="postgresql://… (default: DATABASE_URL); a "
                        "schema of its own is made and dropped")
    main(parser.parse_args())
