"""calendar feeds (a random nonce and the hash of each person's feed token), a pair's
meeting link, and a person's name in the profile cache (for calendar events)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """New table ``calendar_feed``; new columns ``pair.meeting_link``, ``slack_user.name``."""
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_calendar_feed_user_id", "calendar_feed", ["user_id"], unique=True)
    op.create_index("ix_calendar_feed_token_hash", "calendar_feed", ["token_hash"], unique=True)
    with op.batch_alter_table("pair") as batch:
        batch.add_column(sa.Column("meeting_link", sa.String(length=300), nullable=True))
    with op.batch_alter_table("slack_user") as batch:
        batch.add_column(sa.Column("name", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_user") as batch:
        batch.drop_column("name")
    with op.batch_alter_table("pair") as batch:
        batch.drop_column("meeting_link")
    op.drop_index("ix_calendar_feed_token_hash", table_name="calendar_feed")
    op.drop_index("ix_calendar_feed_user_id", table_name="calendar_feed")
    op.drop_table("calendar_feed")
