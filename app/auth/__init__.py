"""Signing in and out, and who may do what."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import phone_views, views  # noqa: E402, F401
