"""noshow: issue 19 (the requester's "nicht gekommen" alerts the coordinators until one marks it handled)

Revision ID: 0027_noshow
Revises: 0026_ki_limits
Create Date: 2026-12-04 16:45:00.000000

Two columns of assignment_signoff (NULL: not handled, or no alert).
"""
import sqlalchemy as sa
from alembic import op

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0027_noshow'
down_revision = '0026_ki_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment_signoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_at', ki_match.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assignment_signoff_handled_by_id_user_account'), 'user_account', ['handled_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('assignment_signoff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_signoff_handled_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('handled_by_id')
        batch_op.drop_column('handled_at')
