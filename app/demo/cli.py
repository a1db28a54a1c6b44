"""`flask --app app seed-demo` and `flask --app app demo`."""


def init_app(app):
    pass
