"""PostgreSQL: a snapshot by pg_dump, and a restore by pg_restore.

The backup opens a REPEATABLE READ transaction, exports its snapshot and hands it to
`pg_dump --snapshot`: the dump, the rows counted for the manifest and the photo names are
all the database as of that one moment, while the app's transactions carry on.

pg_dump and pg_restore must be of the server's major version (or newer): Debian's
postgresql-client. They are given the database URL without its password, which goes in
PGPASSWORD, so it is not shown to everyone on the machine in the process list.
"""

import os
import re
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.backups.archive import ArchiveError
from app.backups.contents import Contents, read_contents

# A line of `pg_restore --list` naming a schema (and its comment): "; 5 2615 2200 SCHEMA - public".
SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (COMMENT - )?SCHEMA ")


def current_schema(connection) -> str:
    return connection.execute(sa.text("SELECT current_schema()")).scalar()


def snapshot(engine, into: Path) -> tuple[Contents, str]:
    """Dump the database's schema into `into`; what the dump holds, and the schema's name."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            exported = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
            schema = current_schema(connection)
            contents = read_contents(connection)
            _run(
                "pg_dump",
                engine,
                "--format=custom",
                "--no-owner",
                f"--schema={schema}",
                f"--snapshot={exported}",
                f"--file={into}",
            )
    return contents, schema


def restore(engine, staged: Path) -> None:
    """Replace the install's (empty) schema with the dump's, then give the application's role
    its rights again.

    The dump is restored without its grants (--no-acl): they name the role of the install it
    came from, while this one's is DATABASE_APP_ROLE. Its row-level security policies and
    the function they call come back with the tables, as the dump holds them.
    """
    with engine.begin() as connection:
        _drop_schema_objects(connection)
    contents = _run("pg_restore", None, "--list", str(staged))
    # The schema itself is the install's already (its current_schema, checked to be the dump's).
    wanted = "".join(
        line for line in contents.splitlines(keepends=True) if not SCHEMA_ENTRY.search(line)
    )
    listing = staged.with_name("restore.list")
    listing.write_text(wanted)
    _run(
        "pg_restore",
        engine,
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        f"--use-list={listing}",
        str(staged),
    )
    with engine.begin() as connection:
        _grant_application_role(connection, current_app.config["DATABASE_APP_ROLE"])
    engine.dispose()


def _drop_schema_objects(connection) -> None:
    """What the migrations made in an empty install: pg_restore makes it again from the dump."""
    schema = current_schema(connection)
    quote = connection.dialect.identifier_preparer.quote
    tables = connection.execute(
        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
    ).scalars().all()
    if tables:
        connection.execute(sa.text(f"DROP TABLE {', '.join(map(quote, tables))} CASCADE"))
    # The row-security functions the policies call (migrations 3c5d0e8f2a41, 5e8b1d2c9f47),
    # whichever this install's migrations made.
    functions = connection.execute(
        sa.text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = :schema AND p.proname LIKE 'patrol\\_%'"
        ),
        {"schema": schema},
    ).scalars().all()
    for function in functions:
        connection.execute(sa.text(f"DROP FUNCTION IF EXISTS {function}"))


def _grant_application_role(connection, role: str) -> None:
    """As migration 3c5d0e8f2a41 does: the role exists, the owner may become it, and it may
    use every table and sequence (and those made later) of the schema."""
    if not role:
        return
    quote = connection.dialect.identifier_preparer.quote
    schema = quote(current_schema(connection))
    exists = connection.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).scalar()
    role = quote(role)
    if not exists:
        connection.execute(sa.text(f"CREATE ROLE {role} NOLOGIN"))
    for statement in (
        f"GRANT {role} TO CURRENT_USER",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
        f" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
    ):
        connection.execute(sa.text(statement))


def _run(program: str, engine, *arguments: str) -> str:
    """What the program printed, connected to the engine's database if one is given;
    ArchiveError if it failed or is not installed."""
    environment = {**os.environ}
    command = [program, *arguments]
    if engine is not None:
        url = engine.url.set(drivername="postgresql", password=None)
        command.insert(1, f"--dbname={url.render_as_string(hide_password=False)}")
        if engine.url.password:
            environment["PGPASSWORD"] = engine.url.password
    try:
        finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    except FileNotFoundError:
        raise ArchiveError(
            _l(
                "%(program)s was not found: install postgresql-client of the database "
                "server's major version.",
                program=program,
            )
        ) from None
    if finished.returncode != 0:
        raise ArchiveError(
            _l(
                "%(program)s failed: %(error)s",
                program=program,
                error=finished.stderr.strip()[-2000:],
            )
        )
    return finished.stdout
