"""admin reports: released figures and their contributions (overlap control)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric", AutoString(length=32), nullable=False),
        sa.Column("scope", AutoString(length=16), nullable=False),
        sa.Column("period", AutoString(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("released_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_release", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_release_metric", ["metric", "scope", "period"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_release", schema=None) as batch_op:
        batch_op.drop_index("ix_report_release_metric")

    op.drop_table("report_release")
