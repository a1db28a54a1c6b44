"""Patrol as a district runs it, on this machine: nginx in front of two app servers and one
worker, on one PostgreSQL database and one Redis, each started from the deploy/ files.

    python -m tests.cluster.harness up [--database-url URL] [--redis-url URL] [--port N]

keeps one running until Ctrl-C (for a load script): a fresh database with the demo district,
its Redis database emptied, nginx on HTTPS with a self-signed certificate. The cluster test
(tests/cluster/test_two_servers.py) drives the same class.

Each app server has a folder of its own for what it would keep on its disk (UPLOAD_FOLDER,
QR_FOLDER): what one server writes there the other cannot see, as on two machines.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
import requests
import sqlalchemy as sa

from app.config import database_uri
from tests.cluster import deploy_files

# What says a server is ready for requests: the database answers, its schema is the newest.
READY = ("/readyz", {200})
READY_SECONDS = 90
STOP_SECONDS = 45
LOG_LINE_SECONDS = 5
# Workers per app server in the test: few, since it shares this machine's cores with the
# phones it plays; `up --workers` sets another number (gunicorn.conf.py's default, if 0).
WEB_CONCURRENCY = 2
# A Redis database for the cluster alone: it is emptied at start.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
SECRET_KEY_BYTES = 32

NGINX = Path("/usr/sbin/nginx")
NGINX_LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ id=(?P<id>\S+) '
    r"upstream=(?P<upstream>.*?) upstream_status=.*? time=\S+ cache=(?P<cache>\S+)$"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"stopped at start:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} not open within {seconds} s:\n{log.read_text()[-3000:]}")


@dataclass(frozen=True)
class Served:
    """One line of nginx's log (the site's `patrol` format)."""

    request_id: str
    method: str
    path: str
    status: int
    # Every server tried, in order: two when the first failed and nginx went on to the next.
    upstreams: tuple[str, ...]
    cache: str


class Process:
    """One of the cluster's processes, started as its unit starts it, logging to a file."""

    def __init__(self, name: str, command: list[str], environment: dict, log: Path, stop):
        self.name, self.command, self.environment, self.log = name, command, environment, log
        self.stop_signal = stop
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.popen = subprocess.Popen(
                self.command,
                cwd=deploy_files.REPOSITORY,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A group of its own: a kill takes the server's workers with it, as a
                # machine's failure would.
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to every process of it, as if its machine had died."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def signal(self, signal_number) -> None:
        self.popen.send_signal(signal_number)

    def wait(self, seconds: float) -> int:
        return self.popen.wait(seconds)

    def stop(self) -> None:
        """As systemd stops it: its unit's KillSignal, then SIGKILL to what is left."""
        if not self.running:
            return
        self.popen.send_signal(self.stop_signal)
        try:
            self.popen.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


class AppServer(Process):
    def __init__(self, port: int, environment: dict, log: Path, run: Path):
        unit = deploy_files.SERVER_UNIT
        settings, self.runtime_folders = deploy_files.runtime(unit, port, run)
        super().__init__(
            f"app server {port}", deploy_files.command(unit, port), environment | settings, log,
            deploy_files.stop_signal(unit),
        )
        self.port = port
        self.address = f"127.0.0.1:{port}"

    def start(self) -> None:
        for folder in self.runtime_folders:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        super().start()

    def wait_ready(self) -> None:
        path, statuses = READY
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"{self.name} stopped:\n{self.log.read_text()[-3000:]}")
            try:
                answer = requests.get(
                    f"http://{self.address}{path}", allow_redirects=False, timeout=5
                )
                if answer.status_code in statuses:
                    return
            except requests.RequestException:
                pass  # not listening yet, or no worker has loaded the app yet
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready in {READY_SECONDS} s:\n{self.log.read_text()}")


