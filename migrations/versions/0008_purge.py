"""purge: issue 14 (what the retention purges clear; account links made at send time)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

import ki_match.db

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('body_purged_at', ki_match.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('link_ref', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_request_id'), ['request_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_message_request_id_help_request'),
            'help_request',
            ['request_id'],
            ['id'],
            ondelete='SET NULL',
        )
    # A plain ADD COLUMN, not batch mode: nothing else of help_request changes.
    op.add_column(
        'help_request',
        sa.Column('client_data_purged_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade():
    # Not batch mode: rebuilding help_request on SQLite would cascade its offers away.
    op.drop_column('help_request', 'client_data_purged_at')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_request_id_help_request'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_request_id'))
        batch_op.drop_column('link_ref')
        batch_op.drop_column('body_purged_at')
        batch_op.drop_column('request_id')
