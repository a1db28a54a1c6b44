"""The register: places, kinds of asset and assets, with CSV import and export."""

from flask import Blueprint

bp = Blueprint("register", __name__, url_prefix="/register")

from app.register import views  # noqa: E402, F401
