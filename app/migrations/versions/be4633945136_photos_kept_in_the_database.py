"""photos kept in the database: every app server sees them (PHOTO_STORE = "database")

A stored photo's clean JPEG and thumbnail, under the name the records use. It belongs to a
school like the records naming it, so on PostgreSQL row-level security holds it to that
school as it does the other school-owned tables (migration 3c5d0e8f2a41); the application's
role reads and writes it through that migration's default privileges.

Revision ID: be4633945136
Revises: c76ee0dbf235
Create Date: 2026-12-04 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be4633945136'
down_revision = 'c76ee0dbf235'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_photos',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('touched_at', sa.DateTime(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_stored_photos_school_id_schools')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_stored_photos'))
    )
    with op.batch_alter_table('stored_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_photos_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_photos_touched_at'), ['touched_at'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # A JPEG does not compress: kept out of line without PostgreSQL trying to.
        for column in ('jpeg', 'thumbnail'):
            op.execute(f"ALTER TABLE stored_photos ALTER COLUMN {column} SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE stored_photos ENABLE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY school_only ON stored_photos"
            " USING (patrol_school_visible(school_id))"
            " WITH CHECK (patrol_school_visible(school_id))"
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP POLICY IF EXISTS school_only ON stored_photos")
    with op.batch_alter_table('stored_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_photos_touched_at'))
        batch_op.drop_index(batch_op.f('ix_stored_photos_school_id'))
    op.drop_table('stored_photos')
