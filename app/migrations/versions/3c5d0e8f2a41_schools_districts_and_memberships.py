"""schools, districts and memberships: every school-owned record belongs to one school

One Patrol now holds many schools. An install upgrades into its first school, named from
SCHOOL_CODE, SCHOOL_NAME, SCHOOL_TIMEZONE and SCHOOL_LANGUAGE: every record is given that
school, every user becomes a member of it with the role they had, and codes that were
unique in the install (kinds, asset numbers, routines, scheduled notices) become unique
within a school. Scan codes, and the asset and place codes that are their labels', stay
unique across the deployment: /q/<code> needs no school.

On PostgreSQL, row-level security holds each school-owned table to the schools named by
the transaction's `patrol.school_ids` setting ("*": all), and DATABASE_APP_ROLE is the role
the application runs its transactions as (app.tenancy), bound by those policies.

Revision ID: 3c5d0e8f2a41
Revises: b85228d0714f
Create Date: 2026-12-04 18:50:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = '3c5d0e8f2a41'
down_revision = 'b85228d0714f'
branch_labels = None
depends_on = None

SCHOOL_OWNED = (
    'asset_kinds', 'assets', 'channels', 'checklist_items', 'checklist_versions', 'checklists',
    'closed_periods', 'deliveries', 'delivery_attempts', 'duties', 'fault_events',
    'fault_photos', 'faults', 'inspection_answers', 'inspections', 'notices', 'places',
    'prepared_reports', 'scan_codes', 'settings', 'signatures', 'stocktake_lines',
    'stocktake_moves', 'stocktake_scans', 'stocktakes',
)
# Unique in the install before, unique within a school now: (table, column).
UNIQUE_IN_SCHOOL = (
    ('asset_kinds', 'key'), ('asset_kinds', 'name'), ('assets', 'asset_number'),
    ('checklists', 'key'), ('notices', 'key'),
)
VISIBLE = (
    "CREATE OR REPLACE FUNCTION patrol_school_visible(school integer) RETURNS boolean"
    " LANGUAGE sql STABLE AS $$"
    " SELECT current_setting('patrol.school_ids', true) = '*'"
    # "*" is never cast as a list of ids: PostgreSQL may evaluate either side of the OR first.
    " OR school = ANY (string_to_array(nullif(nullif(current_setting('patrol.school_ids', true),"
    " ''), '*'), ',')::integer[]) $$"
)


def upgrade():
    op.create_table('districts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_districts')),
    sa.UniqueConstraint('code', name=op.f('uq_districts_code'))
    )
    op.create_table('schools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_schools_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
    sa.UniqueConstraint('code', name=op.f('uq_schools_code'))
    )
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schools_district_id'), ['district_id'], unique=False)

    op.create_table('district_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('office', 'admin', name='districtrole', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_district_members_district_id_districts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_district_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_members')),
    sa.UniqueConstraint('user_id', 'district_id', name=op.f('uq_district_members_user_id'))
    )
    with op.batch_alter_table('district_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_district_members_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_district_members_user_id'), ['user_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('admin', 'inspector', 'repairer', 'viewer', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_memberships_school_id_schools')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('user_id', 'school_id', name=op.f('uq_memberships_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    config = current_app.config
    op.execute(
        sa.text(
            "INSERT INTO schools (code, name, timezone, language, created_at)"
            " VALUES (:code, :name, :timezone, :language, CURRENT_TIMESTAMP)"
        ).bindparams(
            code=config['SCHOOL_CODE'],
            name=config['SCHOOL_NAME'],
            timezone=config['SCHOOL_TIMEZONE'],
            language=config['SCHOOL_LANGUAGE'],
        )
    )
    first = "(SELECT min(id) FROM schools)"
    op.execute(
        "INSERT INTO memberships (user_id, role, created_at, school_id)"
        f" SELECT id, role, created_at, {first} FROM users"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.drop_column('role')
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sign_ins_school_id_schools'), 'schools', ['school_id'], ['id'])

    for table in SCHOOL_OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET school_id = {first}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_school_id_schools'), 'schools', ['school_id'], ['id'])
            if table != 'settings':  # its primary key starts with the school
                batch_op.create_index(batch_op.f(f'ix_{table}_school_id'), ['school_id'], unique=False)
            for owner, column in UNIQUE_IN_SCHOOL:
                if owner == table:
                    batch_op.drop_constraint(f'uq_{table}_{column}', type_='unique')
                    batch_op.create_unique_constraint(f'uq_{table}_{column}', [column, 'school_id'])
            if table == 'settings':
                batch_op.drop_constraint('pk_settings', type_='primary')
                batch_op.create_primary_key('pk_settings', ['school_id', 'key'])

    if op.get_bind().dialect.name == 'postgresql':
        _secure_rows(config['DATABASE_APP_ROLE'])


def _secure_rows(role):
    """Row-level security on every school-owned table, and the role the application is."""
    op.execute(VISIBLE)
    for table in (*SCHOOL_OWNED, 'memberships'):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY school_only ON {table}"
            " USING (patrol_school_visible(school_id))"
            " WITH CHECK (patrol_school_visible(school_id))"
        )
    # A recipient row is seen with its notice.
    op.execute("ALTER TABLE notice_recipients ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY school_only ON notice_recipients USING"
        " (EXISTS (SELECT 1 FROM notices WHERE notices.id = notice_recipients.notice_id))"
    )
    if not role:
        return
    op.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN"
        " CREATE ROLE %s NOLOGIN; END IF; END $$" % (role, role)
    )
    op.execute(f"GRANT {role} TO CURRENT_USER")
    # The schema the tables were made in: public, unless the database URL's search_path says
    # otherwise. A schema the role may not use is skipped silently when names are looked up.
    bind = op.get_bind()
    schema = bind.dialect.identifier_preparer.quote(
        bind.execute(sa.text("SELECT current_schema()")).scalar()
    )
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
        f" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}"
    )


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM schools")).scalar() > 1:
        raise RuntimeError("This install holds several schools; one school's schema cannot hold them.")
    if bind.dialect.name == 'postgresql':
        for table in (*SCHOOL_OWNED, 'memberships', 'notice_recipients'):
            op.execute(f"DROP POLICY IF EXISTS school_only ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute("DROP FUNCTION IF EXISTS patrol_school_visible(integer)")

    for table in SCHOOL_OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'settings':
                batch_op.drop_constraint('pk_settings', type_='primary')
                batch_op.create_primary_key('pk_settings', ['key'])
            for owner, column in UNIQUE_IN_SCHOOL:
                if owner == table:
                    batch_op.drop_constraint(f'uq_{table}_{column}', type_='unique')
                    batch_op.create_unique_constraint(f'uq_{table}_{column}', [column])
            if table != 'settings':
                batch_op.drop_index(batch_op.f(f'ix_{table}_school_id'))
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_school_id_schools'), type_='foreignkey')
            batch_op.drop_column('school_id')

    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sign_ins_school_id_schools'), type_='foreignkey')
        batch_op.drop_column('school_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum('admin', 'inspector', 'repairer', name='role', native_enum=False, create_constraint=True, length=20), nullable=True))
    op.execute(
        "UPDATE users SET role = coalesce((SELECT m.role FROM memberships m"
        " WHERE m.user_id = users.id AND m.role != 'viewer'), 'inspector')"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=sa.String(length=20), nullable=False)

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_school_id'))
    op.drop_table('memberships')
    with op.batch_alter_table('district_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_district_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_district_members_district_id'))
    op.drop_table('district_members')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schools_district_id'))
    op.drop_table('schools')
    op.drop_table('districts')
