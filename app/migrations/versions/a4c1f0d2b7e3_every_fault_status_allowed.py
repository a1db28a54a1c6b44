"""every fault status allowed by the database, not only "reported"

The lifecycle migration added the new statuses to the model but kept the CHECK constraint
of the first one, so no fault could be assigned, repaired or accepted.

Revision ID: a4c1f0d2b7e3
Revises: 5cbf73e9eb7f
Create Date: 2026-11-24 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c1f0d2b7e3'
down_revision = '5cbf73e9eb7f'
branch_labels = None
depends_on = None

ALL = ('reported', 'assigned', 'in_progress', 'repaired', 'accepted')


def _status(*values):
    return sa.Enum(*values, name='faultstatus', native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    for table in ('faults', 'fault_events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('status', existing_type=_status('reported'),
                                  type_=_status(*ALL), existing_nullable=False)


def downgrade():
    for table in ('faults', 'fault_events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('status', existing_type=_status(*ALL),
                                  type_=_status('reported'), existing_nullable=False)
