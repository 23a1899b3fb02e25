"""performance: issue 8 (indexes the benchmark asks for)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


AWAITING_APPROVAL = "reported_at IS NOT NULL AND approved_at IS NULL"
PENDING = "status = 'pending'"


def upgrade():
    # Found by `flask --app app bench` at 15,000 helpers on PostgreSQL: the dashboard's pending-offer
    # count, its stale-offer check and its hours-to-approve count read every offer and assignment
    # of the state. Both indexes are partial: SQLite plans without statistics and took a plain
    # (status, created_at) index for a helper's answered offers in matching, reading the state's.
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(
            'ix_offer_pending_created',
            ['created_at'],
            unique=False,
            sqlite_where=sa.text(PENDING),
            postgresql_where=sa.text(PENDING),
        )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(
            'ix_assignment_awaiting_approval',
            ['request_id'],
            unique=False,
            sqlite_where=sa.text(AWAITING_APPROVAL),
            postgresql_where=sa.text(AWAITING_APPROVAL),
        )


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_assignment_awaiting_approval',
            sqlite_where=sa.text(AWAITING_APPROVAL),
            postgresql_where=sa.text(AWAITING_APPROVAL),
        )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_offer_pending_created', sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING)
        )
