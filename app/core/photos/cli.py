"""`flask --app app photos …`"""

import click
from flask_babel import gettext as _

from app.core.commands import CommandGroup
from app.core.photos.cleanup import clean_unclaimed

photos_cli = CommandGroup("photos", help="Look after the stored photos.")


def init_app(app):
    app.cli.add_command(photos_cli)


@photos_cli.command("clean")
def clean():
    """Delete photo files no record names, untouched for over a day; run it daily.

    A photo is stored when it is uploaded, so a refused form leaves its photos behind. They
    are kept for a day (and an hour) after they were written or last claimed, because the
    refused form, sent again, claims them; a resend from the phone's outbox uploads them anew.
    """
    result = clean_unclaimed()
    click.echo(
        _(
            "%(deleted)s files deleted; %(young)s unclaimed files kept, younger than a day.",
            deleted=len(result.deleted),
            young=result.kept_young,
        )
    )
