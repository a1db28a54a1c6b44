"""Rounds: what is due today in walking order, the next check on the round, an asset's history."""

from flask import Blueprint

bp = Blueprint("rounds", __name__)

from app.rounds import views  # noqa: E402, F401
