"""ki active: issue 15 (a KI can be deactivated: no logins, data kept)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Not batch mode: rebuilding ki on SQLite would cascade into every table that points at it.
    op.add_column('ki', sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False))


def downgrade():
    op.drop_column('ki', 'active')
