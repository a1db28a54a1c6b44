"""The scan door: /q/<code> is the one way from a printed label into Patrol."""

from flask import Blueprint

bp = Blueprint("scan", __name__)

from app.scan import views  # noqa: E402, F401
