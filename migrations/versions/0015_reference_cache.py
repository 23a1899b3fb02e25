"""reference cache: each KI's reference data version, which processes keep their cached towns, languages and topics by

Revision ID: 0015_reference_cache
Revises: 0014_ki_settings
Create Date: 2026-12-03 10:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_reference_cache'
down_revision = '0014_ki_settings'
branch_labels = None
depends_on = None


def upgrade():
    # Not batch mode: rebuilding ki on SQLite would cascade into every table that points at it.
    op.add_column(
        'ki', sa.Column('reference_version', sa.BigInteger(), server_default=sa.text('0'), nullable=False)
    )


def downgrade():
    op.drop_column('ki', 'reference_version')
