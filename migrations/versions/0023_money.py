"""money: issue 19 (travel tickets, "Ich habe kein Auto", the yearly limit a helper's allowance is held against)

Revision ID: 0023_money
Revises: 0022_signoff
Create Date: 2026-12-04 13:50:00.000000

A new table ``travel_ticket`` (a ticket paid at cost instead of kilometres; its own table, because
a CHECK on ``assignment`` would rebuild that table on SQLite and lose its overlap trigger). On
``helper_profile``: ``has_no_car`` and ``allowance_limit`` (Ehrenamtspauschale for everyone who
is there already). The limit's CHECK needs batch mode on SQLite; the rebuild would not keep the
shared pool's partial indexes (0016), so they are dropped before and made again after it, as 0018
does.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_money'
down_revision = '0022_signoff'
branch_labels = None
depends_on = None

POOLS = {
    'ix_helper_profile_pool_in_person': 'pool_in_person_ok',
    'ix_helper_profile_pool_remote': 'pool_remote_ok',
}


@contextmanager
def pool_indexes_kept():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        for name in POOLS:
            op.drop_index(name, table_name='helper_profile')
    yield
    if sqlite:
        for name, column in POOLS.items():
            op.create_index(name, 'helper_profile', ['ki_id'], sqlite_where=sa.text(f'{column} IS 1'))


def upgrade():
    op.create_table(
        'travel_ticket',
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('cents', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.CheckConstraint('cents BETWEEN 1 AND 50000', name=op.f('ck_travel_ticket_cents_range')),
        sa.ForeignKeyConstraint(
            ['assignment_id'],
            ['assignment.id'],
            name=op.f('fk_travel_ticket_assignment_id_assignment'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('assignment_id', name=op.f('pk_travel_ticket')),
    )
    with pool_indexes_kept(), op.batch_alter_table('helper_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_no_car', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(
            sa.Column(
                'allowance_limit',
                sa.Enum(
                    'ehrenamt',
                    'uebungsleiter',
                    name='allowance_limit',
                    native_enum=False,
                    create_constraint=True,
                    length=13,
                ),
                server_default=sa.text("'ehrenamt'"),
                nullable=False,
            )
        )


def downgrade():
    with pool_indexes_kept(), op.batch_alter_table('helper_profile', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_helper_profile_allowance_limit'), type_='check')
        batch_op.drop_column('allowance_limit')
        batch_op.drop_column('has_no_car')
    op.drop_table('travel_ticket')
