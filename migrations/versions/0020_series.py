"""series: issue 19 (recurring appointments: the rule, the dates it skipped, each appointment's series)

Revision ID: 0020_series
Revises: 0019_training
Create Date: 2026-12-04 13:37:30.359689

Two new tables; help_request gains two nullable columns (series_id, series_day).
"""

import sqlalchemy as sa
from alembic import op

import ki_match.db


# revision identifiers, used by Alembic.
revision = "0020_series"
down_revision = "0019_training"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "request_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ki_id", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "weekly",
                "biweekly",
                "dates",
                name="series_frequency",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("repeat_count", sa.SmallInteger(), nullable=True),
        sa.Column("skip_holidays", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", ki_match.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "frequency = 'dates' OR until IS NOT NULL OR repeat_count IS NOT NULL",
            name=op.f("ck_request_series_has_end"),
        ),
        sa.CheckConstraint(
            "repeat_count IS NULL OR repeat_count BETWEEN 1 AND 60",
            name=op.f("ck_request_series_count_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_request_series_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["ki_id"], ["ki.id"], name=op.f("fk_request_series_ki_id_ki")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_series")),
    )
    with op.batch_alter_table("request_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_series_ki_id"), ["ki_id"], unique=False)

    op.create_table(
        "series_skip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "ferien",
                "feiertag",
                "skipped",
                name="series_skip_reason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["request_series.id"],
            name=op.f("fk_series_skip_series_id_request_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_skip")),
        sa.UniqueConstraint("series_id", "day", name=op.f("uq_series_skip_series_id_day")),
    )
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("series_day", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_help_request_series_id"), ["series_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_help_request_series_id_series_day"), ["series_id", "series_day"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_help_request_series_id_request_series"), "request_series", ["series_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_help_request_series_id_request_series"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_help_request_series_id_series_day"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_help_request_series_id"))
        batch_op.drop_column("series_day")
        batch_op.drop_column("series_id")

    op.drop_table("series_skip")
    with op.batch_alter_table("request_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_series_ki_id"))

    op.drop_table("request_series")
