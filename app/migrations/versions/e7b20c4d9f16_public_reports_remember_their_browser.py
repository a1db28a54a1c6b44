"""public reports remember their browser

A public report's client id, sent again from another browser, answered with the first
reporter's confirmation page; and that page opened for anyone holding its address. The
browser a public report came from is now kept (hashed), so only that browser repeats it or
opens its page. Reports made before have no browser on record: their page no longer opens.

Revision ID: e7b20c4d9f16
Revises: e7b2c5a9d013
Create Date: 2026-12-03 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b20c4d9f16'
down_revision = 'e7b2c5a9d013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('faults') as batch_op:
        batch_op.add_column(sa.Column('reporter_browser', sa.String(length=64), nullable=True))


def downgrade():
    # SQLite drops the column in place: recreating the table would trip the foreign keys
    # that fault events and photos hold on it.
    with op.batch_alter_table('faults', recreate='never') as batch_op:
        batch_op.drop_column('reporter_browser')
