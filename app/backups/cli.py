"""`flask --app app backup FILE`, `flask --app app restore FILE` and
`flask --app app check-records`."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.backups.archive import ArchiveError
from app.backups.integrity import Report, check
from app.backups.making import make_backup
from app.backups.restoring import migrations, restore_backup

ARCHIVE = click.Path(dir_okay=False, path_type=Path)


def init_app(app):
    for command in (backup, restore, check_records):
        app.cli.add_command(command)


@click.command("backup")
@click.argument("file", type=ARCHIVE)
@with_appcontext
def backup(file):
    """Write the database and the photos to FILE (.tar, or .tar.gz to compress), while Patrol
    runs. On PostgreSQL it runs pg_dump, of the server's major version."""
    try:
        manifest = make_backup(file)
    except ArchiveError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(
        _(
            "Backup written to %(path)s: %(rows)s rows in %(tables)s tables, %(photos)s photo "
            "files.",
            path=file,
            rows=sum(manifest.counts.values()),
            tables=len(manifest.counts),
            photos=manifest.photo_count,
        )
    )
    if manifest.photos_missing:
        click.echo(
            _(
                "Warning: %(count)s photos named by records were not in the photo folder: "
                "%(names)s",
                count=len(manifest.photos_missing),
                names=", ".join(manifest.photos_missing),
            ),
            err=True,
        )


@click.command("restore")
@click.argument("file", type=ARCHIVE)
@with_appcontext
def restore(file):
    """Restore a backup made by `backup` into this empty install, then check its records.
    An older backup is brought forward afterwards by `flask --app app db upgrade`."""
    try:
        manifest = restore_backup(file)
    except ArchiveError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(
        _(
            "Restored %(rows)s rows and %(photos)s photo files from a backup of %(created)s.",
            rows=sum(manifest.counts.values()),
            photos=manifest.photo_count,
            created=manifest.created_at,
        )
    )
    _report(check(migrations().get_current_head(), manifest))


@click.command("check-records")
@with_appcontext
def check_records():
    """Check every signature and every photo a record names (run after a restore)."""
    _report(check(migrations().get_current_head()))


def _report(report: Report) -> None:
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.problems:
        raise click.ClickException(
            _("%(count)s problems found in the records.", count=len(report.problems))
        )
    if report.older_revision:
        click.echo(
            _(
                "The database is at an older revision (%(revision)s): run "
                "`flask --app app db upgrade`, then `flask --app app check-records`.",
                revision=report.older_revision,
            )
        )
        return
    click.echo(_("Records checked: every signature and every photo named is in place."))
