"""What PostgreSQL's row-level security costs a school-owned table's reads, under the rule
the policies used before migration 5e8b1d2c9f47 and the one they use since.

    PYTHONPATH=. .venv/bin/python benchmarks/row_security.py --database-url postgresql://...
        [--schools 100] [--rows 1000000] [--repeat 5]

In a schema of its own (dropped afterwards, nothing else touched), a table of --rows rows
spread over --schools schools, indexed on school_id as every school-owned table is, read by a
role the policy binds, as the application's role is. For each rule it prints the median of
--repeat runs of:
(a) one school's rows counted as the application asks for them (`WHERE school_id = …`, the
    tenant criteria), the policy checking them too;
(b) the same with the application's scoping left out: the policy alone keeps the school;
(c) every school's rows, as the worker and the district read them ("*");
and, for a baseline, (a) as the table's owner, whom the policy does not bind.
"""

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

import sqlalchemy as sa

from app.config import database_uri

SCHEMA = "patrol_row_security_bench"
ROLE = "patrol_row_security_bench_reader"
MIGRATION = next(
    Path(__file__).resolve().parent.parent.joinpath("app/migrations/versions").glob(
        "5e8b1d2c9f47_*.py"
    )
)


def rules():
    """The two rules as the migration states them: (name, function to create, policy rule)."""
    spec = importlib.util.spec_from_file_location("rule_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return (
        ("before: patrol_school_visible(school_id)", migration.VISIBLE, migration.OLD_RULE),
        ("since: school_id = ANY(list once)", migration.VISIBLE_IDS, migration.NEW_RULE),
    )


def timed(connection, sql, repeat):
    connection.execute(sa.text(sql)).scalar()  # the table's pages read into memory first
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        connection.execute(sa.text(sql)).scalar()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith(("postgres://", "postgresql")):
        parser.error("a PostgreSQL --database-url (or DATABASE_URL) is needed")
    engine = sa.create_engine(database_uri(args.database_url), isolation_level="AUTOCOMMIT")
    one_school = args.schools // 2
    with engine.connect() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        connection.execute(sa.text(f"SET search_path TO {SCHEMA}"))
        connection.execute(sa.text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}')"
            f" THEN CREATE ROLE {ROLE} NOLOGIN; END IF; END $$"
        ))
        try:
            started = time.perf_counter()
            connection.execute(sa.text(
                "CREATE TABLE schools (id integer PRIMARY KEY);"
                f" INSERT INTO schools SELECT generate_series(1, {args.schools});"
                " CREATE TABLE rows (id serial PRIMARY KEY,"
                " school_id integer NOT NULL REFERENCES schools (id), payload integer);"
                f" INSERT INTO rows (school_id, payload) SELECT (n % {args.schools}) + 1, n"
                f" FROM generate_series(1, {args.rows}) n;"
                " CREATE INDEX ON rows (school_id); ANALYZE schools; ANALYZE rows;"
                f" GRANT USAGE ON SCHEMA {SCHEMA} TO {ROLE};"
                f" GRANT SELECT ON schools, rows TO {ROLE};"
                " ALTER TABLE rows ENABLE ROW LEVEL SECURITY"
            ))
            print(f"{args.rows:,} rows over {args.schools} schools built in "
                  f"{time.perf_counter() - started:.1f} s; median of {args.repeat} runs, ms")
            scoped = f"SELECT count(*) FROM rows WHERE school_id = {one_school}"
            owner = timed(connection, scoped, args.repeat)
            print(f"  the owner, not bound by the policy: (a) {owner:.1f}")
            for name, function, rule in rules():
                connection.execute(sa.text(function))
                connection.execute(sa.text("DROP POLICY IF EXISTS school_only ON rows"))
                connection.execute(sa.text(f"CREATE POLICY school_only ON rows USING ({rule})"))
                connection.execute(sa.text(f"SET ROLE {ROLE}"))
                connection.execute(sa.text(f"SET patrol.school_ids = '{one_school}'"))
                one = timed(connection, scoped, args.repeat)
                alone = timed(connection, "SELECT count(*) FROM rows", args.repeat)
                connection.execute(sa.text("SET patrol.school_ids = '*'"))
                everywhere = timed(connection, "SELECT count(*) FROM rows", args.repeat)
                connection.execute(sa.text("RESET ROLE"))
                print(f"  {name}: (a) {one:.1f}  (b) {alone:.1f}  (c) {everywhere:.1f}")
        finally:
            connection.execute(sa.text("RESET ROLE"))
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"DROP ROLE IF EXISTS {ROLE}"))


if __name__ == "__main__":
    main()
