"""notification delivery: issue 6 (outbox worker, delivery states)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


STATUS = sa.Enum(
    "pending", "sending", "sent", "failed", "in_doubt",
    name="outbox_status", native_enum=False, create_constraint=True,
)  # fmt: skip


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
        # The default only fills the rows already there; the models set the status themselves.
        batch_op.add_column(sa.Column("status", STATUS, nullable=False, server_default="pending"))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("sending_started_at", ki_match.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index(batch_op.f("ix_outbox_message_pending"))
        batch_op.create_index("ix_outbox_message_due", ["status", "not_before"], unique=False)
    # Rows from before: sent is sent; what used up the old eight attempts has failed.
    op.execute("UPDATE outbox_message SET status = 'sent' WHERE sent_at IS NOT NULL")
    op.execute("UPDATE outbox_message SET status = 'failed' WHERE sent_at IS NULL AND attempts >= 8")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None, existing_type=STATUS, existing_nullable=False)


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_due")
        batch_op.create_index(batch_op.f("ix_outbox_message_pending"), ["sent_at", "not_before"], unique=False)
        batch_op.drop_column("sending_started_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_constraint(batch_op.f("ck_outbox_message_outbox_status"), type_="check")
        batch_op.drop_column("status")
        batch_op.drop_column("locale")
