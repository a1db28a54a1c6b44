"""What a load balancer or an orchestrator asks a server: is it alive, may it take requests.

- `/healthz`: 200 "ok" while the process answers at all; it touches no database, so a
  database that is down does not get every server restarted.
- `/readyz`: 200 "ready" only when the database answers and its schema is at the newest
  migration; otherwise 503 with the reason ("database unreachable", "schema not at the
  newest migration"), so a server is sent no traffic before `flask db upgrade` ran or while
  the database is out of reach.

Both answer anyone, without a sign-in, a session cookie, a rate limit or caching: they say
nothing a stranger could use.
"""

from flask import Blueprint

bp = Blueprint("health", __name__)

from app.health import views  # noqa: E402, F401
