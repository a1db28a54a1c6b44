"""gunicorn's settings for one Patrol app server behind nginx (deploy/nginx/patrol.conf).

    gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:8001 'app:create_app()'

as deploy/systemd/patrol@.service runs it, one instance per port.
"""

import multiprocessing
import os

# Sync workers, a request each: nginx takes a phone's upload whole before passing it on and
# reads the answer as fast as it is written, so a worker is held only while Patrol works.
# Two per core and one more, the usual: while one waits for the database another computes.
# WEB_CONCURRENCY in patrol.env sets another number.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# A request running longer is stuck: its worker is killed and replaced. Nothing should come
# near it; what takes long (a term's report PDF) is the worker's. nginx waits longer (75 s).
timeout = 60

# Told to stop (systemctl stop, SIGTERM), the server takes no new connection and each worker
# finishes the request it holds, for up to this long; systemd waits 40 s before killing.
graceful_timeout = 30

# Only nginx, on this machine, may say the phone came by HTTPS.
forwarded_allow_ips = "127.0.0.1,::1"

# No access log: nginx's (the `patrol` format) has each request already, with the server
# that answered it and the time it took. Errors go to the journal.
accesslog = None
errorlog = "-"
