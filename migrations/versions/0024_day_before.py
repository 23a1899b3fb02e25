"""day before: issue 19 ("Kommen Sie morgen?": the question per assignment and start, the KI's hours)

Revision ID: 0024_day_before
Revises: 0023_money
Create Date: 2026-12-04 13:38:18.378640

A new table, and two settings columns of ki (NULL: the installation's default).
"""
import sqlalchemy as sa
from alembic import op

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0024_day_before'
down_revision = '0023_money'
branch_labels = None
depends_on = None

# The ranges are the settings page's (orgs.settings.RANGES).
NUMBERS = [
    ('day_before_hour', 'day_before_hour_range', 'day_before_hour BETWEEN 6 AND 20'),
    ('day_before_deadline_hour', 'day_before_deadline_range', 'day_before_deadline_hour BETWEEN 7 AND 23'),
]
UNANSWERED_FLAGGED = 'flagged_at IS NOT NULL AND confirmed_at IS NULL AND declined_at IS NULL'


def upgrade():
    op.create_table('day_before_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ki_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('asked_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declined_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('flagged_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('confirmed_at IS NULL OR declined_at IS NULL', name=op.f('ck_day_before_check_one_answer')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_day_before_check_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_day_before_check_ki_id_ki')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_before_check')),
    sa.UniqueConstraint('assignment_id', 'starts_at', name=op.f('uq_day_before_check_assignment_id_starts_at'))
    )
    with op.batch_alter_table('day_before_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_day_before_check_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index('ix_day_before_check_flagged', ['ki_id', 'starts_at'], unique=False, sqlite_where=sa.text(UNANSWERED_FLAGGED), postgresql_where=sa.text(UNANSWERED_FLAGGED))

    # As in 0014: not batch mode (rebuilding ki on SQLite would cascade into every table that
    # points at it); SQLite adds a CHECK only with its column.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for name, constraint, check in NUMBERS:
        if sqlite:
            op.execute(f'ALTER TABLE ki ADD COLUMN {name} SMALLINT CONSTRAINT ck_ki_{constraint} CHECK ({check})')
        else:
            op.add_column('ki', sa.Column(name, sa.SmallInteger(), nullable=True))
            op.create_check_constraint(op.f(f'ck_ki_{constraint}'), 'ki', check)


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for name, constraint, _check in reversed(NUMBERS):
        if not sqlite:
            op.drop_constraint(op.f(f'ck_ki_{constraint}'), 'ki', type_='check')
        op.drop_column('ki', name)
    with op.batch_alter_table('day_before_check', schema=None) as batch_op:
        batch_op.drop_index('ix_day_before_check_flagged', sqlite_where=sa.text(UNANSWERED_FLAGGED), postgresql_where=sa.text(UNANSWERED_FLAGGED))
        batch_op.drop_index(batch_op.f('ix_day_before_check_assignment_id'))
    op.drop_table('day_before_check')
