"""`pip install .` gives a Patrol that serves every page from any folder.

The wheel is built the way `python -m build` builds it (a source distribution, then the wheel
from that), installed by pip into a new virtual environment outside the checkout, migrated,
seeded and served by gunicorn from an empty folder; then a plate, the service worker and a
stylesheet are fetched from it. Nothing may be written inside the installed package, which
a real server may keep read-only.

So that pip installs the wheel alone, offline and in seconds, the new environment borrows
the dependencies installed for these tests: every entry of this environment's site-packages
except Patrol's own install, reached through a .pth file. pip still checks that they
satisfy every dependency the wheel declares (gunicorn among them).
"""

import os
import re
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.request
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from app.demo.kindergarten import SITE, START_ASSET
from app.demo.register import demo_places

CHECKOUT = Path(__file__).resolve().parent.parent
STEP_SECONDS = 180
SERVER_START_SECONDS = 60
# A PEP 517 hook of setuptools (build_sdist or build_wheel), into the folder given.
BUILD_HOOK = "import sys; from setuptools import build_meta; print(build_meta.{}(sys.argv[1]))"
# Patrol's own install in this environment, editable (the README's) or not.
PATROL_ENTRIES = re.compile(r"__editable__.*|patrol-.*\.dist-info|app|.*\.pth|__pycache__")


def _why_the_wheel_cannot_be_built() -> str | None:
    """setup.py needs what the test extras add; anything else missing is a failure."""
    try:
        setuptools = version("setuptools")
    except PackageNotFoundError:
        return "building the wheel needs setuptools>=77 (the test extras)"
    if int(setuptools.split(".")[0]) < 77:
        return f"building the wheel needs setuptools>=77 (the test extras), not {setuptools}"
    return None


CANNOT_BUILD = _why_the_wheel_cannot_be_built()
pytestmark = pytest.mark.skipif(CANNOT_BUILD is not None, reason=str(CANNOT_BUILD))


def run(command, **options):
    finished = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=STEP_SECONDS,
        **options,
    )
    assert finished.returncode == 0, f"{command}:\n{finished.stdout}\n{finished.stderr}"
    return finished.stdout


def build_wheel(folder: Path) -> Path:
    """What `python -m build` does, with this environment's setuptools: a source distribution
    of the checkout, then the wheel built from it (which checks MANIFEST.in too)."""
    sdist = build_hook("build_sdist", folder, CHECKOUT)
    with tarfile.open(folder / sdist) as archive:
        archive.extractall(folder, filter="data")
    return folder / build_hook("build_wheel", folder, folder / sdist.removesuffix(".tar.gz"))


def build_hook(hook: str, folder: Path, source: Path) -> str:
    """The name of the file built; setuptools prints what it does before it."""
    output = run([sys.executable, "-c", BUILD_HOOK.format(hook), folder], cwd=source)
    return output.strip().splitlines()[-1]


def new_environment(folder: Path) -> tuple[Path, Path]:
    """A virtual environment with this one's dependencies but not Patrol: its python and its
    site-packages."""
    run([sys.executable, "-m", "venv", "--without-pip", folder])
    python = folder / "bin" / "python"
    site_packages = Path(
        run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    )
    borrowed = folder / "borrowed"
    borrowed.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not PATROL_ENTRIES.fullmatch(entry.name):
            (borrowed / entry.name).symlink_to(entry)
    (site_packages / "borrowed.pth").write_text(f"{borrowed}\n")
    return python, site_packages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read().decode()


def wait_for_server(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped at start:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{base}/login", timeout=5).close()
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()}")


def package_files(site_packages: Path) -> dict[str, tuple[int, int]]:
    """Every file pip installed and anything written since, but Python's bytecode caches."""
    return {
        str(path.relative_to(site_packages)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in site_packages.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_installs_and_serves_from_any_folder(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    python, site_packages = new_environment(tmp_path / "venv")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--quiet",
         wheel])
    installed = package_files(site_packages)
    assert "app/templates/base.html" in installed
    assert "app/translations/zh/LC_MESSAGES/messages.mo" in installed

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "FLASK_APP", "QR_FOLDER", "UPLOAD_FOLDER", "DATABASE_URL")
    }
    environment |= {
        "PATROL_ENV": "development",
        "SECRET_KEY": "the wheel's test",
        "DATABASE_URL": f"sqlite:///{elsewhere / 'patrol.sqlite'}",
    }
    for command in (["db", "upgrade"], ["seed-demo"]):
        run([python, "-m", "flask", "--app", "app", *command], cwd=elsewhere, env=environment)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
             "app:create_app()"],
            cwd=elsewhere, env=environment, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_server(server, base, log)
        plate = fetch(f"{base}/q/{START_ASSET}")
        service_worker = fetch(f"{base}/sw.js")
        stylesheet_path = re.search(r'href="(/static/css/patrol\.[0-9a-f]{12}\.css)"', plate)
        assert stylesheet_path, plate
        stylesheet = fetch(base + stylesheet_path[1])
    finally:
        server.terminate()
        server.wait(timeout=30)

    (slide,) = (
        asset for place in demo_places(SITE) for asset in place.assets if asset.code == START_ASSET
    )
    assert slide.name in plate
    assert "教职工登录" in plate  # "Staff: sign in", from the compiled catalog
    assert service_worker.startswith("const PATROL_SHELL = ")
    assert stylesheet_path[1] in service_worker
    assert "addEventListener" in service_worker
    assert "body{" in stylesheet  # minified
    assert package_files(site_packages) == installed
    # Flask's instance folder for an installed package, as the README says.
    assert (tmp_path / "venv" / "var" / "app-instance").is_dir()
