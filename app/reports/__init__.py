"""Reports for the principal and the evaluation: a month or a term on paper, and CSV exports."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.reports import views  # noqa: E402, F401
