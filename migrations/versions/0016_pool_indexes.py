"""pool indexes: the shared pool's helpers found by index (few helpers of a KI agree to be asked)

Revision ID: 0016_pool_indexes
Revises: 0015_reference_cache
Create Date: 2026-12-03 22:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_pool_indexes'
down_revision = '0015_reference_cache'
branch_labels = None
depends_on = None

# The predicates as the pool's query writes them (SQLAlchemy's ``is_(True)``), so the planner can
# prove the index covers it: "IS true" on PostgreSQL, "IS 1" on SQLite.
POOLS = {
    'ix_helper_profile_pool_in_person': 'pool_in_person_ok',
    'ix_helper_profile_pool_remote': 'pool_remote_ok',
}


def upgrade():
    # Found by `flask --app app bench` at 54 KIs on PostgreSQL: a request page whose KI's own pool
    # has no candidate read every helper profile of every sharing KI to find the few who agreed
    # (3 ms in person, 14 ms by phone or video); with these, an index scan per sharing KI.
    for name, column in POOLS.items():
        op.create_index(
            name, 'helper_profile', ['ki_id'],
            postgresql_where=sa.text(f'{column} IS true'), sqlite_where=sa.text(f'{column} IS 1'),
        )


def downgrade():
    for name in POOLS:
        op.drop_index(name, table_name='helper_profile')
