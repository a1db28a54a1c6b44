"""The deploy/ files as the cluster test runs them: each changed only where an operator
changes it, so what the test proves is what an operator copies.

- deploy/nginx/patrol.conf: on each line ending in "# edit: <what>", the first value (the
  word after the directive's name) is replaced by the test's value for <what>. A marked line
  the test has no value for, or a value no line asks for, is an error: a new edit in the
  file must be taught to the test.
- deploy/systemd/*.service: the ExecStart command, with INSTALL_FOLDER/venv/bin standing for
  the folder of the Python running the tests and INSTALL_FOLDER/deploy for the clone's
  deploy/, and the unit's %i for the port. It runs in the clone (the unit's
  WorkingDirectory), so the clone's app/ is served. Its Environment= settings are set too,
  and its RuntimeDirectory= made empty before each start, /run standing for a folder of the
  test's. KillSignal says how it is stopped.
- deploy/patrol.env.example: every KEY=value as shipped, except those an operator fills in
  (OPERATOR_FILLS), which the test gives.
"""

import re
import shlex
import signal
import sys
from configparser import ConfigParser
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY / "deploy"
NGINX_SITE = DEPLOY / "nginx" / "patrol.conf"
SERVER_UNIT = DEPLOY / "systemd" / "patrol@.service"
WORKER_UNIT = DEPLOY / "systemd" / "patrol-worker.service"
ENVIRONMENT_EXAMPLE = DEPLOY / "patrol.env.example"

INSTALL_FOLDER = "/srv/patrol"
RUN = "/run"
EDIT = re.compile(r"^(?P<indent>\s*)(?P<directive>\S+)\s+(?P<value>\S+?)(?P<rest>;|\s.*?;)"
                  r"\s*#\s*edit:\s*(?P<what>.+?)\s*$")
OPERATOR_FILLS = ("SECRET_KEY", "DATABASE_URL", "BASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI")


class DeployFileError(AssertionError):
    """A deploy/ file no longer reads as the test expects: fix the file or teach the test."""


def nginx_site(values: dict[str, str]) -> str:
    """deploy/nginx/patrol.conf with each edited value replaced by values[<what>]."""
    used = set()
    lines = []
    for number, line in enumerate(NGINX_SITE.read_text().splitlines(), start=1):
        edit = EDIT.match(line)
        if edit is None and "# edit:" in line and not line.lstrip().startswith("#"):
            raise DeployFileError(f"{NGINX_SITE}:{number}: an edit mark on a line not read")
        if edit is not None:
            what = edit["what"]
            if what not in values:
                raise DeployFileError(f"{NGINX_SITE}:{number}: no test value for {what!r}")
            used.add(what)
            line = f"{edit['indent']}{edit['directive']} {values[what]}{edit['rest']}"
        lines.append(line)
    if unused := set(values) - used:
        raise DeployFileError(f"{NGINX_SITE} asks for none of {sorted(unused)}")
    return "\n".join(lines) + "\n"


def service(unit: Path) -> dict[str, str]:
    parser = ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(unit)
    return dict(parser["Service"])


def command(unit: Path, port: int | None = None) -> list[str]:
    """The unit's ExecStart as this machine runs it."""
    line = service(unit)["ExecStart"]
    if port is not None:
        line = line.replace("%i", str(port))
    if "%" in line:
        raise DeployFileError(f"{unit}: ExecStart has a specifier the test does not fill")
    line = line.replace(f"{INSTALL_FOLDER}/venv/bin/", f"{Path(sys.executable).parent}/")
    line = line.replace(f"{INSTALL_FOLDER}/deploy/", f"{DEPLOY}/")
    if INSTALL_FOLDER in line:
        raise DeployFileError(f"{unit}: ExecStart names {INSTALL_FOLDER} beyond venv/ and deploy/")
    return shlex.split(line)


def runtime(unit: Path, port: int | None, folder: Path) -> tuple[dict[str, str], list[Path]]:
    """The unit's Environment= settings and its RuntimeDirectory= folders, with %i the port
    and /run standing for `folder`."""
    settings = service(unit)

    def filled(value: str) -> str:
        if port is not None:
            value = value.replace("%i", str(port))
        return value.replace(f"{RUN}/", f"{folder}/")

    environment = {}
    for assignment in shlex.split(settings.get("Environment", "")):
        name, _, value = assignment.partition("=")
        environment[name] = filled(value)
    folders = [folder / filled(name) for name in settings.get("RuntimeDirectory", "").split()]
    return environment, folders


def stop_signal(unit: Path) -> signal.Signals:
    return signal.Signals[service(unit).get("KillSignal", "SIGTERM")]


def shipped_environment() -> dict[str, str]:
    """deploy/patrol.env.example's settings as shipped."""
    settings = {}
    for line in ENVIRONMENT_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def environment(filled: dict[str, str]) -> dict[str, str]:
    """deploy/patrol.env.example's settings, with `filled` for what the operator fills in."""
    settings = shipped_environment()
    if missing := set(OPERATOR_FILLS) - set(settings):
        raise DeployFileError(f"{ENVIRONMENT_EXAMPLE} has no {sorted(missing)}")
    if set(filled) != set(OPERATOR_FILLS):
        raise DeployFileError(f"the test fills {sorted(filled)}, not {list(OPERATOR_FILLS)}")
    return settings | filled
