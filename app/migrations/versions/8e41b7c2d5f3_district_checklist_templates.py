"""district checklist templates: published by the district, adopted by its schools

Templates, their versions and items belong to a district, not to a school: they carry no
school_id and are outside the schools' row-level security (the application role reads and
writes them through the default privileges of migration 3c5d0e8f2a41). A school's routine
remembers the template version it was adopted from or last updated to.

Revision ID: 8e41b7c2d5f3
Revises: 3c5d0e8f2a41
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e41b7c2d5f3'
down_revision = '3c5d0e8f2a41'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('checklist_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('kind_key', sa.String(length=40), nullable=False),
    sa.Column('kind_name', sa.String(length=80), nullable=False),
    sa.Column('kind_name_en', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('frequency', sa.Enum('daily', 'weekly', 'monthly', 'yearly', 'every_n_days', name='frequency', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('day_of_month', sa.Integer(), nullable=True),
    sa.Column('month', sa.Integer(), nullable=True),
    sa.Column('interval_days', sa.Integer(), nullable=True),
    sa.Column('anchor_date', sa.Date(), nullable=True),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_checklist_templates_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_templates')),
    sa.UniqueConstraint('district_id', 'key', name=op.f('uq_checklist_templates_district_id'))
    )
    with op.batch_alter_table('checklist_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_templates_district_id'), ['district_id'], unique=False)

    op.create_table('template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_template_versions_published_by_id_users')),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_template_versions_template_id_checklist_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_versions')),
    sa.UniqueConstraint('template_id', 'number', name=op.f('uq_template_versions_template_id'))
    )
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_versions_template_id'), ['template_id'], unique=False)

    op.create_table('template_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('lineage', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('check', 'reading', 'text', 'photo', name='itemtype', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('text_en', sa.String(length=300), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('min_value', sa.Double(), nullable=True),
    sa.Column('max_value', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['template_versions.id'], name=op.f('fk_template_items_version_id_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_items'))
    )
    with op.batch_alter_table('template_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_items_lineage'), ['lineage'], unique=False)
        batch_op.create_index(batch_op.f('ix_template_items_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_version_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_checklists_template_version_id'), ['template_version_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_checklists_template_version_id_template_versions'), 'template_versions', ['template_version_id'], ['id'])


def downgrade():
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checklists_template_version_id_template_versions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_checklists_template_version_id'))
        batch_op.drop_column('template_version_id')

    with op.batch_alter_table('template_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_items_version_id'))
        batch_op.drop_index(batch_op.f('ix_template_items_lineage'))
    op.drop_table('template_items')

    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_versions_template_id'))
    op.drop_table('template_versions')

    with op.batch_alter_table('checklist_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_templates_district_id'))
    op.drop_table('checklist_templates')