class Cluster:
    """nginx, two app servers and a worker, from deploy/, in `folder`."""

    def __init__(
        self, folder: Path, database_url: str, redis_url: str = DEFAULT_REDIS_URL,
        https_port: int | None = None, web_concurrency: int = WEB_CONCURRENCY,
    ):
        self.folder = Path(folder)
        self.web_concurrency = web_concurrency
        self.database_url = database_url
        self.redis_url = redis_url
        self.https_port = https_port or free_port()
        self.http_port = free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.logs = self.folder / "logs"
        self.nginx_log = self.logs / "nginx-access.log"
        self.secret_key = os.urandom(SECRET_KEY_BYTES).hex()
        self.servers = [self._server(free_port()) for _ in range(2)]
        self.worker = Process(
            "worker",
            deploy_files.command(deploy_files.WORKER_UNIT),
            self._environment("worker"),
            self.logs / "worker.log",
            deploy_files.stop_signal(deploy_files.WORKER_UNIT),
        )
        self.nginx: Process | None = None

    # Starting and stopping

    def start(self) -> "Cluster":
        self.logs.mkdir(parents=True, exist_ok=True)
        self._fresh_database()
        redis.Redis.from_url(self.redis_url).flushdb()
        self.nginx = self._nginx()
        try:
            for process in (*self.servers, self.worker, self.nginx):
                process.start()
            wait_for_port(self.https_port, READY_SECONDS, self.nginx.popen, self.nginx.log)
            for server in self.servers:
                server.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in (self.nginx, *self.servers, self.worker):
            if process is not None:
                process.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def restart(self, server: AppServer) -> None:
        server.start()
        server.wait_ready()

    # What nginx saw

    def served(self) -> list[Served]:
        if not self.nginx_log.exists():
            return []
        lines = []
        for line in self.nginx_log.read_text().splitlines():
            match = NGINX_LOG_LINE.search(line)
            if match is None:
                raise AssertionError(f"nginx's log line not in the patrol format: {line}")
            lines.append(
                Served(
                    request_id=match["id"],
                    method=match["method"],
                    path=match["path"],
                    status=int(match["status"]),
                    upstreams=tuple(
                        address.strip()
                        for address in re.split(r"[,:]\s", match["upstream"])
                        if address.strip() not in ("", "-")
                    ),
                    cache=match["cache"],
                )
            )
        return lines

    def served_by_id(self, request_ids) -> dict[str, Served]:
        """nginx's line for each of these requests. A line is written once the answer is
        sent, so the client may have it a moment before the line is there."""
        deadline = time.monotonic() + LOG_LINE_SECONDS
        while True:
            served = {line.request_id: line for line in self.served()}
            missing = [rid for rid in request_ids if rid not in served]
            if not missing:
                return {rid: served[rid] for rid in request_ids}
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx logged none of the requests {missing}")
            time.sleep(0.05)

    # Set-up

    def _server(self, port: int) -> AppServer:
        environment = self._environment(f"server-{port}")
        return AppServer(port, environment, self.logs / f"server-{port}.log", self.folder / "run")

    def _environment(self, name: str) -> dict[str, str]:
        """patrol.env as the operator fills it in, and a disk of this process's own."""
        own_disk = self.folder / name
        settings = deploy_files.environment(
            {
                "SECRET_KEY": self.secret_key,
                "DATABASE_URL": self.database_url,
                "BASE_URL": self.url,
                "REDIS_URL": self.redis_url,
                "RATELIMIT_STORAGE_URI": self.redis_url,
            }
        )
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            **settings,
            "UPLOAD_FOLDER": str(own_disk / "uploads"),
            "QR_FOLDER": str(own_disk / "qr"),
        }
        if self.web_concurrency:
            environment["WEB_CONCURRENCY"] = str(self.web_concurrency)
        return environment

    def _fresh_database(self) -> None:
        """Drop and create the database, then migrate it and load the demo district."""
        parts = urlsplit(self.database_url)
        name = parts.path.lstrip("/")
        server = urlunsplit(parts._replace(path="/postgres"))
        engine = sa.create_engine(database_uri(server), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        flask = [str(Path(sys.executable).parent / "flask"), "--app", "app"]
        environment = self._environment("set-up")
        log = self.logs / "set-up.log"
        with log.open("a") as output:
            for arguments, more in ((["db", "upgrade"], {}),
                                    (["seed-demo"], {"PATROL_ENV": "development"})):
                subprocess.run(
                    flask + arguments, cwd=deploy_files.REPOSITORY, env=environment | more,
                    stdout=output, stderr=subprocess.STDOUT, check=True, timeout=300,
                )

    def _nginx(self) -> Process:
        certificate, key = self._certificate()
        cache = self.folder / "nginx-static-cache"
        site = deploy_files.nginx_site(
            {
                "app server 1": self.servers[0].address,
                "app server 2": self.servers[1].address,
                "static cache folder": str(cache),
                "http port": f"127.0.0.1:{self.http_port}",
                "https port": f"127.0.0.1:{self.https_port}",
                "server name": "127.0.0.1",
                "certificate": str(certificate),
                "certificate key": str(key),
                "access log": str(self.nginx_log),
                "error log": str(self.logs / "nginx-error.log"),
            }
        )
        (self.folder / "patrol.conf").write_text(site)
        temp = self.folder / "nginx-temp"
        temp.mkdir(exist_ok=True)
        # What /etc/nginx/nginx.conf gives a site on Debian, in this folder. As root, the
        # workers stay root: nobody else may enter pytest's folders.
        (self.folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"pid {self.folder / 'nginx.pid'};\n"
            "worker_processes 2;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "    access_log off;\n"
            + "".join(
                f"    {kind}_temp_path {temp / kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"    include {self.folder / 'patrol.conf'};\n"
            "}\n"
        )
        command = [
            str(NGINX), "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
            "-e", str(self.logs / "nginx-error.log"), "-g", "daemon off;",
        ]
        return Process("nginx", command, {"PATH": "/usr/sbin:/usr/bin:/bin"},
                       self.logs / "nginx.log", signal.SIGQUIT)

    def _certificate(self) -> tuple[Path, Path]:
        certificate, key = self.folder / "certificate.pem", self.folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(certificate)],
            check=True, capture_output=True, timeout=60,
        )
        return certificate, key


