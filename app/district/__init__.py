"""The district's pages: its schools side by side, the lists behind their numbers (read-only),
the district report, and the district admin's schools."""

from flask import Blueprint

bp = Blueprint("district", __name__, url_prefix="/district")

from app.district import views  # noqa: E402, F401
