"""Stocktakes: scans, moves and the frozen result lines

A stocktake (盘点) over a place or the whole school; every code added while counting, each
asset counted once per stocktake (unique per stocktake and asset, and per code); assets moved
in the register during one; and the result lines written when it is closed with a signature.

Revision ID: c93e14b74c09
Revises: a4c1f0d2b7e3
Create Date: 2026-12-01 07:50:30.379630

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c93e14b74c09'
down_revision = 'a4c1f0d2b7e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stocktakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('scope_name', sa.String(length=400), nullable=False),
    sa.Column('scope_name_en', sa.String(length=400), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='stocktakestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('last_scan_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('expected_count', sa.Integer(), nullable=True),
    sa.Column('found_count', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_stocktakes_closed_by_id_users')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_stocktakes_place_id_places')),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.id'], name=op.f('fk_stocktakes_signature_id_signatures')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_stocktakes_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktakes')),
    sa.UniqueConstraint('client_id', name=op.f('uq_stocktakes_client_id'))
    )
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktakes_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktakes_status'), ['status'], unique=False)

    op.create_table('stocktake_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('finding', sa.Enum('found', 'missing', 'wrong_place', 'moved', 'unknown', name='finding', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('unknown', sa.Enum('not_issued', 'blank', 'replaced', name='unknowncode', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('asset_number', sa.String(length=40), nullable=True),
    sa.Column('registered_place', sa.String(length=400), nullable=False),
    sa.Column('registered_place_en', sa.String(length=400), nullable=False),
    sa.Column('counted_place', sa.String(length=400), nullable=False),
    sa.Column('counted_place_en', sa.String(length=400), nullable=False),
    sa.Column('counted_by_name', sa.String(length=80), nullable=False),
    sa.Column('counted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_stocktake_lines_asset_id_assets')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stocktake_lines_stocktake_id_stocktakes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_lines'))
    )
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.create_index('ix_stocktake_lines_finding', ['stocktake_id', 'finding'], unique=False)

    op.create_table('stocktake_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('from_place_id', sa.Integer(), nullable=False),
    sa.Column('to_place_id', sa.Integer(), nullable=False),
    sa.Column('moved_by_id', sa.Integer(), nullable=False),
    sa.Column('moved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_stocktake_moves_asset_id_assets')),
    sa.ForeignKeyConstraint(['from_place_id'], ['places.id'], name=op.f('fk_stocktake_moves_from_place_id_places')),
    sa.ForeignKeyConstraint(['moved_by_id'], ['users.id'], name=op.f('fk_stocktake_moves_moved_by_id_users')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stocktake_moves_stocktake_id_stocktakes')),
    sa.ForeignKeyConstraint(['to_place_id'], ['places.id'], name=op.f('fk_stocktake_moves_to_place_id_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_moves'))
    )
    with op.batch_alter_table('stocktake_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_moves_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktake_moves_stocktake_id'), ['stocktake_id'], unique=False)

    op.create_table('stocktake_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('unknown', sa.Enum('not_issued', 'blank', 'replaced', name='unknowncode', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('counted_by_id', sa.Integer(), nullable=False),
    sa.Column('counted_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(asset_id IS NULL) <> (unknown IS NULL)', name=op.f('ck_stocktake_scans_asset_or_unknown')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_stocktake_scans_asset_id_assets')),
    sa.ForeignKeyConstraint(['counted_by_id'], ['users.id'], name=op.f('fk_stocktake_scans_counted_by_id_users')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_stocktake_scans_place_id_places')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stocktake_scans_stocktake_id_stocktakes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_scans')),
    sa.UniqueConstraint('stocktake_id', 'asset_id', name='uq_stocktake_scans_asset'),
    sa.UniqueConstraint('stocktake_id', 'code', name='uq_stocktake_scans_code')
    )
    with op.batch_alter_table('stocktake_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_scans_asset_id'), ['asset_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stocktake_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktake_scans_asset_id'))

    op.drop_table('stocktake_scans')
    with op.batch_alter_table('stocktake_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktake_moves_stocktake_id'))
        batch_op.drop_index(batch_op.f('ix_stocktake_moves_asset_id'))

    op.drop_table('stocktake_moves')
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_stocktake_lines_finding')

    op.drop_table('stocktake_lines')
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktakes_status'))
        batch_op.drop_index(batch_op.f('ix_stocktakes_place_id'))

    op.drop_table('stocktakes')
