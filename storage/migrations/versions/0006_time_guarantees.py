"""sessions keep their series date and a move counter; notifications carry arguments;
encrypted columns sized from the worst case; holiday-moved anchors back on the slot weekday

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from storage.types import sealed_length

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEARNED = sealed_length(3000)
GOAL = sealed_length(300)


def upgrade() -> None:
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_date", AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.alter_column("sequence", server_default=None)
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("args", sa.JSON(), nullable=True))
    with op.batch_alter_table("reflection", schema=None) as batch_op:
        batch_op.alter_column(
            "learned",
            existing_type=AutoString(length=8000),
            type_=AutoString(length=LEARNED),
            existing_nullable=True,
        )
    with op.batch_alter_table("best_practice", schema=None) as batch_op:
        batch_op.alter_column(
            "text",
            existing_type=AutoString(length=8000),
            type_=AutoString(length=LEARNED),
            existing_nullable=False,
        )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.alter_column(
            "text",
            existing_type=AutoString(length=4000),
            type_=AutoString(length=GOAL),
            existing_nullable=False,
        )
    # An anchor stored after a holiday moved the first session (Easter Monday to
    # Tuesday) is not on the slot's weekday; the series date is the one before the move,
    # earlier in the same week.
    connection = op.get_bind()
    pair = sa.table(
        "pair",
        sa.column("id", sa.Integer),
        sa.column("slot_weekday", sa.Integer),
        sa.column("slot_anchor", sa.String),
    )
    rows = connection.execute(
        sa.select(pair.c.id, pair.c.slot_weekday, pair.c.slot_anchor).where(
            pair.c.slot_anchor.is_not(None), pair.c.slot_weekday.is_not(None)
        )
    ).all()
    for pair_id, weekday, anchor in rows:
        day = date.fromisoformat(anchor)
        if day.weekday() != weekday:
            fixed = day - timedelta(days=(day.weekday() - weekday) % 7)
            connection.execute(
                sa.update(pair).where(pair.c.id == pair_id).values(slot_anchor=fixed.isoformat())
            )


def downgrade() -> None:
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.alter_column(
            "text", existing_type=AutoString(length=GOAL), type_=AutoString(length=4000)
        )
    with op.batch_alter_table("best_practice", schema=None) as batch_op:
        batch_op.alter_column(
            "text", existing_type=AutoString(length=LEARNED), type_=AutoString(length=8000)
        )
    with op.batch_alter_table("reflection", schema=None) as batch_op:
        batch_op.alter_column(
            "learned", existing_type=AutoString(length=LEARNED), type_=AutoString(length=8000)
        )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("args")
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.drop_column("sequence")
        batch_op.drop_column("series_date")
