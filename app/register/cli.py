"""`flask --app app assets …`"""

import click

from app.core.commands import CommandGroup
from app.register import csv_io
from app.school_option import school_option

assets_cli = CommandGroup("assets", help="Import and export the asset register as CSV.")


def init_app(app):
    app.cli.add_command(assets_cli)


@assets_cli.command("import")
@school_option
@click.argument("file", type=click.File("rb"))
def import_command(file):
    """Import FILE (CSV): all rows or, if any row is bad, none."""
    try:
        summary = csv_io.import_assets(file.read())
    except csv_io.ImportRefused as refused:
        for problem in refused.problems:
            click.echo(problem.describe(), err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(summary.describe())


@assets_cli.command("export")
@school_option
@click.argument("file", type=click.File("wb"))
def export_command(file):
    """Write the register to FILE as CSV (UTF-8 with BOM, as Excel wants); - for stdout."""
    file.write(csv_io.export_assets())

