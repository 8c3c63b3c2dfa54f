"""report releases are stored as what changed since the previous release of the figure

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:00:00.000000

``contributions`` becomes ``added``; a row with a ``base_id`` holds in ``added`` the
entries its base lacks and in ``removed`` those of its base it lacks. Existing rows are
converted: each release of a metric, scope and period, oldest first, is stored as a change
of the one before it when that is smaller. Downgrading writes every row whole again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_release = sa.table(
    "report_release",
    sa.column("id", sa.Integer()),
    sa.column("metric", sa.String()),
    sa.column("scope", sa.String()),
    sa.column("period", sa.String()),
    sa.column("released_at", sa.DateTime()),
    sa.column("base_id", sa.Integer()),
    sa.column("added", sa.JSON()),
    sa.column("removed", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("report_release", schema=None) as batch_op:
        batch_op.alter_column(
            "contributions", new_column_name="added", existing_type=sa.JSON(), nullable=False
        )
        batch_op.add_column(
            sa.Column("removed", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("base_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_report_release_base_id"), ["base_id"], unique=False)
    with op.batch_alter_table("report_release", schema=None) as batch_op:
        batch_op.alter_column("removed", existing_type=sa.JSON(), server_default=None)
    _to_changes(op.get_bind())


def downgrade() -> None:
    _to_whole(op.get_bind())
    with op.batch_alter_table("report_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_release_base_id"))
        batch_op.drop_column("base_id")
        batch_op.drop_column("removed")
        batch_op.alter_column(
            "added", new_column_name="contributions", existing_type=sa.JSON(), nullable=False
        )


def _chains(bind: Any) -> list[list[int]]:
    """The ids of the releases of each metric, scope and period, oldest first."""
    rows = bind.execute(
        sa.select(_release.c.id, _release.c.metric, _release.c.scope, _release.c.period).order_by(
            _release.c.released_at, _release.c.id
        )
    )
    chains: dict[tuple[str, str, str], list[int]] = {}
    for release_id, metric, scope, period in rows:
        chains.setdefault((metric, scope, period), []).append(release_id)
    return list(chains.values())


def _entries(bind: Any, release_id: int) -> list[list[str]]:
    query = sa.select(_release.c.added).where(_release.c.id == release_id)
    return list(bind.execute(query).scalar_one())


def _to_changes(bind: Any) -> None:
    """Store each release after the first of its chain as a change of the one before."""
    for chain in _chains(bind):
        before: dict[str, str] = {}
        for position, release_id in enumerate(chain):
            entries = {c: p for p, c in _entries(bind, release_id)}
            added = sorted([p, c] for c, p in entries.items() if before.get(c) != p)
            removed = sorted([p, c] for c, p in before.items() if entries.get(c) != p)
            if position and len(added) + len(removed) < len(entries):
                bind.execute(
                    sa.update(_release)
                    .where(_release.c.id == release_id)
                    .values(base_id=chain[position - 1], added=added, removed=removed)
                )
            before = entries


def _to_whole(bind: Any) -> None:
    """Write every release that is a change of another with all its entries."""
    rows = bind.execute(
        sa.select(_release.c.id, _release.c.base_id, _release.c.added, _release.c.removed)
    ).all()
    stored = {row.id: row for row in rows}
    whole: dict[int, dict[str, str]] = {}
    for row in rows:
        chain = []
        at = row
        while at.id not in whole:
            chain.append(at)
            if at.base_id is None:
                break
            at = stored[at.base_id]
        for link in reversed(chain):
            entries = dict(whole[link.base_id]) if link.base_id is not None else {}
            for _, contribution in link.removed:
                entries.pop(contribution, None)
            entries.update({c: p for p, c in link.added})
            whole[link.id] = entries
    for row in rows:
        if row.base_id is not None:
            bind.execute(
                sa.update(_release)
                .where(_release.c.id == row.id)
                .values(added=sorted([p, c] for c, p in whole[row.id].items()), removed=[])
            )
