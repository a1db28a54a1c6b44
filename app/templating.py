"""What every template can use."""

from flask import request
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app import tenancy
from app.config import DEFAULTS
from app.i18n import current_locale
from app.models import Role


def school_name() -> str | None:
    """The current school's name; None while it is left at SCHOOL_NAME's default."""
    try:
        name = tenancy.school_name()
    except (OperationalError, PoolTimeout):
        # The database is out of reach, or the pool has no connection to lend: the "busy"
        # page names no school.
        return None
    return name if name != DEFAULTS["SCHOOL_NAME"] else None


def current_school_title() -> str:
    """The current school's name in the reader's language (the district's read-only banner)."""
    school = tenancy.current_school()
    return school.title if school is not None else ""


def init_app(app):
    app.add_template_global(current_school_title)

    @app.context_processor
    def page_context():
        language = current_locale().language
        return {
            # None until the school names itself: "Patrol" is the product, not the school.
            "school_name": school_name(),
            "html_lang": "zh-Hans" if language == "zh" else "en",
            "current_language": language,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "Role": Role,
            "is_admin": current_user.is_authenticated and current_user.role == Role.ADMIN,
        }
