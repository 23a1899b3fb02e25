"""reminders escalation: issue 6 (reminders, escalation, preferences)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('changed_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'category', name=op.f('pk_notification_preference'))
    )
    op.create_table('reminder_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ki_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('created_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_reminder_log_ki_id_ki')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_log')),
    sa.UniqueConstraint('key', name=op.f('uq_reminder_log_key'))
    )
    op.create_table('escalation_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('waited_since', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('offers_sent', sa.Integer(), nullable=False),
    sa.CheckConstraint('offers_sent >= 0', name=op.f('ck_escalation_step_offers_sent_positive')),
    sa.ForeignKeyConstraint(['request_id'], ['help_request.id'], name=op.f('fk_escalation_step_request_id_help_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_step')),
    sa.UniqueConstraint('request_id', 'waited_since', name=op.f('uq_escalation_step_request_id_waited_since'))
    )
    with op.batch_alter_table('escalation_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_step_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalate_after_hours', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('escalate_limit', sa.SmallInteger(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_help_request_escalate_after_range'),
            'escalate_after_hours IS NULL OR escalate_after_hours BETWEEN 1 AND 720',
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_help_request_escalate_limit_range'),
            'escalate_limit IS NULL OR escalate_limit BETWEEN 1 AND 20',
        )


def downgrade():
    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_help_request_escalate_limit_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_help_request_escalate_after_range'), type_='check')
        batch_op.drop_column('escalate_limit')
        batch_op.drop_column('escalate_after_hours')

    with op.batch_alter_table('escalation_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_step_request_id'))

    op.drop_table('escalation_step')
    op.drop_table('reminder_log')
    op.drop_table('notification_preference')
