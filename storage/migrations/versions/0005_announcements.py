"""announcements: one row per announcement, and the notifications that deliver it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("text", AutoString(length=4000), nullable=False),
        sa.Column("digest", AutoString(length=64), nullable=False),
        sa.Column("trigger_id", AutoString(length=128), nullable=True),
        sa.Column("author_id", AutoString(length=32), nullable=True),
        sa.Column("author_lang", AutoString(length=8), nullable=False),
        sa.Column("status", AutoString(length=10), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("progress_channel", AutoString(length=32), nullable=True),
        sa.Column("progress_ts", AutoString(length=32), nullable=True),
        sa.Column("progress_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress_handled", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trigger_id"),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_cohort_id"), ["cohort_id"])
        batch_op.create_index(batch_op.f("ix_announcement_digest"), ["digest"])
        batch_op.create_index(batch_op.f("ix_announcement_author_id"), ["author_id"])
        batch_op.create_index(batch_op.f("ix_announcement_created_at"), ["created_at"])
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announcement_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_announcement_id"), ["announcement_id"])
        batch_op.create_foreign_key(
            "fk_notification_announcement_id", "announcement", ["announcement_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notification_announcement_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_announcement_id"))
        batch_op.drop_column("announcement_id")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_created_at"))
        batch_op.drop_index(batch_op.f("ix_announcement_author_id"))
        batch_op.drop_index(batch_op.f("ix_announcement_digest"))
        batch_op.drop_index(batch_op.f("ix_announcement_cohort_id"))
    op.drop_table("announcement")
