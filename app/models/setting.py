"""The school's own settings that the logistics head changes in Patrol, not in a config file."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db


class Setting(db.Model):
    __tablename__ = "settings"

    key: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    value: so.Mapped[str] = so.mapped_column(sa.Text)
