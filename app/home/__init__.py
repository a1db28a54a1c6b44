"""The first page after signing in: a field to type a code and the way to each area."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from app.home import views  # noqa: E402, F401
