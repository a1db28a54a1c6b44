"""`flask --app app qr …`"""

from flask.cli import AppGroup

qr_cli = AppGroup("qr", help="Write QR codes and print-ready label sheets into qr/.")


def init_app(app):
    app.cli.add_command(qr_cli)
