"""managed helpers: issue 17 (helpers "vom KI verwaltet", the coordinators' tasks, a note per helper)

Revision ID: 0017_managed_helpers
Revises: 0016_pool_indexes
Create Date: 2026-12-04 01:30:00.000000

A helper without e-mail keeps a ``user_account`` row (no password, no login), so
``user_account.email`` becomes nullable; on SQLite that rebuilds the table in batch mode
(``migrations/env.py`` switches foreign keys off around it, see 0011). What would be mailed to
such a helper becomes a row of ``coordinator_task``.
"""
import sqlalchemy as sa
from alembic import op

import ki_match.db

# revision identifiers, used by Alembic.
revision = '0017_managed_helpers'
down_revision = '0016_pool_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
    # Plain ADD COLUMN (no rebuild) on both databases: helper_profile keeps its partial indexes.
    op.add_column(
        'user_account', sa.Column('managed_by_ki_since', ki_match.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column('helper_profile', sa.Column('note', sa.String(length=1000), nullable=True))
    op.create_table('coordinator_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ki_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_coordinator_task_done_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['helper_id'], ['helper_profile.id'], name=op.f('fk_coordinator_task_helper_id_helper_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_coordinator_task_ki_id_ki')),
    sa.ForeignKeyConstraint(['request_id'], ['help_request.id'], name=op.f('fk_coordinator_task_request_id_help_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordinator_task')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_coordinator_task_idempotency_key'))
    )
    op.create_index('ix_coordinator_task_open', 'coordinator_task', ['ki_id', 'done_at'], unique=False)
    op.create_index('ix_coordinator_task_helper_id', 'coordinator_task', ['helper_id'], unique=False)
    op.create_index('ix_coordinator_task_request_id', 'coordinator_task', ['request_id'], unique=False)


def downgrade():
    op.drop_index('ix_coordinator_task_request_id', table_name='coordinator_task')
    op.drop_index('ix_coordinator_task_helper_id', table_name='coordinator_task')
    op.drop_index('ix_coordinator_task_open', table_name='coordinator_task')
    op.drop_table('coordinator_task')
    op.drop_column('helper_profile', 'note')
    op.drop_column('user_account', 'managed_by_ki_since')
    # A managed helper without address gets an undeliverable one (.invalid, RFC 2606): the schema
    # before needs one, and her history stays. She still has no password, so no login.
    op.execute(
        "UPDATE user_account SET email = 'managed-' || CAST(id AS VARCHAR(20)) || '@managed.invalid' "
        "WHERE email IS NULL"
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
