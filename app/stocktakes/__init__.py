"""Stocktakes (盘点): the logistics head starts one, staff count by scanning, he signs it closed."""

from flask import Blueprint

bp = Blueprint("stocktakes", __name__, url_prefix="/stocktakes")

from app.stocktakes import views  # noqa: E402, F401
