"""The app the scan page benchmark serves under gunicorn: Patrol itself, plus three yardsticks.

    gunicorn --chdir <repo> 'benchmarks.bench_server:app'

Configured from the environment like a deployment (DATABASE_URL, SECRET_KEY, ...). The routes
exist only here, never in the product, each on the same app and server, behind the same hooks:

- /bench-bare: a Flask route that does nothing, the yardstick the budget is set against;
- /bench-signed-in: does nothing but ask who is signed in, as every staff page must;
- /bench-layout: an empty page in Patrol's layout (header, menu, outbox), for the signed-in.

Between them they show what a scan page costs before it reads or shows anything of its own.
"""

from flask import render_template
from flask_login import login_required

from app import create_app

app = create_app()
EMPTY_PAGE = app.jinja_env.from_string(
    '{% extends "base.html" %}{% block title %}Benchmark{% endblock %}'
)


@app.route("/bench-bare")
def bench_bare():
    return "ok"


@app.route("/bench-signed-in")
@login_required
def bench_signed_in():
    return "ok"


@app.route("/bench-layout")
@login_required
def bench_layout():
    return render_template(EMPTY_PAGE)
