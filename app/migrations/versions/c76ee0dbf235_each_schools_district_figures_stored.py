"""each school's district dashboard figures, stored as last counted

The district dashboard reads one row per school (counted by the worker, app.district.stored)
instead of counting every school at every request. The row is the school's own: on
PostgreSQL the same row-level security as every school-owned table holds it to its school.

Revision ID: c76ee0dbf235
Revises: 8e41b7c2d5f3
Create Date: 2026-12-04 22:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c76ee0dbf235'
down_revision = '8e41b7c2d5f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_figures',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('counted_at', sa.DateTime(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('due', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('unsafe_open', sa.Integer(), nullable=False),
    sa.Column('oldest_unsafe_at', sa.DateTime(), nullable=True),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('repairs_accepted', sa.Integer(), nullable=False),
    sa.Column('repair_mean', sa.Interval(), nullable=True),
    sa.Column('term_due', sa.Integer(), nullable=False),
    sa.Column('term_done', sa.Integer(), nullable=False),
    sa.Column('term_open', sa.Integer(), nullable=False),
    sa.Column('term_missed', sa.Integer(), nullable=False),
    sa.Column('out_of_service', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_figures_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_school_figures'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE school_figures ENABLE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY school_only ON school_figures"
            " USING (patrol_school_visible(school_id))"
            " WITH CHECK (patrol_school_visible(school_id))"
        )


def downgrade():
    # The policy goes with the table.
    op.drop_table('school_figures')
