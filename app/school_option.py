"""`--school CODE`: which school a command works on, for the commands that read or change
one school's records (the register's import and export, the label sheets).

Rules:

- With one school in the deployment the option may be left out: that school is the one.
- With several, a command refuses to run without it, naming the schools' codes: it would
  otherwise see no school's records (an empty export) or fail half-way.
- A code that names no school is refused, with the codes there are.
"""

import functools

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from app import tenancy
from app.extensions import db
from app.models import School


def school_option(command):
    """Put below the command's decorator: adds --school and runs the command in that school."""

    @click.option("--school", "school_code", help="The school's code (one school: optional).")
    @functools.wraps(command)
    def in_the_school(*args, school_code=None, **kwargs):
        with tenancy.in_school(_chosen(school_code)):
            return command(*args, **kwargs)

    return in_the_school


def _chosen(school_code: str | None) -> int:
    with tenancy.everywhere():
        schools = db.session.execute(sa.select(School.id, School.code).order_by(School.code)).all()
    codes = ", ".join(code for _id, code in schools)
    if school_code is None:
        if len(schools) == 1:
            return schools[0].id
        raise click.UsageError(_("Name the school with --school: one of %(codes)s.", codes=codes))
    for school_id, code in schools:
        if code == school_code.strip():
            return school_id
    raise click.UsageError(
        _("No school has the code %(code)s: one of %(codes)s.", code=school_code, codes=codes)
    )
