"""contact shares: issue 14 (a helper's contact is shared per helper and request, not per seat)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

LIVE = 'ended_at IS NULL'
HOLDING = ('confirmed', 'completed', 'no_show')


def upgrade():
    op.create_table('contact_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=True),
    sa.Column('shared_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= shared_at', name=op.f('ck_contact_share_ends_after_shared')),
    sa.ForeignKeyConstraint(['helper_id'], ['helper_profile.id'], name=op.f('fk_contact_share_helper_id_helper_profile')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_contact_share_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['request_id'], ['help_request.id'], name=op.f('fk_contact_share_request_id_help_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shared_by_id'], ['user_account.id'], name=op.f('fk_contact_share_shared_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_share'))
    )
    op.create_index('ix_contact_share_helper_id', 'contact_share', ['helper_id'], unique=False)
    op.create_index(
        'uq_contact_share_live', 'contact_share', ['request_id', 'helper_id'], unique=True,
        sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE),
    )
    _shares_from_the_flag()
    # Not batch mode: on SQLite it rebuilds help_request, and dropping the old table with foreign
    # keys on deletes every offer, assignment and comment by cascade. SQLite (3.35 on) drops a
    # column in place, as PostgreSQL does.
    op.drop_column('help_request', 'contact_shared')


def _shares_from_the_flag():
    """A request marked "contact shared" becomes one share per helper who held a seat when it was
    shared (the newest "request.contact_shared" audit event): a helper confirmed after that was
    never shown on purpose, so she gets none. Without the event, those holding a seat now."""
    bind = op.get_bind()
    meta = sa.MetaData()
    request = sa.Table('help_request', meta, autoload_with=bind)
    assignment = sa.Table('assignment', meta, autoload_with=bind)
    audit = sa.Table('audit_event', meta, autoload_with=bind)
    share = sa.Table('contact_share', meta, autoload_with=bind)
    now = datetime.now(timezone.utc)
    if bind.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # as ki_match.db.UTCDateTime stores it there
    flagged = bind.execute(
        sa.select(request.c.id, request.c.organisation_id).where(
            request.c.contact_shared.is_(True), request.c.organisation_id.is_not(None)
        )
    ).all()
    for request_id, organisation_id in flagged:
        event = bind.execute(
            sa.select(audit.c.at, audit.c.actor_id)
            .where(
                audit.c.action == 'request.contact_shared',
                audit.c.subject_type == 'help_request',
                audit.c.subject_id == request_id,
            )
            .order_by(audit.c.at.desc(), audit.c.id.desc())
            .limit(1)
        ).first()
        holders = sa.select(assignment.c.helper_id).where(
            assignment.c.request_id == request_id, assignment.c.status.in_(HOLDING)
        )
        if event is not None:
            holders = holders.where(assignment.c.confirmed_at <= event.at)
        for (helper_id,) in bind.execute(holders).all():
            bind.execute(
                share.insert().values(
                    request_id=request_id,
                    helper_id=helper_id,
                    organisation_id=organisation_id,
                    shared_by_id=event.actor_id if event is not None else None,
                    shared_at=event.at if event is not None else now,
                )
            )


def downgrade():
    op.add_column(
        'help_request',
        sa.Column('contact_shared', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    )
    bind = op.get_bind()
    meta = sa.MetaData()
    request = sa.Table('help_request', meta, autoload_with=bind)
    share = sa.Table('contact_share', meta, autoload_with=bind)
    live = sa.select(share.c.request_id).where(share.c.ended_at.is_(None))
    bind.execute(request.update().where(request.c.id.in_(live)).values(contact_shared=True))
    op.drop_index('uq_contact_share_live', table_name='contact_share', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    op.drop_index('ix_contact_share_helper_id', table_name='contact_share')
    op.drop_table('contact_share')
