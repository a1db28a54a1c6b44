"""The logistics head's dashboard (on the admin's home page) and the lists behind its numbers."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from app.dashboard import views  # noqa: E402, F401
