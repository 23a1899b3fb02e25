"""day before phone: who recorded the answer to "Kommen Sie morgen?" for the helper (issue 19)

Revision ID: 0025_day_before_phone
Revises: 0024_day_before
Create Date: 2026-12-04 16:45:00.000000

One nullable column: NULL when the helper answered herself.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025_day_before_phone'
down_revision = '0024_day_before'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('day_before_check', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_day_before_check_answered_by_id_user_account'), 'user_account', ['answered_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('day_before_check', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_day_before_check_answered_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('answered_by_id')
