"""A district's schools, as its district admin adds them and edits them.

Rules:

- Only a district admin adds or edits a school, and only in a district they administer; the
  district's logistics office reads and changes nothing.
- A school's code is 1 to 20 letters, digits, "-" or "_", kept in lower case, unique across
  the deployment (a code that exists is refused, whatever its district). It never changes
  once made: links and commands name the school by it.
- The name is required, the English name optional, each at most 120 characters.
- The time zone is one zoneinfo knows (for example Asia/Shanghai); the language, what its
  labels and chat notices are written in, is one Patrol speaks (zh or en).
- A refused change raises SchoolRefused naming the field and why, and changes nothing.
"""

import re
import zoneinfo
from functools import cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import District, School
from app.models.school import SCHOOL_CODE_LENGTH

CODE_RULE = re.compile(rf"[a-z0-9_-]{{1,{SCHOOL_CODE_LENGTH}}}", re.ASCII)
NAME_LENGTH = 120
LANGUAGES = (("zh", "中文"), ("en", "English"))


class SchoolRefused(ValueError):
    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def normalize_code(typed: str) -> str:
    return typed.strip().lower()


def _check(name: str, name_en: str | None, timezone: str, language: str) -> None:
    if not (name or "").strip():
        raise SchoolRefused("name", _l("Write the school's name."))
    if len(name.strip()) > NAME_LENGTH or len(name_en or "") > NAME_LENGTH:
        field = "name" if len(name.strip()) > NAME_LENGTH else "name_en"
        raise SchoolRefused(field, _l("At most %(count)s characters.", count=NAME_LENGTH))
    if timezone not in time_zones():
        raise SchoolRefused(
            "timezone", _l("Choose a time zone from the list, for example Asia/Shanghai.")
        )
    if language not in dict(LANGUAGES):
        raise SchoolRefused("language", _l("Choose Chinese or English."))


def add_school(
    district: District, code: str, name: str, name_en: str | None, timezone: str, language: str
) -> School:
    """A new school in the district; flushed, not committed."""
    code = normalize_code(code or "")
    if not CODE_RULE.fullmatch(code):
        raise SchoolRefused(
            "code",
            _l(
                "Write the code with 1 to %(count)s letters, digits, - or _.",
                count=SCHOOL_CODE_LENGTH,
            ),
        )
    _check(name, name_en, timezone, language)
    if db.session.scalar(sa.select(School.id).where(School.code == code)) is not None:
        raise SchoolRefused("code", _code_taken(code))
    school = School(
        code=code,
        name=name.strip(),
        name_en=(name_en or "").strip() or None,
        timezone=timezone,
        language=language,
        district=district,
    )
    db.session.add(school)
    try:
        db.session.flush()
    except IntegrityError:
        # Two admins adding the same code at once: the database's unique code decides.
        db.session.rollback()
        raise SchoolRefused("code", _code_taken(code)) from None
    return school


def edit_school(
    school: School, name: str, name_en: str | None, timezone: str, language: str
) -> None:
    """Changes the school's names, time zone and language; not committed."""
    _check(name, name_en, timezone, language)
    school.name = name.strip()
    school.name_en = (name_en or "").strip() or None
    school.timezone = timezone
    school.language = language


def _code_taken(code: str):
    return _l("A school with the code %(code)s exists already: choose another code.", code=code)
