"""Flask extensions, created unbound and attached to the app in create_app."""

from flask import g, has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.request_address import counted_address


class PatrolLoginManager(LoginManager):
    """Sends signed-out people to sign in, except the phone's outbox: it gets a 401 in JSON,
    which it can act on (a redirect would look like a sign-in page to it)."""

    def unauthorized(self):
        from app.core import outbox

        if outbox.is_outbox_request():
            return outbox.signed_out()
        return super().unauthorized()

    def loaded_user(self):
        """The user this request loaded so far, or None: never loads one (the request log)."""
        return g.get("_login_user")

    def as_signed_out(self) -> None:
        """Draw the rest of this request as for someone signed out, without reading who is
        signed in: the busy page, when the database cannot be read."""
        self._update_request_context_with_user()


class Base(DeclarativeBase):
    # Named constraints let Alembic alter them, including SQLite's batch mode.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class SchoolSession(Session):
    """get() hands out a school's record only while its school is current.

    The identity map may hold records read across schools earlier in the request
    (app.tenancy.everywhere()), and get() answers from it without a query, so without the
    criteria that keep every query to the current school."""

    def get(self, entity, ident, **kwargs):
        found = super().get(entity, ident, **kwargs)
        if found is None or not has_app_context():
            return found
        from app import tenancy
        from app.models.common import SchoolOwned

        if isinstance(found, SchoolOwned) and not tenancy.is_current(found.school_id):
            return None
        return found


db = SQLAlchemy(model_class=Base, session_options={"class_": SchoolSession})
migrate = Migrate()
login_manager = PatrolLoginManager()
csrf = CSRFProtect()
babel = Babel()
# Counts live in RATELIMIT_STORAGE_URI: memory for one server, redis:// for several.
# Every limit counts a phone by its address as app.request_address says (IPv6 by the /64).
limiter = Limiter(key_func=counted_address)
