"""`flask --app app assets …`"""

import os

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from app.register import csv_io

assets_cli = AppGroup("assets", help="Import and export the asset register as CSV.")


def init_app(app):
    app.cli.add_command(assets_cli)


@assets_cli.command("import")
@click.argument("file", type=click.File("rb"))
def import_command(file):
    """Import FILE (CSV): all rows or, if any row is bad, none."""
    with force_locale(_terminal_language()):
        try:
            summary = csv_io.import_assets(file.read())
        except csv_io.ImportRefused as refused:
            for problem in refused.problems:
                click.echo(problem.describe(), err=True)
            raise click.exceptions.Exit(1) from None
        click.echo(summary.describe())


@assets_cli.command("export")
@click.argument("file", type=click.File("wb"))
def export_command(file):
    """Write the register to FILE as CSV (UTF-8 with BOM, as Excel wants); - for stdout."""
    file.write(csv_io.export_assets())


def _terminal_language():
    """The terminal's language when Patrol speaks it (LANG=zh_CN.UTF-8 → zh)."""
    languages = current_app.config["LANGUAGES"]
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        language = os.environ.get(variable, "")[:2].lower()
        if language in languages:
            return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]
