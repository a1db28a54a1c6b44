"""QR codes and print-ready label sheets."""

from flask import Blueprint

bp = Blueprint("labels", __name__, url_prefix="/labels")

from app.labels import views  # noqa: E402, F401
