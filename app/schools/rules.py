"""What a school or a district may be called, shared by the `schools` and `districts`
commands.

Rules:

- A code is 2 to 20 characters, lower-case letters a–z, digits, dash or underscore, and
  names one school (or one district) in the whole deployment: a code that exists is refused,
  nothing is made.
- A school has a name (its Chinese name; an English one is optional), a time zone Python
  knows and one of the languages Patrol speaks; left out, the first school's defaults from
  the environment (SCHOOL_TIMEZONE, SCHOOL_LANGUAGE).
- A school may belong to a district, which must exist.
"""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import District, School
from app.models.school import SCHOOL_CODE_LENGTH

CODE_PATTERN = re.compile(rf"[a-z0-9_-]{{2,{SCHOOL_CODE_LENGTH}}}")
CODE_RULE = _l("2 to 20 characters: letters a–z, digits, dash or underscore.")
NAME_MAX_LENGTH = 120


class SchoolRuleError(ValueError):
    """A school or district refused; `message` says why in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def normalize_code(text: str) -> str:
    """Codes are kept in lower case: "EAST" and "east" are the same school."""
    return text.strip().lower()


def find_school(code: str) -> School | None:
    return db.session.scalar(sa.select(School).where(School.code == normalize_code(code)))


def find_district(code: str) -> District | None:
    return db.session.scalar(sa.select(District).where(District.code == normalize_code(code)))


def create_school(
    code: str,
    name: str,
    name_en: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    district_code: str | None = None,
) -> School:
    """A new school, added to the session; refused with SchoolRuleError, nothing added."""
    code = _usable_code(code)
    if find_school(code) is not None:
        raise SchoolRuleError(_l("There is already a school with the code “%(code)s”.", code=code))
    timezone = timezone or current_app.config["SCHOOL_TIMEZONE"]
    if not _is_timezone(timezone):
        raise SchoolRuleError(
            _l("Unknown time zone “%(timezone)s”: use one like Asia/Shanghai.", timezone=timezone)
        )
    language = language or current_app.config["SCHOOL_LANGUAGE"]
    if language not in current_app.config["LANGUAGES"]:
        raise SchoolRuleError(
            _l(
                "Unknown language “%(language)s”: choose %(languages)s.",
                language=language,
                languages=", ".join(current_app.config["LANGUAGES"]),
            )
        )
    district = None
    if district_code is not None:
        district = find_district(district_code)
        if district is None:
            raise SchoolRuleError(
                _l("There is no district with the code “%(code)s”.", code=district_code)
            )
    school = School(
        code=code,
        name=_usable_name(name),
        name_en=_usable_name(name_en) if name_en else None,
        timezone=timezone,
        language=language,
        district=district,
    )
    db.session.add(school)
    return school


def create_district(code: str, name: str, name_en: str | None = None) -> District:
    """A new district, added to the session; refused with SchoolRuleError, nothing added."""
    code = _usable_code(code)
    if find_district(code) is not None:
        raise SchoolRuleError(
            _l("There is already a district with the code “%(code)s”.", code=code)
        )
    district = District(
        code=code, name=_usable_name(name), name_en=_usable_name(name_en) if name_en else None
    )
    db.session.add(district)
    return district


def _usable_code(code: str) -> str:
    code = normalize_code(code)
    if CODE_PATTERN.fullmatch(code) is None:
        raise SchoolRuleError(
            _l("The code “%(code)s” cannot be used: %(rule)s", code=code, rule=CODE_RULE)
        )
    return code


def _usable_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise SchoolRuleError(_l("The name cannot be empty."))
    if len(name) > NAME_MAX_LENGTH:
        raise SchoolRuleError(
            _l("The name is too long: at most %(count)s characters.", count=NAME_MAX_LENGTH)
        )
    return name


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