def database_from_test_url(test_database_url: str) -> str:
    """The cluster's own database beside the suite's: <name>_cluster on the same server."""
    parts = urlsplit(test_database_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_cluster"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.cluster.harness")
    parser.add_argument("action", choices=["up"])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CLUSTER_DATABASE_URL")
        or (database_from_test_url(os.environ["TEST_DATABASE_URL"])
            if os.environ.get("TEST_DATABASE_URL") else None),
        help="the PostgreSQL database to drop, create and fill "
             "(default: $CLUSTER_DATABASE_URL, or $TEST_DATABASE_URL's name + _cluster)",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL,
                        help="the Redis database to empty and use")
    parser.add_argument("--port", type=int, help="nginx's HTTPS port (default: a free one)")
    parser.add_argument("--workers", type=int, default=WEB_CONCURRENCY,
                        help="gunicorn workers per server (0: deploy/gunicorn.conf.py's default)")
    arguments = parser.parse_args(argv)
    if not arguments.database_url:
        parser.error("say which database: --database-url postgresql://…")

    with tempfile.TemporaryDirectory(prefix="patrol-cluster-") as folder:
        cluster = Cluster(Path(folder), arguments.database_url, arguments.redis_url,
                          arguments.port, arguments.workers)
        # Ctrl-C, or a kill from the script that started it: the cluster stops either way.
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, lambda *_: sys.exit(0))
        with cluster:
            print(f"Patrol: {cluster.url} (self-signed certificate)")
            for server in cluster.servers:
                print(f"  app server: http://{server.address}, pid {server.popen.pid}")
            print(f"  logs: {cluster.logs}")
            pids = ",".join(str(server.popen.pid) for server in cluster.servers)
            print(f"  benchmarks/monday.py --url {cluster.url} "
                  f"--database-url {cluster.database_url} --server-pids {pids}")
            print("  demo users: admin, inspector, repairer, ... password demo. Ctrl-C stops.")
            sys.stdout.flush()
            signal.pause()


if __name__ == "__main__":
    main()
