"""operator: issue 15 (an installation operator above the KIs, in no KI)

Revision ID: 0011_operator
Revises: 0010
Create Date: 2026-12-03 10:30:00.000000

``user_account.ki_id`` becomes nullable, exactly for the new role ``operator``. On SQLite that
rebuilds ``user_account`` (batch mode), which almost every table points at: ``migrations/env.py``
switches foreign keys off around the migrations on SQLite, so dropping the old table cascades
nowhere, and checks every foreign key before it commits.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_operator'
down_revision = '0010'
branch_labels = None
depends_on = None

ROLES_BEFORE = ('helper', 'coordinator', 'initiative', 'admin')
ROLES_AFTER = (*ROLES_BEFORE, 'operator')


def _roles(values) -> str:
    return 'role IN (' + ', '.join(f"'{value}'" for value in values) + ')'


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('ki_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_role'), _roles(ROLES_AFTER))
        batch_op.create_check_constraint(
            op.f('ck_user_account_ki_unless_operator'), "(role = 'operator') = (ki_id IS NULL)"
        )


# What an operator's row may be pointed at by, and what its foreign key does on delete. Done by
# hand: on SQLite the migrations run with foreign keys off (see env.py), so nothing cascades.
OPERATOR_REFERENCES = {
    ('user_session', 'user_id'): 'delete',
    ('account_token', 'user_id'): 'delete',
    ('notification_preference', 'user_id'): 'delete',
    ('audit_event', 'actor_id'): 'set null',
}
OPERATORS = "SELECT id FROM user_account WHERE role = 'operator'"


def downgrade():
    # Operators have no place in a schema without them: they go, with their logins, tokens and
    # settings; the audit log keeps what they did, by no one.
    for (table, column), action in OPERATOR_REFERENCES.items():
        if action == 'delete':
            op.execute(f"DELETE FROM {table} WHERE {column} IN ({OPERATORS})")
        else:
            op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({OPERATORS})")
    op.execute("DELETE FROM user_account WHERE role = 'operator'")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_ki_unless_operator'), type_='check')
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_role'), _roles(ROLES_BEFORE))
        batch_op.alter_column('ki_id', existing_type=sa.Integer(), nullable=False)
