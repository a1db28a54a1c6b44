"""`flask --app app users …`"""

from flask.cli import AppGroup

users_cli = AppGroup("users", help="Manage who may sign in.")


def init_app(app):
    app.cli.add_command(users_cli)
