"""What every template can use."""

from flask import current_app, request
from flask_login import current_user

from app.i18n import current_locale
from app.models import Role


def init_app(app):
    @app.context_processor
    def page_context():
        language = current_locale().language
        return {
            "school_name": current_app.config["SCHOOL_NAME"],
            "html_lang": "zh-Hans" if language == "zh" else "en",
            "current_language": language,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "Role": Role,
            "is_admin": current_user.is_authenticated and current_user.role == Role.ADMIN,
        }
