"""reports: issue 7 (allowance rates, report indexes)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'allowance_rate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ki_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('per_hour_cents', sa.Integer(), nullable=False),
        sa.Column('per_km_cents', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('per_hour_cents BETWEEN 0 AND 100000', name=op.f('ck_allowance_rate_per_hour_range')),
        sa.CheckConstraint('per_km_cents BETWEEN 0 AND 10000', name=op.f('ck_allowance_rate_per_km_range')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_allowance_rate_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_allowance_rate_ki_id_ki')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_allowance_rate')),
        sa.UniqueConstraint('ki_id', 'valid_from', name=op.f('uq_allowance_rate_ki_id_valid_from')),
    )
    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.create_index('ix_help_request_ki_created_at', ['ki_id', 'created_at'], unique=False)
        batch_op.create_index('ix_help_request_ki_starts_at', ['ki_id', 'starts_at'], unique=False)


def downgrade():
    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.drop_index('ix_help_request_ki_starts_at')
        batch_op.drop_index('ix_help_request_ki_created_at')
    op.drop_table('allowance_rate')
