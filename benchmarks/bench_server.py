"""The app the scan page benchmark serves under gunicorn: Patrol itself, plus a bare route.

    gunicorn --chdir <repo> 'benchmarks.bench_server:app'

Configured from the environment like a deployment (DATABASE_URL, SECRET_KEY, ...). The bare
route is the yardstick: a Flask route on the same app and server, behind the same hooks, that
does nothing. It exists only here, never in the product.
"""

from app import create_app

app = create_app()


@app.route("/bench-bare")
def bench_bare():
    return "ok"
