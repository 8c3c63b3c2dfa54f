"""why a pair ended: left, forgot, rematch (no-fault re-pairing), and later lapsed or term

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """New column ``pair.end_reason`` (None for pairs that ended before it was kept)."""
    with op.batch_alter_table("pair") as batch:
        batch.add_column(sa.Column("end_reason", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pair") as batch:
        batch.drop_column("end_reason")
