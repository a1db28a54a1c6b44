"""District checklist templates: the district publishes them, its schools adopt and update."""

from flask import Blueprint

bp = Blueprint("routine_templates", __name__, url_prefix="/templates")

from app.routine_templates import views  # noqa: E402, F401
