"""the program cycle's private answers: self-assessments, pulses and closing surveys

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """New table ``survey_answer``."""
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("moment", sa.String(length=8), nullable=False),
        sa.Column("confidence", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("new_partner", sa.Boolean(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"]),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pair_id", "user_id", "kind", "moment", name="uq_survey_answer"),
    )
    op.create_index("ix_survey_answer_pair_id", "survey_answer", ["pair_id"])
    op.create_index("ix_survey_answer_cohort_id", "survey_answer", ["cohort_id"])
    op.create_index("ix_survey_answer_user_id", "survey_answer", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_answer_user_id", table_name="survey_answer")
    op.drop_index("ix_survey_answer_cohort_id", table_name="survey_answer")
    op.drop_index("ix_survey_answer_pair_id", table_name="survey_answer")
    op.drop_table("survey_answer")
