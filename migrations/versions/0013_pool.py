"""shared pool: a KI shares its helpers with other KIs, a helper consents to be asked by them

Revision ID: 0013_pool
Revises: 0012_reference
Create Date: 2026-12-03 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_pool'
down_revision = '0012_reference'
branch_labels = None
depends_on = None


# Plain add/drop, not batch mode: ki and helper_profile are pointed at by other tables, and
# rebuilding them on SQLite with foreign keys on would delete rows by cascade.
def upgrade():
    op.add_column('ki', sa.Column('shares_pool', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column(
        'helper_profile',
        sa.Column('pool_remote_ok', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    )
    op.add_column(
        'helper_profile',
        sa.Column('pool_in_person_ok', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    )


def downgrade():
    op.drop_column('helper_profile', 'pool_in_person_ok')
    op.drop_column('helper_profile', 'pool_remote_ok')
    op.drop_column('ki', 'shares_pool')
