"""The migrations build exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_existing_users_get_a_session_token_of_their_own(tmp_path):
    from flask_migrate import upgrade

    from app import create_app

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision="25c2551a212c")
        with db.engine.begin() as connection:
            for name in ("wang", "zhang"):
                connection.execute(
                    sa.text(
                        "INSERT INTO users (username, display_name, password_hash, role, active,"
                        " created_at) VALUES (:n, :n, 'x', 'admin', 1, '2026-01-01')"
                    ),
                    {"n": name},
                )
        upgrade()
        with db.engine.connect() as connection:
            tokens = connection.execute(sa.text("SELECT session_token FROM users")).scalars().all()
        db.engine.dispose()
    assert len(set(tokens)) == 2
    assert all(len(token) == 32 for token in tokens)
