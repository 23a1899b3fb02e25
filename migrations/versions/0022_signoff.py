"""signoff: issue 19 (the requester's sign-off of an assignment, and both sides' feedback)

Revision ID: 0022_signoff
Revises: 0021_late
Create Date: 2026-12-04 13:40:00.000000

New tables only; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0022_signoff'
down_revision = '0021_late'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_signoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('took_place', 'helper_absent', 'helper_late', 'client_absent', name='signoff_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('late_minutes', sa.SmallInteger(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("late_minutes IS NULL OR (outcome = 'helper_late' AND late_minutes BETWEEN 1 AND 600)", name=op.f('ck_assignment_signoff_late_minutes_when_late')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_assignment_signoff_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'], name=op.f('fk_assignment_signoff_signed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_signoff')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_assignment_signoff_assignment_id'))
    )
    op.create_table('assignment_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('helper', 'requester', name='feedback_side', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('mood', sa.Enum('good', 'mixed', 'hard', name='feedback_mood', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('body', sa.String(length=500), nullable=True),
    sa.Column('callback', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('written_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_assignment_feedback_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_assignment_feedback_author_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_feedback')),
    sa.UniqueConstraint('assignment_id', 'side', name=op.f('uq_assignment_feedback_assignment_id_side'))
    )
    with op.batch_alter_table('assignment_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_feedback_author_id'), ['author_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assignment_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_feedback_author_id'))

    op.drop_table('assignment_feedback')
    op.drop_table('assignment_signoff')
