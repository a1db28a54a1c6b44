"""`flask --app app seed-demo` and `flask --app app demo`."""

import ipaddress
import os
import signal
import socket
import subprocess
import sys

import click
import sqlalchemy as sa
from flask import current_app, url_for
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext as _
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from app import tenancy
from app.config import DEFAULTS
from app.demo import district, kindergarten
from app.demo.seed import demo_assets_by_code, first_school, seed_district
from app.extensions import db
from app.models import ScanCode
from app.urls import scan_url

ALL_INTERFACES = ("0.0.0.0", "::", "")
# How long the worker may take to finish the task in hand once the server has stopped.
WORKER_STOP_SECONDS = 10
# The longest demo username, district-admin, and a space.
USERNAME_WIDTH = 15


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo district: the kindergarten, two smaller ones and their people (safe to
    run twice)."""
    _refuse_in_production()
    if not sa.inspect(db.engine).has_table(ScanCode.__tablename__):
        raise click.ClickException(
            _("The database has no tables yet: run \"flask --app app db upgrade\" first.")
        )
    _report(seed_district())


@click.command("demo")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def demo_command(host, port):
    """Build the database, load the demo and serve it to phones on this network."""
    _refuse_in_production()
    app = current_app._get_current_object()
    upgrade()
    seeded = seed_district()
    _report(seeded)

    if host in ALL_INTERFACES:
        local_host, phone_host = "localhost", lan_address()
    else:
        local_host = phone_host = host
    local_url, phone_url = _url(local_host, port), _url(phone_host, port)
    reachable = not _is_loopback(phone_host)
    # The default BASE_URL only works on this computer; labels must lead phones here.
    if app.config["BASE_URL"] == DEFAULTS["BASE_URL"]:
        app.config["BASE_URL"] = phone_url if reachable else local_url
    # The demo is the kindergarten's: its header and reports carry its name.
    if app.config["SCHOOL_NAME"] == DEFAULTS["SCHOOL_NAME"]:
        app.config["SCHOOL_NAME"] = kindergarten.SITE.name

    click.echo()
    _sign_ins(seeded)
    click.echo(_("On this computer, open %(url)s", url=local_url))
    if reachable:
        click.echo(_("On a phone on the same Wi-Fi, open %(url)s", url=phone_url))
    else:
        click.echo(_("Phones cannot reach %(url)s: join this computer to the Wi-Fi and serve "
                     "on all interfaces (--host 0.0.0.0).", url=phone_url))
    click.echo(_("Printed QR codes lead to %(url)s", url=app.config["BASE_URL"]))
    click.echo(_("Over plain HTTP a phone can sign in and its own camera can scan printed "
                 "labels; scanning inside Patrol and working offline will need HTTPS."))
    _start_here(app)
    click.echo()
    worker = start_worker(app)
    try:
        # app.run() does nothing inside a `flask` command; this is what `flask run` calls.
        run_simple(host, port, app, threaded=True)
    finally:
        stop_worker(worker)


def start_worker(app) -> subprocess.Popen:
    """The worker beside the demo's server, as production runs it: `flask worker` in a
    process of its own, on the same app, database and queue, told the address and the
    name the demo chose."""
    command = [sys.executable, "-m", "flask"]
    script_info = click.get_current_context().find_object(ScriptInfo)
    if script_info is not None and script_info.app_import_path:
        command += ["--app", script_info.app_import_path]
    # Quiet: the demo's terminal is for the server's requests, not a line per task.
    command += ["worker", "--quiet"]
    chosen = {"BASE_URL": app.config["BASE_URL"], "SCHOOL_NAME": app.config["SCHOOL_NAME"]}
    # The demo stopped by `kill` as by Ctrl-C: through demo_command's finally, which stops
    # the worker too instead of leaving it running alone.
    signal.signal(signal.SIGTERM, _exit_quietly)
    return subprocess.Popen(command, env={**os.environ, **chosen})


def _exit_quietly(signal_number, frame):
    sys.exit(0)


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def lan_address() -> str:
    """This computer's address on the local network, as a phone on the same Wi-Fi sees it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            # Connecting a UDP socket only chooses the outgoing interface: nothing is sent.
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            pass
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def _url(host, port):
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _refuse_in_production():
    if current_app.config["PATROL_ENV"] == "production":
        raise click.ClickException(
            _("The demo is never loaded into a production database (PATROL_ENV=production).")
        )


def _start_here(app):
    """Where a new user begins: "Today", then slide 2's label, both as a phone reaches them."""
    # Only the address is built in a request context: words printed inside one would follow
    # a browser's language instead of the terminal's.
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        today_url = url_for("rounds.today", _external=True)
    click.echo(_("Start with \"Today\": %(url)s", url=today_url))
    with tenancy.in_school(first_school()):
        slide = demo_assets_by_code().get(kindergarten.START_ASSET)
    if slide is not None:
        click.echo(_("Then open slide 2's label as if you had scanned it: %(url)s",
                     url=scan_url(slide.code)))


def _sign_ins(seeded):
    """Every demo sign-in under its school, then the district's, each with name and post."""
    click.echo(_("Sign in as one of these users, password %(password)s:",
                 password=kindergarten.DEMO_PASSWORD))
    for school in seeded.schools:
        _people(school.school.title, school.demo.users)
    _people(seeded.district.title, district.DISTRICT_PEOPLE)


def _people(title, people):
    click.echo(f"{title}:")
    for username, display_name, role, _mobile in people:
        click.echo(f"  {username:<{USERNAME_WIDTH}} {display_name}, {role.label}")


def _report(seeded):
    kept_passwords = list(seeded.kept_passwords)
    for school in seeded.schools:
        click.echo(f"{school.school.title} ({school.school.code}):")
        _report_school(school.result)
        kept_passwords += [name for name in school.result.kept_passwords
                           if name not in kept_passwords]
    if seeded.added:
        click.echo(_(
            "District %(district)s: schools added %(schools)s, people added %(users)s.",
            district=seeded.district.title, schools=seeded.added["schools"],
            users=seeded.added["users"],
        ))
    for username in kept_passwords:
        click.echo(_("User %(username)s already existed: its own password still applies.",
                     username=username))


def _report_school(result):
    if not result.changed:
        click.echo(_("The demo kindergarten is already loaded; nothing changed."))
    else:
        added = result.added
        click.echo(_(
            "Demo kindergarten loaded. Added: places %(places)s, kinds of asset %(kinds)s, "
            "assets %(assets)s, users %(users)s.",
            places=added["places"], kinds=added["kinds"],
            assets=added["assets"], users=added["users"],
        ))
        click.echo(_(
            "Routines and their history added: checklists %(checklists)s, past inspections "
            "%(inspections)s, faults %(faults)s, closed periods %(closed)s.",
            checklists=added["checklists"], inspections=added["inspections"],
            faults=added["faults"], closed=added["closed_periods"],
        ))


def init_app(app):
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_command)
