"""assets remember when they were retired

Completion counted a retired asset's checks up to its last change in the register, so any
later edit of a retired asset (a note, a photo) stretched its missed checks past the day it
left. The day is now kept with the status; a retired asset's last change is the best guess
for the assets retired before.

Revision ID: d41a7e5b9c20
Revises: c93e14b74c09
Create Date: 2026-12-01 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd41a7e5b9c20'
down_revision = 'c93e14b74c09'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assets') as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE assets SET retired_at = updated_at WHERE status = 'retired'")
    with op.batch_alter_table('assets') as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_assets_retired_when_retired'),
            "(status = 'retired') = (retired_at IS NOT NULL)",
        )


def downgrade():
    with op.batch_alter_table('assets') as batch_op:
        batch_op.drop_constraint(op.f('ck_assets_retired_when_retired'), type_='check')
        batch_op.drop_column('retired_at')
