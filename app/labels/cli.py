"""`flask --app app qr …`"""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.core.commands import CommandGroup
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.i18n import terminal_language
from app.labels import qr, selection
from app.labels.printing import render_sheet, school_language
from app.labels.sheets import DEFAULT_STOCK, STOCKS
from app.models import Place
from app.models.code import normalize_code
from app.school_option import school_option

qr_cli = CommandGroup("qr", help="Write QR codes and print-ready label sheets into qr/.")


def init_app(app):
    app.cli.add_command(qr_cli)


@qr_cli.command("export")
@school_option
@click.option("--place", "place_code", help="A place's code: only it and everything inside it.")
@click.option("--stock", type=click.Choice(list(STOCKS)), default=DEFAULT_STOCK, show_default=True)
@click.option(
    "--language",
    type=click.Choice(["zh", "en"]),
    help="Language of the messages and the sheet's notes (default: the terminal's, from LANG).",
)
@click.option(
    "--labels-in",
    "label_language",
    type=click.Choice(["zh", "en"]),
    help="Language of the labels (default: the school's, SCHOOL_LANGUAGE).",
)
def export(place_code, stock, language, label_language):
    """Write each code as SVG and PNG, and a sheet of labels, into QR_FOLDER.

    Without --place: every place and every asset that is not retired.
    """
    app = current_app._get_current_object()
    language = language or terminal_language()
    label_language = label_language or school_language()
    # A request context gives the templates what a page has (url_for, the language).
    with app.test_request_context(base_url=app.config["BASE_URL"]), force_locale(language):
        place = None
        if place_code is not None:
            place = db.session.scalar(
                sa.select(Place).where(Place.code == normalize_code(place_code))
            )
            if place is None:
                raise click.ClickException(_("No place has the code %(code)s.", code=place_code))
        with force_locale(label_language):
            tree = PlaceTree.load()
            if place is None:
                chosen = selection.for_register(tree)
            else:
                chosen = selection.for_place(tree, place)

        folder = Path(app.config["QR_FOLDER"])
        for label in chosen.labels:
            names = []
            for fmt in qr.FORMATS:
                path = folder / f"{label.code}.{fmt}"
                qr.write_atomically(path, qr.image_bytes(label.code, fmt))
                names.append(path.name)
            click.echo(f"{'  '.join(names)}  {label.title}")

        sheet_path = folder / f"sheet-{stock}.html"
        html = render_sheet(chosen, STOCKS[stock], label_language, interactive=False)
        qr.write_atomically(sheet_path, html.encode())
        click.echo(
            _(
                "Wrote %(count)d codes as SVG and PNG, and the label sheet %(sheet)s, "
                "in %(folder)s.",
                count=len(chosen.labels),
                sheet=sheet_path.name,
                folder=folder,
            )
        )
        if chosen.retired_left_out:
            click.echo(_("Retired assets left out: %(count)d.", count=chosen.retired_left_out))
