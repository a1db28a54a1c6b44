"""What every `flask --app app …` group shares: a database that is busy or out of reach for a
moment is said in one line in the terminal's language, nothing saved, exit status 1, as the
web answers 503 to the same error. Any other error keeps its traceback: it is a bug."""

import functools

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from app import database
from app.extensions import db


class CommandGroup(AppGroup):
    """An AppGroup whose commands say "busy, try again" instead of a traceback."""

    def command(self, *args, **kwargs):
        parent = super().command(*args, **kwargs)

        def decorator(callback):
            return parent(_said_when_busy(callback))

        return decorator


def _said_when_busy(callback):
    # Inside the app context that AppGroup.command puts around it: the session and the
    # terminal's language are there.
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except OperationalError as error:
            if not database.is_transient(error):
                raise
            db.session.rollback()
            raise click.ClickException(
                _("The database is busy or out of reach. Nothing was saved; try again in a moment.")
            ) from None

    return run
