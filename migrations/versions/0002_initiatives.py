"""initiatives: issue 5 (initiative requests, organisations)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ki', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_time_days', sa.SmallInteger(), server_default=sa.text('3'), nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_ki_lead_time_range'), 'lead_time_days BETWEEN 0 AND 30')

    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('urgent_reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('contact_shared', sa.Boolean(), server_default=sa.text('false'), nullable=False))

    op.create_table('request_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('from_ki', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_request_comment_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['help_request.id'], name=op.f('fk_request_comment_request_id_help_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_comment'))
    )
    with op.batch_alter_table('request_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_comment_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('request_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_comment_request_id'))

    op.drop_table('request_comment')

    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.drop_column('contact_shared')
        batch_op.drop_column('urgent_reason')
        batch_op.drop_column('urgent')

    with op.batch_alter_table('ki', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ki_lead_time_range'), type_='check')
        batch_op.drop_column('lead_time_days')
