"""a cohort's term (its last day) and its lapse rules (nudge and close after so many days
without a session held); cohorts made before get six months from their creation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 18:25:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_cohort = sa.table(
    "cohort",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("term_end", sa.String),
)


def _six_months_after(day: date) -> date:
    month = day.month + 6
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def upgrade() -> None:
    """New columns ``term_end``, ``nudge_days`` and ``close_days`` on ``cohort``."""
    with op.batch_alter_table("cohort") as batch:
        batch.add_column(sa.Column("term_end", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("nudge_days", sa.Integer(), nullable=False, server_default="45"))
        batch.add_column(sa.Column("close_days", sa.Integer(), nullable=False, server_default="90"))
    connection = op.get_bind()
    for row_id, created in connection.execute(sa.select(_cohort.c.id, _cohort.c.created_at)).all():
        day = created.date() if created is not None else date.today()
        connection.execute(
            sa.update(_cohort)
            .where(_cohort.c.id == row_id)
            .values(term_end=_six_months_after(day).isoformat())
        )


def downgrade() -> None:
    with op.batch_alter_table("cohort") as batch:
        batch.drop_column("close_days")
        batch.drop_column("nudge_days")
        batch.drop_column("term_end")
