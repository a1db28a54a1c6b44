"""Under gunicorn with two worker processes, as deployed: the request lines go into
gunicorn's error log with their id, and /metrics adds up both processes' counts."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.headers, answer.read().decode()


@pytest.fixture
def gunicorn(app, tmp_path):
    port = free_port()
    error_log = tmp_path / "error.log"
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": "test",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--error-logfile", str(error_log), "app:create_app()"],
        cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            get(f"{base}/healthz")
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"gunicorn did not start:\n{error_log.read_text()}")
            time.sleep(0.2)
    yield base, error_log
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


ROUND = 20
MOST_ROUNDS = 10


def test_lines_and_counts_of_both_processes(gunicorn):
    base, error_log = gunicorn

    def sign_in_page(number):
        status, headers, _ = get(f"{base}/login?next=/secret", **{"X-Request-ID": f"g-{number}"})
        return status, headers["X-Request-ID"]

    def logged_lines():
        lines = error_log.read_text().splitlines()
        return [line for line in lines if "app.request_log: GET /login 200" in line]

    def processes(lines):
        return {re.search(r"\] \[(\d+)\] ", line).group(1) for line in lines}

    # Several at once, round after round until both processes have answered some: on a busy
    # machine the second may still be starting when the first round arrives.
    sent = 0
    with ThreadPoolExecutor(8) as phones:
        while sent < ROUND * MOST_ROUNDS:
            numbers = range(sent, sent + ROUND)
            answers = list(phones.map(sign_in_page, numbers))
            assert answers == [(200, f"g-{number}") for number in numbers]
            sent += ROUND
            time.sleep(0.5)
            if len(processes(logged_lines())) == 2:
                break
    _, _, text = get(f"{base}/metrics")
    sample = 'patrol_http_requests_total{method="GET",route="/login",status="200"}'
    assert re.search(rf"^{re.escape(sample)} {sent}\.0$", text, re.MULTILINE), text
    logged = logged_lines()
    assert len(logged) == sent and "secret" not in "\n".join(logged)
    # gunicorn's own time stamp, process id and level, then Patrol's id.
    assert re.search(r"^\[.+\] \[\d+\] \[INFO\] \[g-7\] app\.request_log: GET /login 200 "
                     r"user=- school=\S+ ms=\d+\.\d$", "\n".join(logged), re.MULTILINE)
    assert len(processes(logged)) == 2
