"""Notices: duties and reminders pushed to people and to the school's group chats.

What is told and to whom is written with its cause (writing.py, planning.py); the worker
sends it (delivery.py through senders.py); the logistics head chooses the chats and sees
every delivery (views.py).
"""

from flask import Blueprint

bp = Blueprint("notices", __name__, url_prefix="/notices")

from app.notices import views  # noqa: E402, F401
