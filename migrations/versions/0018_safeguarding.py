"""safeguarding: issue 18 (gates that matching enforces, and who recorded each check)

Revision ID: 0018_safeguarding
Revises: 0017_managed_helpers
Create Date: 2026-12-04 02:40:00.000000

Per KI, which checks a helper needs before any offer (both on by default, also for existing KIs);
a request flag for work with children or vulnerable people (a valid police certificate); and on
the helper's profile who recorded each check.

``ki`` and ``help_request`` get plain ADD COLUMNs (no rebuild of tables everything points at).
``helper_profile``'s new foreign keys need batch mode on SQLite (an inline REFERENCES is not
reflected with its ON DELETE); the rebuild would not keep the shared pool's partial indexes
(0016), so they are dropped before and made again after it.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_safeguarding'
down_revision = '0017_managed_helpers'
branch_labels = None
depends_on = None

GATES = ('gate_confidentiality', 'gate_qualification')
SEEN_BY = ('confidentiality_seen_by_id', 'qualification_seen_by_id', 'police_certificate_seen_by_id')
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
    for name in GATES:
        op.add_column('ki', sa.Column(name, sa.Boolean(), server_default=sa.text('true'), nullable=False))
    op.add_column(
        'help_request',
        sa.Column('protects_vulnerable', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    )
    with pool_indexes_kept(), op.batch_alter_table('helper_profile', schema=None) as batch_op:
        for name in SEEN_BY:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_helper_profile_{name}_user_account'),
                'user_account',
                [name],
                ['id'],
                ondelete='SET NULL',
            )


def downgrade():
    with pool_indexes_kept(), op.batch_alter_table('helper_profile', schema=None) as batch_op:
        for name in reversed(SEEN_BY):
            batch_op.drop_constraint(batch_op.f(f'fk_helper_profile_{name}_user_account'), type_='foreignkey')
            batch_op.drop_column(name)
    op.drop_column('help_request', 'protects_vulnerable')
    for name in reversed(GATES):
        op.drop_column('ki', name)
