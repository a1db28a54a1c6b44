"""`flask --app app assets …`"""

from flask.cli import AppGroup

assets_cli = AppGroup("assets", help="Import and export the asset register as CSV.")


def init_app(app):
    app.cli.add_command(assets_cli)
