"""The school's own settings that the logistics head changes in Patrol, not in a config file."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import SchoolOwned, current_school_id_default


class Setting(SchoolOwned, db.Model):
    __tablename__ = "settings"

    school_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("schools.id"), primary_key=True, default=current_school_id_default
    )
    key: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    value: so.Mapped[str] = so.mapped_column(sa.Text)
