"""Two servers starting together both run `flask db upgrade` on one fresh PostgreSQL
database: one migrates while the other waits for it, then finds nothing left to do."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.health import readiness
from tests.conftest import POSTGRES_URL, _psycopg

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's advisory lock")
ROOT = Path(__file__).parents[1]


@pytest.fixture
def fresh_database():
    """An empty database of its own beside the tests' one, dropped afterwards."""
    server = make_url(_psycopg(POSTGRES_URL))
    name = f"{server.database}_race_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_two_upgrades_at_once_run_the_migrations_once(fresh_database, tmp_path, app):
    url = fresh_database.render_as_string(hide_password=False)
    environment = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    upgrades = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
            cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [upgrade.communicate(timeout=300)[0] for upgrade in upgrades]
    assert [upgrade.returncode for upgrade in upgrades] == [0, 0], outputs
    migrated = [output.count("Running upgrade") for output in outputs]
    assert sorted(migrated)[0] == 0 and sorted(migrated)[1] > 10, outputs

    engine = sa.create_engine(fresh_database)
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        applied = set(versions.scalars())
    engine.dispose()
    with app.app_context():
        assert applied == readiness.newest_migrations()
