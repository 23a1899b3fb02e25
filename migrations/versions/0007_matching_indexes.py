"""matching indexes: issue 8 (a candidate's history read from indexes alone)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Found by `flask --app app bench` at 15,000 helpers on PostgreSQL: counting how each candidate
    # answered offers and how many assignments they had read a year of offer and assignment rows
    # per match. With status and request in the index, both are index-only scans. The wider indexes
    # replace the narrow ones (same leading column), so writes pay for no extra index. Plain index
    # statements, not batch mode: a rebuilt assignment table would lose SQLite's overlap trigger.
    op.create_index('ix_offer_helper_status', 'offer', ['helper_id', 'status', 'request_id'])
    op.drop_index('ix_offer_helper_id', table_name='offer')
    op.create_index(
        'ix_assignment_helper_history', 'assignment', ['helper_id', 'starts_at', 'status', 'request_id']
    )
    op.drop_index('ix_assignment_helper_starts', table_name='assignment')


def downgrade():
    op.create_index('ix_assignment_helper_starts', 'assignment', ['helper_id', 'starts_at'])
    op.drop_index('ix_assignment_helper_history', table_name='assignment')
    op.create_index('ix_offer_helper_id', 'offer', ['helper_id'])
    op.drop_index('ix_offer_helper_status', table_name='offer')
