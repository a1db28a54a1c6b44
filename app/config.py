"""Configuration: defaults, then the instance folder's config.py, then the environment."""

import os
import secrets
from pathlib import Path

from app import folders

DEFAULTS = {
    "PATROL_ENV": "development",
    "BASE_URL": "http://localhost:5000",
    # The first school's: an install upgraded from one school, or a new one, starts with it;
    # each school then keeps its own (app.models.school.School).
    "SCHOOL_CODE": "main",
    "SCHOOL_NAME": "Patrol",
    "SCHOOL_TIMEZONE": "Asia/Shanghai",
    # What the school's labels are printed in, whichever language the person printing reads.
    "SCHOOL_LANGUAGE": "zh",
    "LANGUAGES": ["zh", "en"],
    "BABEL_DEFAULT_LOCALE": "zh",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # How long a request waits for a lock another one holds (SQLite's single writer, a row on
    # PostgreSQL) before it is answered 503 "busy, try again" with nothing saved.
    "DATABASE_LOCK_TIMEOUT": 5,
    # On PostgreSQL, the role each transaction runs as, bound by the row-level security that
    # keeps a school's rows to it (app.tenancy); empty when the app connects as such a role.
    "DATABASE_APP_ROLE": "patrol_app",
    # A whole inspection: several phone photos of up to PHOTO_MAX_BYTES each. Each photo is
    # checked on its own, so one too large is refused with the rest of the form kept.
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "IMPORT_MAX_BYTES": 2 * 1024 * 1024,
    # Where photos are kept: "folder" (UPLOAD_FOLDER/photos, one server) or "database" (every
    # app server sees them; app/core/photos/stores.py).
    "PHOTO_STORE": "folder",
    "REMEMBER_COOKIE_DURATION": 60 * 24 * 3600,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_I18N_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
    # Redis out of reach: the limits count in this process's memory until it is back (each
    # server on its own, still a limit), and a storage error never fails a request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    # Storage errors as limits.errors.StorageError, whichever storage: app.faults.report_limits.
    "RATELIMIT_STORAGE_OPTIONS": {"wrap_exceptions": True},
    # How many reverse proxies stand in front (nginx: 1), so rate limits see the phone's address.
    "PROXY_COUNT": 0,
    # Email goes out only when MAIL_SERVER is set; MAIL_USE_TLS means STARTTLS.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_FROM": "patrol@localhost",
    # Chat robots and webhooks must be public https:// addresses; true also allows http:// and
    # addresses inside the school's network (a district system, development, tests).
    "WEBHOOKS_ALLOW_PRIVATE": False,
    # How long a chat or mail server may take to connect, and then to answer, in seconds.
    "NOTICE_SEND_TIMEOUT": 10,
    # The worker's queue (app/worker.py): Redis when REDIS_URL is set, else a SQLite file
    # (empty: queue.sqlite in the instance folder).
    "REDIS_URL": "",
    "WORKER_QUEUE_FILE": "",
    # How long a report PDF the worker prepared can be downloaded before it is deleted.
    "PREPARED_REPORT_HOURS": 24,
    # How much goes in the log (app.logs): INFO writes a line per request.
    "LOG_LEVEL": "INFO",
    # Empty: /metrics answers only this machine and private networks, straight (no proxy);
    # set: only a request with "Authorization: Bearer <token>" (app.metrics.access).
    "METRICS_TOKEN": "",
}

PHOTO_STORES = ("folder", "database")

# Read from the environment; each overrides the instance config file.
ENVIRONMENT_KEYS = (
    "PATROL_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "BASE_URL",
    "SCHOOL_CODE",
    "SCHOOL_NAME",
    "SCHOOL_TIMEZONE",
    "SCHOOL_LANGUAGE",
    "UPLOAD_FOLDER",
    "PHOTO_STORE",
    "QR_FOLDER",
    "RATELIMIT_STORAGE_URI",
    "PROXY_COUNT",
    "DATABASE_LOCK_TIMEOUT",
    "DATABASE_APP_ROLE",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "WEBHOOKS_ALLOW_PRIVATE",
    "NOTICE_SEND_TIMEOUT",
    "REDIS_URL",
    "WORKER_QUEUE_FILE",
    "PREPARED_REPORT_HOURS",
    "LOG_LEVEL",
    "METRICS_TOKEN",
)


def load(app, test_config=None):
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
        for key in ENVIRONMENT_KEYS:
            # An empty variable (BASE_URL= in a shell or a unit file) means unset, not "".
            if os.environ.get(key):
                app.config[key] = os.environ[key]
    else:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    app.config.setdefault("UPLOAD_FOLDER", str(instance / "uploads"))
    app.config.setdefault("QR_FOLDER", str(folders.qr_folder(instance)))
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if app.config["SCHOOL_LANGUAGE"] not in app.config["LANGUAGES"]:
        raise RuntimeError(
            f"SCHOOL_LANGUAGE must be one of {', '.join(app.config['LANGUAGES'])}, "
            f"not {app.config['SCHOOL_LANGUAGE']!r}"
        )
    if app.config["PHOTO_STORE"] not in PHOTO_STORES:
        raise RuntimeError(
            f"PHOTO_STORE must be one of {', '.join(PHOTO_STORES)}, "
            f"not {app.config['PHOTO_STORE']!r}"
        )
    app.config["PROXY_COUNT"] = int(app.config["PROXY_COUNT"])
    app.config["MAIL_PORT"] = int(app.config["MAIL_PORT"])
    app.config["PREPARED_REPORT_HOURS"] = int(app.config["PREPARED_REPORT_HOURS"])
    app.config["MAIL_USE_TLS"] = _truthy(app.config["MAIL_USE_TLS"])
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = _truthy(app.config["WEBHOOKS_ALLOW_PRIVATE"])
    app.config["NOTICE_SEND_TIMEOUT"] = float(app.config["NOTICE_SEND_TIMEOUT"])
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(
        app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'patrol.sqlite'}"
    )

    production = app.config["PATROL_ENV"] == "production"
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set when PATROL_ENV=production")
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _truthy(value):
    # From the environment every value is a string: MAIL_USE_TLS=0 must mean off.
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def database_uri(url):
    """Point plain postgresql:// URLs at psycopg 3, the driver Patrol ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance):
    """A development key kept in the instance folder, so sign-ins survive a restart."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
