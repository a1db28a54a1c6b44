"""Who may sign in: the admin's page and the `users` commands."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/users")

from app.users import views  # noqa: E402, F401
