"""ki limits: issue 19 (a KI's own yearly Ehrenamts- and Übungsleiterpauschale over the installation's)

Revision ID: 0026_ki_limits
Revises: 0025_day_before_phone
Create Date: 2026-12-04 17:00:00.000000

A new table only; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026_ki_limits'
down_revision = '0025_day_before_phone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ki_allowance_limit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ki_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('ehrenamt_cents', sa.Integer(), nullable=True),
    sa.Column('uebungsleiter_cents', sa.Integer(), nullable=True),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_ki_allowance_limit_year_range')),
    sa.CheckConstraint('ehrenamt_cents BETWEEN 0 AND 10000000', name=op.f('ck_ki_allowance_limit_ehrenamt_range')),
    sa.CheckConstraint('uebungsleiter_cents BETWEEN 0 AND 10000000', name=op.f('ck_ki_allowance_limit_uebungsleiter_range')),
    sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_ki_allowance_limit_ki_id_ki')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ki_allowance_limit')),
    sa.UniqueConstraint('ki_id', 'year', name=op.f('uq_ki_allowance_limit_ki_id_year'))
    )


def downgrade():
    op.drop_table('ki_allowance_limit')
