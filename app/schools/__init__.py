"""Which school a phone works in (the header's school switch), and the commands that make
schools and districts."""

from flask import Blueprint

bp = Blueprint("schools", __name__, url_prefix="/schools")

from app.schools import views  # noqa: E402, F401
