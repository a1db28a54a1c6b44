"""Checklists and schedules: the admin's routines, their versioned items, the school's holidays."""

from flask import Blueprint

bp = Blueprint("checklists", __name__, url_prefix="/checklists")

from app.checklists import views  # noqa: E402, F401
