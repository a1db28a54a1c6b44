from flask_wtf import FlaskForm
from wtforms import StringField


def strip(value):
    return value.strip() if isinstance(value, str) else value


class CodeForm(FlaskForm):
    """The type-a-code field, sent by GET; drawn by scan/_macros.html's code_form on every
    page that offers it, with or without a form object."""

    class Meta:
        csrf = False  # sent by GET: it changes nothing

    code = StringField(default="", filters=[strip])
