"""`flask --app app photos …`"""

import sys

import click
from flask_babel import gettext as _

from app.core.commands import CommandGroup
from app.core.photos.cleanup import clean_unclaimed
from app.core.photos.move import move_to_database
from app.core.photos.stores import current_store, photo_folder

photos_cli = CommandGroup("photos", help="Look after the stored photos.")


def init_app(app):
    app.cli.add_command(photos_cli)


@photos_cli.command("clean")
def clean():
    """Delete stored photos no record names, untouched for over a day; run it daily.

    A photo is stored when it is uploaded, so a refused form leaves its photos behind. They
    are kept for a day (and an hour) after they were written or last claimed, because the
    refused form, sent again, claims them; a resend from the phone's outbox uploads them anew.
    """
    result = clean_unclaimed()
    if current_store().name == "database":
        message = _(
            "%(deleted)s photos deleted from the database; %(young)s unclaimed photos kept, "
            "younger than a day.",
            deleted=len(result.deleted),
            young=result.kept_young,
        )
    else:
        message = _(
            "%(deleted)s files deleted; %(young)s unclaimed files kept, younger than a day.",
            deleted=len(result.deleted),
            young=result.kept_young,
        )
    click.echo(message)


@photos_cli.command("move-to-database")
def move_to_database_command():
    """Copy every photo file into the database, for PHOTO_STORE=database; safe to run again.

    Each photo is read back and compared with its files; one already in the database is
    compared and not copied again. The files are left in place: remove the photos folder
    once every server runs with PHOTO_STORE=database.
    """
    moved = move_to_database()
    click.echo(
        _(
            "%(copied)s photos copied into the database; %(present)s were there already, "
            "with the same bytes.",
            copied=moved.copied,
            present=moved.present,
        )
    )
    if moved.unclaimed_old:
        click.echo(
            _(
                "%(count)s photos no record names and no form can claim any more were not "
                "copied: the clean-up deletes them.",
                count=moved.unclaimed_old,
            )
        )
    if moved.school_unknown:
        click.echo(
            _(
                "%(count)s photos of refused forms were not copied: no record names them "
                "yet, so nothing tells which school they belong to.",
                count=moved.school_unknown,
            )
        )
    click.echo(
        _(
            "The files stay in %(folder)s: remove it once every server runs with "
            "PHOTO_STORE=database.",
            folder=photo_folder(),
        )
    )
    for name in moved.incomplete:
        click.echo(_("%(name)s: its thumbnail file is missing; not copied.", name=name),
                   err=True)
    for name in moved.differ:
        click.echo(
            _("%(name)s: the database holds other bytes than the file.", name=name), err=True
        )
    if moved.incomplete or moved.differ:
        sys.exit(1)
