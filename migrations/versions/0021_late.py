"""late: issue 19 (late cancellations and the standby list)

Revision ID: 0021_late
Revises: 0020_series
Create Date: 2026-12-04 13:40:00.000000

A KI's own hours for a late cancellation (NULL: the configured default), an assignment given back
late (a "kurzfristige Absage"), a request's "ask the next ones at once after a late cancellation",
and the days a helper is on standby ("auf Abruf").
"""
import sqlalchemy as sa
from alembic import op

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0021_late'
down_revision = '0020_series'
branch_labels = None
depends_on = None

LATE_CHECK = 'late_cancel_hours BETWEEN 1 AND 336'


def upgrade():
    # Not batch mode for ki: rebuilding it on SQLite would cascade into every table that points at it.
    # SQLite adds a CHECK only with its column, so the constraint goes into the ADD COLUMN there.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            f'ALTER TABLE ki ADD COLUMN late_cancel_hours SMALLINT CONSTRAINT ck_ki_late_cancel_hours_range CHECK ({LATE_CHECK})'
        )
    else:
        op.add_column('ki', sa.Column('late_cancel_hours', sa.SmallInteger(), nullable=True))
        op.create_check_constraint(op.f('ck_ki_late_cancel_hours_range'), 'ki', LATE_CHECK)
    op.add_column(
        'assignment', sa.Column('withdrawn_late', sa.Boolean(), server_default=sa.text('false'), nullable=False)
    )
    op.add_column(
        'help_request', sa.Column('standby_auto', sa.Boolean(), server_default=sa.text('false'), nullable=False)
    )
    op.create_table('standby_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['helper_id'], ['helper_profile.id'], name=op.f('fk_standby_day_helper_id_helper_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standby_day')),
    sa.UniqueConstraint('helper_id', 'day', name=op.f('uq_standby_day_helper_id_day'))
    )
    with op.batch_alter_table('standby_day', schema=None) as batch_op:
        batch_op.create_index('ix_standby_day_day', ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('standby_day', schema=None) as batch_op:
        batch_op.drop_index('ix_standby_day_day')
    op.drop_table('standby_day')
    op.drop_column('help_request', 'standby_auto')
    op.drop_column('assignment', 'withdrawn_late')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_ki_late_cancel_hours_range'), 'ki', type_='check')
    op.drop_column('ki', 'late_cancel_hours')
