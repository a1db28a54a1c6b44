"""`flask --app app schools …` and `flask --app app districts …`"""

import click
from flask_babel import gettext as _

from app.core.commands import CommandGroup
from app.extensions import db
from app.schools.rules import SchoolRuleError, create_district, create_school

schools_cli = CommandGroup("schools", help="Add the schools this Patrol serves.")
districts_cli = CommandGroup("districts", help="Add the districts (or groups) that hold schools.")


def init_app(app):
    app.cli.add_command(schools_cli)
    app.cli.add_command(districts_cli)


@schools_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--name-en", help="Optional: the school's name in English.")
@click.option("--timezone", help="Its time zone, e.g. Asia/Shanghai; SCHOOL_TIMEZONE if left out.")
@click.option("--language", help="What its labels and chats are written in: zh or en.")
@click.option("--district", "district_code", help="The code of the district it belongs to.")
def create_school_command(code, name, name_en, timezone, language, district_code):
    """Add a school: CODE (unique, e.g. east-campus) and NAME (e.g. 阳光幼儿园东园)."""
    try:
        school = create_school(code, name, name_en, timezone, language, district_code)
        db.session.commit()
    except SchoolRuleError as refused:
        db.session.rollback()
        raise click.ClickException(str(refused.message)) from None
    click.echo(_("School %(code)s (%(name)s) is ready.", code=school.code, name=school.name))


@districts_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--name-en", help="Optional: the district's name in English.")
def create_district_command(code, name, name_en):
    """Add a district: CODE (unique) and NAME (e.g. 城东区教育局)."""
    try:
        district = create_district(code, name, name_en)
        db.session.commit()
    except SchoolRuleError as refused:
        db.session.rollback()
        raise click.ClickException(str(refused.message)) from None
    click.echo(
        _("District %(code)s (%(name)s) is ready.", code=district.code, name=district.name)
    )
