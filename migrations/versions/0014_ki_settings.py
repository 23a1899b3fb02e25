"""ki settings: per-KI contact, privacy notice, retention, reminders, certificate validity, helper invitations

Revision ID: 0014_ki_settings
Revises: 0013_pool
Create Date: 2026-12-03 10:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_ki_settings'
down_revision = '0013_pool'
branch_labels = None
depends_on = None

TEXTS = [
    ('contact_phone', sa.String(length=40)),
    ('contact_email', sa.String(length=254)),
    ('postal_address', sa.String(length=300)),
    ('office_hours', sa.String(length=300)),
    ('privacy_notice', sa.Text()),
]
# NULL means the installation's configured default; the ranges are the settings page's.
NUMBERS = [
    ('retention_days', 'retention_days_range', 'retention_days BETWEEN 7 AND 3650'),
    ('reminder_hours_before', 'reminder_hours_range', 'reminder_hours_before BETWEEN 1 AND 168'),
    ('police_certificate_valid_years', 'certificate_years_range', 'police_certificate_valid_years BETWEEN 1 AND 10'),
]


def upgrade():
    # Not batch mode: rebuilding ki on SQLite would cascade into every table that points at it.
    # SQLite adds a CHECK only with its column, so the constraint goes into the ADD COLUMN there.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for name, type_ in TEXTS:
        op.add_column('ki', sa.Column(name, type_, nullable=True))
    for name, constraint, check in NUMBERS:
        if sqlite:
            op.execute(f'ALTER TABLE ki ADD COLUMN {name} SMALLINT CONSTRAINT ck_ki_{constraint} CHECK ({check})')
        else:
            op.add_column('ki', sa.Column(name, sa.SmallInteger(), nullable=True))
            op.create_check_constraint(op.f(f'ck_ki_{constraint}'), 'ki', check)
    op.add_column(
        'ki',
        sa.Column('coordinators_invite_helpers', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    )


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_column('ki', 'coordinators_invite_helpers')
    for name, constraint, _check in reversed(NUMBERS):
        if not sqlite:
            op.drop_constraint(op.f(f'ck_ki_{constraint}'), 'ki', type_='check')
        op.drop_column('ki', name)
    for name, _type in reversed(TEXTS):
        op.drop_column('ki', name)
