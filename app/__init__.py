"""Patrol: scan, inspect and sign off a school's facilities in the field."""

import importlib
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config, folders, tenancy
from app.urls import DatabaseIdConverter

# Each area's work for the worker (app/worker.py).
TASK_MODULES = ("app.notices.tasks", "app.reports.tasks", "app.auth.tasks", "app.cleanups")


def create_app(test_config=None):
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(folders.TEMPLATES),
        static_folder=str(folders.STATIC),
    )
    config.load(app, test_config)
    app.url_map.converters["int"] = DatabaseIdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    _start_worker_queue(app)
    return app


def _init_extensions(app):
    from flask_babel import lazy_gettext

    from app import database, dates
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import compile_catalogs, install_request_domain, select_locale

    db.init_app(app)
    with app.app_context():
        database.init_app(app, db.engine)
    tenancy.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"]
        )
    compile_catalogs()
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=tenancy.school_timezone,
    )
    install_request_domain(app, babel)
    dates.init_app(app, babel)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from app import compression, request_values, security_headers, static_files, templating, waiting
    from app.core import outbox
    compression.init_app(app)
    static_files.init_app(app)
    outbox.init_app(app)
    request_values.init_app(app)
    security_headers.init_app(app)
    templating.init_app(app)
    waiting.init_app(app)

    from app.auth import sign_ins

    # The cookies carry a sign-in's token: one query finds it with its user, or refuses it.
    login_manager.user_loader(sign_ins.load)


def _register_blueprints(app):
    from app import errors
    from app.auth import bp as auth_bp
    from app.checklists import bp as checklists_bp
    from app.dashboard import bp as dashboard_bp
    from app.district import bp as district_bp
    from app.faults import bp as faults_bp
    from app.home import bp as home_bp
    from app.inspections import bp as inspections_bp
    from app.labels import bp as labels_bp
    from app.notices import bp as notices_bp
    from app.offline import bp as offline_bp
    from app.register import bp as register_bp
    from app.reports import bp as reports_bp
    from app.rounds import bp as rounds_bp
    from app.routine_templates import bp as routine_templates_bp
    from app.scan import bp as scan_bp
    from app.schools import bp as schools_bp
    from app.stocktakes import bp as stocktakes_bp
    from app.users import bp as users_bp

    errors.init_app(app)
    for blueprint in (
        auth_bp,
        home_bp,
        scan_bp,
        register_bp,
        labels_bp,
        users_bp,
        rounds_bp,
        checklists_bp,
        inspections_bp,
        faults_bp,
        dashboard_bp,
        offline_bp,
        reports_bp,
        stocktakes_bp,
        notices_bp,
        schools_bp,
        district_bp,
        routine_templates_bp,
    ):
        app.register_blueprint(blueprint)


def _register_commands(app):
    """CLI groups live beside the area they serve; each module adds its own."""
    from app.backups import cli as backups_cli
    from app.core.photos import cli as photos_cli
    from app.demo import cli as demo_cli
    from app.labels import cli as labels_cli
    from app.notices import cli as notices_cli
    from app.register import cli as register_cli
    from app.schools import cli as schools_cli
    from app.users import cli as users_cli

    for area in (
        schools_cli, users_cli, register_cli, labels_cli, demo_cli, photos_cli, notices_cli,
        backups_cli,
    ):
        area.init_app(app)


def _start_worker_queue(app):
    """The worker's queue, and every area's tasks: the server that enqueues them and the
    worker that runs them (`flask --app app worker`) must know the same ones."""
    from app import worker

    for module in TASK_MODULES:
        importlib.import_module(module)
    worker.init_app(app)
