"""The deploy/ files agree with Patrol and with each other: what an operator copies is read
as tests/cluster reads it, names only settings Patrol reads, and stops and times out in the
right order. tests/cluster runs them; these checks need neither nginx nor PostgreSQL."""

import re
import runpy

import pytest

from app.config import DEFAULTS, ENVIRONMENT_KEYS
from tests.cluster import deploy_files

SITE_VALUES = {
    "app server 1": "127.0.0.1:9001",
    "app server 2": "127.0.0.1:9002",
    "static cache folder": "/tmp/cache",
    "http port": "127.0.0.1:9080",
    "https port": "127.0.0.1:9443",
    "server name": "127.0.0.1",
    "certificate": "/tmp/certificate.pem",
    "certificate key": "/tmp/key.pem",
    "access log": "/tmp/access.log",
    "error log": "/tmp/error.log",
}
# Read by gunicorn itself (deploy/gunicorn.conf.py), not by Patrol.
GUNICORN_SETTINGS = {"WEB_CONCURRENCY"}


def directive(text: str, name: str) -> str:
    (value,) = re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.MULTILINE)
    return value


def seconds(value: str) -> int:
    return int(value.removesuffix("s"))


def test_the_nginx_site_changes_only_where_marked():
    site = deploy_files.nginx_site(SITE_VALUES)
    directives = "\n".join(
        line for line in site.splitlines() if not line.lstrip().startswith("#")
    )
    for shipped in ("patrol.example.cn", "127.0.0.1:8001", "127.0.0.1:8002", "/var/log/nginx",
                    "/etc/letsencrypt", "/var/lib/nginx", "listen 443", "listen 80"):
        assert shipped not in directives
    assert "server 127.0.0.1:9001 max_fails=1 fail_timeout=10s;" in site
    assert "listen 127.0.0.1:9443 ssl http2;" in site
    assert "access_log /tmp/access.log patrol;" in site
    original = deploy_files.NGINX_SITE.read_text()
    assert len(site.splitlines()) == len(original.splitlines())


def test_the_nginx_site_asks_for_every_value_and_no_other():
    incomplete = dict(SITE_VALUES)
    del incomplete["certificate key"]
    with pytest.raises(deploy_files.DeployFileError, match="certificate key"):
        deploy_files.nginx_site(incomplete)
    with pytest.raises(deploy_files.DeployFileError, match="app server 3"):
        deploy_files.nginx_site(SITE_VALUES | {"app server 3": "127.0.0.1:9003"})


def test_nginx_takes_an_upload_as_large_as_patrol_does():
    site = deploy_files.NGINX_SITE.read_text()
    megabytes = directive(site, "client_max_body_size").removesuffix("m")
    assert int(megabytes) * 1024 * 1024 == DEFAULTS["MAX_CONTENT_LENGTH"]


def test_a_server_stops_and_times_out_before_whoever_waits_for_it():
    gunicorn = runpy.run_path(str(deploy_files.DEPLOY / "gunicorn.conf.py"))
    server_unit = deploy_files.service(deploy_files.SERVER_UNIT)
    # systemd kills what is left only after gunicorn's graceful stop has had its time.
    assert gunicorn["graceful_timeout"] < seconds(server_unit["TimeoutStopSec"])
    # gunicorn ends a stuck request itself before nginx stops waiting for it.
    site = deploy_files.NGINX_SITE.read_text()
    assert gunicorn["timeout"] < seconds(directive(site, "proxy_read_timeout"))
    assert server_unit["KillMode"] == "mixed"


def test_the_units_run_patrol_from_the_install_folder():
    server = deploy_files.command(deploy_files.SERVER_UNIT, 8001)
    assert server[0].endswith("/gunicorn") and server[-1] == "app:create_app()"
    assert server[server.index("--bind") + 1] == "127.0.0.1:8001"
    assert str(deploy_files.DEPLOY / "gunicorn.conf.py") in server
    worker = deploy_files.command(deploy_files.WORKER_UNIT)
    assert worker[0].endswith("/flask") and worker[1:] == ["--app", "app", "worker"]
    # Huey's graceful stop: the task in hand is finished.
    assert deploy_files.stop_signal(deploy_files.WORKER_UNIT).name == "SIGINT"
    for unit in (deploy_files.SERVER_UNIT, deploy_files.WORKER_UNIT):
        assert deploy_files.service(unit)["EnvironmentFile"] == "/srv/patrol/patrol.env"


def test_the_environment_example_sets_only_what_patrol_or_gunicorn_reads():
    settings = deploy_files.shipped_environment()
    assert set(settings) <= set(ENVIRONMENT_KEYS) | GUNICORN_SETTINGS
    assert set(deploy_files.OPERATOR_FILLS) <= set(settings)
    assert settings["PATROL_ENV"] == "production"
    assert settings["PROXY_COUNT"] == "1"
    assert settings["PHOTO_STORE"] == "database"
    assert settings["REDIS_URL"].startswith("redis://")
    assert settings["RATELIMIT_STORAGE_URI"].startswith("redis://")


def test_each_app_server_counts_its_metrics_in_a_folder_of_its_own(tmp_path):
    folders = {}
    for port in (8001, 8002):
        environment, (made,) = deploy_files.runtime(deploy_files.SERVER_UNIT, port, tmp_path)
        assert environment["PROMETHEUS_MULTIPROC_DIR"] == str(made)
        folders[port] = made
    assert folders[8001] != folders[8002]
