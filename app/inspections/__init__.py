"""Inspections: the form an inspector fills in on the spot, its signed record and corrections."""

from flask import Blueprint

bp = Blueprint("inspections", __name__)

from app.inspections import views  # noqa: E402, F401
