"""Column helpers shared by the models."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.i18n import current_locale


def utcnow() -> datetime:
    """Naive UTC: SQLite drops time zones, so every timestamp is stored as UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_column(enum_class: type[enum.Enum]) -> sa.Enum:
    """An enum stored as its value in a plain string column, checked by the database."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def one_of(column, values) -> sa.ColumnElement[bool]:
    """`column IN values` for a fixed list, written as equalities joined by OR.

    For the statements built once and run on every page: SQLAlchemy rewrites an IN list into
    the SQL string again at each execution, while equalities compile once with the statement.
    """
    return sa.or_(*(column == value for value in values))


def localized(chinese: str, english: str | None) -> str:
    """The school writes in Chinese; English is shown when asked for and given."""
    locale = current_locale()
    if english and locale is not None and locale.language == "en":
        return english
    return chinese


class BilingualName:
    """Things named by the school in Chinese, with an optional English name."""

    name: str
    name_en: str | None

    @property
    def title(self) -> str:
        return localized(self.name, self.name_en)


# An execution option: the statement sees every school (app.tenancy.everywhere()).
EVERYWHERE_OPTION = "everywhere"


def current_school_id_default() -> int:
    # Imported here: app.tenancy reads the models, which load first.
    from app import tenancy

    return tenancy.school_id_for_new_record()


class SchoolOwned:
    """A record that belongs to one school. app.tenancy keeps every query to the current
    school's records; what is added without a school gets the current one (also in a bulk
    insert); PostgreSQL's row-level security holds each of these tables to it again."""

    @so.declared_attr
    def school_id(cls) -> so.Mapped[int]:
        return so.mapped_column(
            sa.ForeignKey("schools.id"), index=True, default=current_school_id_default
        )
