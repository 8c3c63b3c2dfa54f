"""an announcement's channel post names its channel in its args, not only in its key

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_notification = sa.table(
    "notification",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("kind", sa.String),
    sa.column("user_id", sa.String),
    sa.column("args", sa.JSON),
)


def upgrade() -> None:
    """Rows owed before: their key ends in ``:channel:<id>``."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_notification.c.id, _notification.c.key)
        .where(_notification.c.kind == "announcement")
        .where(_notification.c.user_id.is_(None))
        .where(_notification.c.args.is_(None))
    ).all()
    for row_id, key in rows:
        connection.execute(
            sa.update(_notification)
            .where(_notification.c.id == row_id)
            .values(args={"channel": key.rsplit(":", 1)[-1]})
        )


def downgrade() -> None:
    """The key still names the channel; nothing to undo."""
