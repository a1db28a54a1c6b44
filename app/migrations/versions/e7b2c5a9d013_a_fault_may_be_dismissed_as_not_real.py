"""a fault may be dismissed as not a real fault

The logistics head undoes a visitor's prank in one step: the report is closed as
"dismissed", kept with its whole story, and the asset goes back in service.

Revision ID: e7b2c5a9d013
Revises: d41a7e5b9c20
Create Date: 2026-12-02 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b2c5a9d013'
down_revision = 'd41a7e5b9c20'
branch_labels = None
depends_on = None

BEFORE = ('reported', 'assigned', 'in_progress', 'repaired', 'accepted')
AFTER = (*BEFORE, 'dismissed')


def _status(*values):
    return sa.Enum(*values, name='faultstatus', native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    for table in ('faults', 'fault_events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('status', existing_type=_status(*BEFORE),
                                  type_=_status(*AFTER), existing_nullable=False)


def downgrade():
    # A dismissal is a signed decision in a fault's story: it is never rewritten as
    # something else to fit the older schema.
    dismissed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM faults WHERE status = 'dismissed'")
    )
    if dismissed:
        raise RuntimeError(
            f"{dismissed} faults were dismissed as not real; the older schema cannot hold them."
        )
    for table in ('faults', 'fault_events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('status', existing_type=_status(*AFTER),
                                  type_=_status(*BEFORE), existing_nullable=False)
