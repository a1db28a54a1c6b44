import pytest
from flask import Flask

from app import config, create_app
from app.config import database_uri
from app.extensions import db


def test_testing_config(app):
    assert not create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}).testing
    assert app.testing


def test_postgres_urls_use_psycopg():
    assert database_uri("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('BASE_URL = "http://from-file"\nSCHOOL_NAME = "File"\n')
    monkeypatch.setenv("BASE_URL", "https://from-env/")
    app = Flask("patrol_config_test", instance_path=str(instance))
    config.load(app)
    assert app.config["BASE_URL"] == "https://from-env"
    assert app.config["SCHOOL_NAME"] == "File"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'patrol.sqlite'}"


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PATROL_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_the_schools_language_is_chinese_unless_set_to_one_patrol_speaks(tmp_path, monkeypatch):
    assert create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}).config[
        "SCHOOL_LANGUAGE"
    ] == "zh"
    app = Flask("patrol_config_test", instance_path=str(tmp_path))
    monkeypatch.setenv("SCHOOL_LANGUAGE", "en")
    config.load(app)
    assert app.config["SCHOOL_LANGUAGE"] == "en"
    monkeypatch.setenv("SCHOOL_LANGUAGE", "fr")
    with pytest.raises(RuntimeError, match="SCHOOL_LANGUAGE must be one of zh, en, not 'fr'"):
        config.load(Flask("patrol_config_test", instance_path=str(tmp_path)))


def test_sqlite_connection_settings(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite only")
    with app.app_context():
        connection = db.session.connection().connection
        cursor = connection.cursor()
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_ids_too_large_for_the_database_are_not_found(client, auth):
    auth.login()
    assert client.get(f"/users/{2**31}/edit").status_code == 404
    assert client.get(f"/users/{10**30}/edit").status_code == 404


def test_empty_environment_variables_count_as_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("BASE_URL", "")
    app = Flask("patrol_config_test", instance_path=str(tmp_path))
    config.load(app)
    assert app.config["BASE_URL"] == "http://localhost:5000"


def test_a_request_over_the_limit_gets_a_page_in_the_users_language(app, client, auth):
    auth.login("inspector")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"username": "x" * 4096})
    assert response.status_code == 413
    assert b"too large" in response.data
