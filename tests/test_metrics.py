"""/metrics: requests by route and status, latency, the worker's queue and failed notices,
for this machine and the private network or a bearer of METRICS_TOKEN only."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import tenancy
from app.extensions import db
from app.models import DeliveryStatus, User
from app.notices.tasks import send_soon
from tests.factories import make_delivery, make_notice, make_school

TOKEN = "s3cret-metrics-token"


def scrape(client, **headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain" and "version=" in response.content_type
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    return response.get_data(as_text=True)


def value(text, sample):
    found = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_requests_are_counted_by_url_rule_and_status(client, auth):
    login = 'patrol_http_requests_total{method="POST",route="/login",status="302"}'
    missing = 'patrol_http_requests_total{method="GET",route="unmatched",status="404"}'
    timed = 'patrol_http_request_duration_seconds_count{method="POST",route="/login"}'
    slowest = 'patrol_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/login"}'
    # The counts are the process's: earlier tests' requests are in them too.
    before = scrape(client)
    auth.login("admin")
    for code in ("AAA111", "BBB222", "CCC333"):
        client.get(f"/q/{code}")
    client.get("/no/such/" + "x" * 300)
    text = scrape(client)
    for sample in (login, missing, timed, slowest):
        assert value(text, sample) == (value(before, sample) or 0) + 1, sample
    assert [line for line in text.splitlines() if 'route="/q/<code>"' in line]
    assert "AAA111" not in text and "xxx" not in text
    assert "_created" not in text


def test_the_queue_and_failed_deliveries_of_every_school(app, client):
    with app.app_context():
        admin = db.session.query(User).filter_by(username="admin").one()
        make_delivery(make_notice(), admin, status=DeliveryStatus.FAILED)
        make_delivery(make_notice(), admin, status=DeliveryStatus.SENT)
        east = make_school("east")
        db.session.commit()
        with tenancy.in_school(east):
            make_delivery(make_notice(), admin, status=DeliveryStatus.FAILED)
            db.session.commit()
    text = scrape(client)
    assert value(text, "patrol_notice_deliveries_failed") == 2
    waiting = value(text, "patrol_worker_queue_length")
    with app.app_context():
        send_soon(1)
        send_soon(1)
    assert value(scrape(client), "patrol_worker_queue_length") == waiting + 2


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.20", "fd00::7", "::ffff:10.0.0.2"],
)
def test_this_machine_and_the_private_network_may_read_them(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert "patrol_worker_queue_length" in scrape(client)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2001:4860::8888", "203.0.113.5", "169.254.1.1", "", "bogus"]
)
def test_the_internet_may_not(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    refused = client.get("/metrics")
    assert refused.status_code == 403 and b"patrol_" not in refused.data


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded"])
def test_a_request_relayed_by_a_proxy_may_not(client, header):
    # nginx on this machine relays the internet's requests from 127.0.0.1.
    assert client.get("/metrics", headers={header: "127.0.0.1"}).status_code == 403


@pytest.mark.parametrize("signed_in_as", ["admin", "inspector", "repairer"])
def test_signing_in_gives_no_access(app, auth, signed_in_as):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    client.post("/login", data={"username": signed_in_as, "password": "correct horse"})
    assert client.get("/metrics").status_code == 403


def test_with_a_token_only_its_bearer_may_read_them(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    for wrong in ("", TOKEN, f"Bearer {TOKEN}x", f"bearer {TOKEN}", f"Basic {TOKEN}",
                  "Bearer " + "A" * 10_000, f"Bearer {TOKEN}\u00e9"):
        assert client.get("/metrics", headers={"Authorization": wrong}).status_code == 403
    assert client.get("/metrics").status_code == 403  # from 127.0.0.1, but no token
    far = app.test_client()
    far.environ_base["REMOTE_ADDR"] = "8.8.8.8"
    assert "patrol_http_requests_total" in scrape(far, Authorization=f"Bearer {TOKEN}")


SERVE = """
import sys
from app import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": sys.argv[1]})
client = app.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/healthz").status_code == 200
if sys.argv[3] == "scrape":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def test_several_worker_processes_are_added_up(app, tmp_path):
    """As gunicorn's workers: each process writes its counts, the scrape reads them all."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "PYTHONPATH": str(Path(__file__).parents[1]),
    }

    def serve(requests, then=""):
        return subprocess.run(
            [sys.executable, "-c", SERVE, app.config["DATABASE_URL"], str(requests), then],
            env=environment, capture_output=True, text=True, check=True, timeout=120,
        ).stdout

    serve(3)
    serve(4)
    text = serve(2, "scrape")
    counted = 'patrol_http_requests_total{method="GET",route="/healthz",status="200"}'
    timed = 'patrol_http_request_duration_seconds_count{method="GET",route="/healthz"}'
    assert value(text, counted) == value(text, timed) == 9
    assert value(text, "patrol_worker_queue_length") == 0
    assert len(list(folder.glob("*.db"))) >= 3
