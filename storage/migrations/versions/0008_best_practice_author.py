"""best practices keep a keyed hash of their author, so the playbook can count people

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("best_practice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_best_practice_author"), ["author"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("best_practice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_best_practice_author"))
        batch_op.drop_column("author")
