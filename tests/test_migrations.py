"""The migrations build exactly the schema the models describe, and carry old data over."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.faults import lifecycle
from app.models import Role
from tests.factories import make_asset, make_public_report, make_user
from tests.test_isolation import old_install  # noqa: F401 (a fixture: SQLite, and PostgreSQL)


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@contextmanager
def upgraded_from(tmp_path, revision):
    """A SQLite file migrated up to `revision`, filled by the block, then to the newest."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision=revision)
        with db.engine.begin() as connection:
            yield connection
        upgrade()
        db.engine.dispose()


def rows(tmp_path, sql):
    """What the upgraded file holds."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.connect() as connection:
        found = connection.execute(sa.text(sql)).all()
    engine.dispose()
    return found


def test_sign_ins_replace_the_token_per_user_and_give_it_back_on_downgrade(tmp_path):
    with upgraded_from(tmp_path, "d41a7e5b9c20") as connection:
        for name in ("wang", "zhang"):
            connection.execute(
                sa.text(
                    "INSERT INTO users (username, display_name, password_hash, role, active,"
                    " created_at, session_token) VALUES (:n, :n, 'x', 'admin', 1, '2026-01-01',"
                    " :token)"
                ),
                {"n": name, "token": "0" * 32},
            )
    columns = {row[1] for row in rows(tmp_path, "PRAGMA table_info(users)")}
    assert "session_token" not in columns
    assert rows(tmp_path, "SELECT username FROM users ORDER BY username") == [
        ("wang",),
        ("zhang",),
    ]
    assert rows(tmp_path, "SELECT count(*) FROM sign_ins") == [(0,)]

    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite'}", "SECRET_KEY": "x", "TESTING": True}
    )
    with app.app_context():
        downgrade(revision="d41a7e5b9c20")
        db.engine.dispose()
    tokens = [token for (token,) in rows(tmp_path, "SELECT session_token FROM users")]
    assert len(set(tokens)) == 2
    assert all(len(token) == 32 and token != "0" * 32 for token in tokens)


def test_assets_retired_before_keep_their_last_change_as_the_day_they_were_retired(tmp_path):
    with upgraded_from(tmp_path, "c93e14b74c09") as connection:
        connection.execute(
            sa.text("INSERT INTO asset_kinds (id, key, name) VALUES (1, 'slide', '滑梯')")
        )
        connection.execute(
            sa.text(
                "INSERT INTO places (id, code, name, kind, position, notes)"
                " VALUES (1, 'PPP222', '操场', 'area', 0, '')"
            )
        )
        for code, status in (("AAA222", "retired"), ("BBB222", "in_service")):
            connection.execute(
                sa.text(
                    "INSERT INTO assets (code, name, kind_id, place_id, status, notes,"
                    " created_at, updated_at) VALUES (:code, :code, 1, 1, :status, '',"
                    " '2026-01-01 08:00:00', '2026-10-20 09:30:00')"
                ),
                {"code": code, "status": status},
            )
    retired = dict(rows(tmp_path, "SELECT code, retired_at FROM assets"))
    assert retired == {"AAA222": "2026-10-20 09:30:00", "BBB222": None}


def test_a_dismissal_is_never_rewritten_to_fit_an_older_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'dismissed.sqlite'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        fault = make_public_report(make_asset())
        lifecycle.dismiss(fault, make_user("head", Role.ADMIN, password=None), "A prank")
        db.session.commit()
        with pytest.raises(SystemExit):  # Flask-Migrate's answer to the migration's error
            downgrade(revision="d41a7e5b9c20")
        version = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert version == "e7b2c5a9d013"
        db.session.remove()
        db.engine.dispose()


def test_an_install_in_use_upgrades_though_its_rows_point_at_rebuilt_tables(tmp_path):
    # SQLite rebuilds a table to change it; with foreign keys on, dropping the old faults and
    # users tables failed as soon as a fault event or a fault pointed at them.
    with upgraded_from(tmp_path, "d41a7e5b9c20") as connection:
        for sql in (
            "INSERT INTO users (id, username, display_name, password_hash, role, active,"
            " created_at, session_token) VALUES (1, 'wang', 'Wang', 'x', 'admin', 1,"
            " '2026-01-01', 'token')",
            "INSERT INTO asset_kinds (id, key, name, name_en) VALUES (1, 'slide', '滑梯', 'Slide')",
            "INSERT INTO places (id, code, name, kind, position, notes)"
            " VALUES (1, 'PPP222', '操场', 'area', 0, '')",
            "INSERT INTO assets (id, code, name, kind_id, place_id, status, notes, created_at,"
            " updated_at) VALUES (1, 'AAA222', '滑梯', 1, 1, 'in_service', '', '2026-01-01',"
            " '2026-01-01')",
            "INSERT INTO faults (id, asset_id, description, urgency, status,"
            " took_out_of_service, reported_by_id, reported_at) VALUES (1, 1, 'Cracked',"
            " 'unsafe', 'reported', 0, 1, '2026-11-30 08:00:00')",
            "INSERT INTO fault_events (fault_id, action, status, actor_id, at, note)"
            " VALUES (1, 'reported', 'reported', 1, '2026-11-30 08:00:00', '')",
        ):
            connection.execute(sa.text(sql))
    assert rows(tmp_path, "SELECT id, reported_by_id FROM faults") == [(1, 1)]
    assert rows(tmp_path, "SELECT fault_id, actor_id FROM fault_events") == [(1, 1)]
    assert rows(tmp_path, "SELECT username FROM users") == [("wang",)]
    assert rows(tmp_path, "PRAGMA foreign_key_check") == []


def test_the_stored_district_figures_come_and_go_with_their_migration(old_install):  # noqa: F811
    app = create_app({"DATABASE_URL": old_install, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()

        def tables():
            with db.engine.connect() as connection:
                return set(sa.inspect(connection).get_table_names())

        def policies():
            if db.engine.dialect.name != "postgresql":
                return None
            with db.engine.connect() as connection:
                return connection.execute(sa.text(
                    "SELECT policyname FROM pg_policies WHERE tablename = 'school_figures'"
                    " AND schemaname = current_schema()"
                )).scalars().all()

        assert "school_figures" in tables()
        assert policies() in (None, ["school_only"])
        downgrade(revision="8e41b7c2d5f3")
        assert "school_figures" not in tables()
        assert policies() in (None, [])
        upgrade()
        assert "school_figures" in tables()
        db.engine.dispose()
