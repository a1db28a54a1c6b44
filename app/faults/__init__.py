"""Faults: what is broken, where, how urgent, and everything that happened to it."""

from flask import Blueprint

bp = Blueprint("faults", __name__, url_prefix="/faults")

from app.faults import report_views, views  # noqa: E402, F401
