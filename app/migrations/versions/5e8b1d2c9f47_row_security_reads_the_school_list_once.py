"""row-level security reads the list of visible schools once a statement, not once a row

Each school-owned table's policy (migration 3c5d0e8f2a41 and those after it) called
patrol_school_visible(school_id), which PostgreSQL inlines as
`setting = '*' OR school_id = ANY(<the setting parsed>)`: the setting is parsed again for every
row, and the OR keeps the school_id index out of use, so a table is read whole and filtered
row by row. The policies now compare school_id with an array worked out once per statement
(an InitPlan), which the index answers: the same rows are visible, read as the application's
own `WHERE school_id = …` reads them. "*" (the worker, the district, the command line) is every
school of the install, which every school-owned row names (its foreign key).

Revision ID: 5e8b1d2c9f47
Revises: be4633945136
Create Date: 2026-12-05 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e8b1d2c9f47'
down_revision = 'be4633945136'
branch_labels = None
depends_on = None

VISIBLE_IDS = (
    "CREATE OR REPLACE FUNCTION patrol_visible_school_ids() RETURNS integer[]"
    " LANGUAGE sql STABLE AS $$"
    " SELECT CASE current_setting('patrol.school_ids', true)"
    " WHEN '*' THEN (SELECT array_agg(id) FROM schools)"
    " ELSE string_to_array(nullif(current_setting('patrol.school_ids', true), ''), ',')::integer[]"
    " END $$"
)
# "(SELECT …)": an InitPlan, evaluated once for the statement; the cast keeps it an array
# rather than a subquery ANY would read row by row.
NEW_RULE = "school_id = ANY ((SELECT patrol_visible_school_ids())::integer[])"

VISIBLE = (
    "CREATE OR REPLACE FUNCTION patrol_school_visible(school integer) RETURNS boolean"
    " LANGUAGE sql STABLE AS $$"
    " SELECT current_setting('patrol.school_ids', true) = '*'"
    " OR school = ANY (string_to_array(nullif(nullif(current_setting('patrol.school_ids', true),"
    " ''), '*'), ',')::integer[]) $$"
)
OLD_RULE = "patrol_school_visible(school_id)"


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(VISIBLE_IDS)
    _rewrite_policies(using='patrol_school_visible', rule=NEW_RULE)
    op.execute("DROP FUNCTION patrol_school_visible(integer)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(VISIBLE)
    _rewrite_policies(using='patrol_visible_school_ids', rule=OLD_RULE)
    op.execute("DROP FUNCTION patrol_visible_school_ids()")


def _rewrite_policies(using, rule):
    """Every school_only policy of this schema calling `using`: tables added since 3c5d0e8f2a41
    (the stored figures, the stored photos) are found as the first ones are."""
    policies = op.get_bind().execute(
        sa.text(
            "SELECT tablename FROM pg_policies WHERE schemaname = current_schema()"
            " AND policyname = 'school_only' AND qual LIKE :using ORDER BY tablename"
        ),
        {"using": f"%{using}%"},
    ).scalars().all()
    for table in policies:
        op.execute(f"ALTER POLICY school_only ON {table} USING ({rule}) WITH CHECK ({rule})")
