"""A mentee's learning goals: set with ``/mentor goals``, checked in every third session.

The text is encrypted at rest and shown only to the mentee (their own modal, their own
reminder, ``/mentor export``); the partner's reminder says only that a goal is on the
agenda. Progress (1–5) and "done" feed the aggregate report.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import col, select

from bot.core.context import Context
from bot.delivery import notices
from storage import models, queries
from storage.models import Goal, Role

MAX_GOALS = 3
GOAL_MAX = models.GOAL_MAX  # characters


class GoalError(ValueError):
    """Goals cannot be set; ``key`` names the message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class OpenGoal:
    """One open goal, decrypted for its owner."""

    id: int
    text: str
    progress: int | None


def check_mentee(ctx: Context, user_id: str) -> None:
    """Raise unless the person is an enrolled mentee.

    Raises:
        GoalError: ``not_enrolled`` or ``goals.mentees_only``.
    """
    with ctx.db.transaction(write=False) as session:
        participant = queries.participant_of(session, user_id)
    if participant is None or participant.status == "left":
        raise GoalError("not_enrolled")
    if participant.role != Role.MENTEE.value:
        raise GoalError("goals.mentees_only")


def open_goals(ctx: Context, user_id: str) -> list[OpenGoal]:
    """The person's goals that are not done yet, oldest first, decrypted."""
    with ctx.db.transaction(write=False) as session:
        rows = session.exec(
            select(Goal)
            .where(Goal.user_id == user_id)
            .where(col(Goal.done).is_(False))
            .order_by(col(Goal.id))
        ).all()
    return [
        OpenGoal(id=g.id or 0, text=ctx.vault.decrypt(g.text), progress=g.progress) for g in rows
    ]


def save(ctx: Context, user_id: str, ids: list[int], texts: list[str | None]) -> int:
    """Replace the person's open goals with ``texts`` (slot by slot: ``ids[i]`` is the goal
    shown in slot i; an emptied slot removes that goal).

    Returns:
        How many open goals the person has now.
    """
    check_mentee(ctx, user_id)
    now = ctx.clock()
    kept = 0
    with ctx.db.transaction() as session:
        mine = {
            g.id: g
            for g in session.exec(
                select(Goal).where(Goal.user_id == user_id).where(col(Goal.done).is_(False))
            )
        }
        for index, text in enumerate(texts[:MAX_GOALS]):
            goal = mine.get(ids[index]) if index < len(ids) else None
            if not text:
                if goal is not None:
                    session.execute(delete(Goal).where(col(Goal.id) == goal.id))
                continue
            if len(text) > GOAL_MAX:
                raise GoalError("goals.too_long")
            kept += 1
            if goal is None:
                session.add(
                    Goal(
                        user_id=user_id,
                        text=ctx.vault.encrypt(text),
                        created_at=now,
                        updated_at=now,
                    )
                )
            elif ctx.vault.decrypt(goal.text) != text:
                goal.text = ctx.vault.encrypt(text)
                goal.progress = None
                goal.updated_at = now
                session.add(goal)
        notices.owe(
            session,
            key=f"goals:{user_id}:{uuid.uuid4().hex}",
            user_id=user_id,
            text="goals.saved",
            count=kept,
            now=now,
        )
    return kept


def check_in(ctx: Context, user_id: str, progress: dict[int, int], done: set[int]) -> int:
    """Record progress (1–5) per goal and which goals are done; returns how many changed."""
    now = ctx.clock()
    changed = 0
    with ctx.db.transaction() as session:
        # Only a goal whose answer changed is touched: the report counts a goal reached or
        # rated in the month it happened, not in the month of a later check-in.
        for goal in session.exec(
            select(Goal).where(Goal.user_id == user_id).where(col(Goal.done).is_(False))
        ):
            touched = False
            level = progress.get(goal.id or 0)
            if level is not None and 1 <= level <= 5 and goal.progress != level:
                goal.progress = level
                touched = True
            if goal.id in done:
                goal.done = True
                goal.progress = 5
                touched = True
            if touched:
                changed += 1
                goal.updated_at = now
                session.add(goal)
        notices.owe(
            session,
            key=f"checkin:{user_id}:{uuid.uuid4().hex}",
            user_id=user_id,
            text="checkin.saved",
            now=now,
        )
    return changed


def mine(ctx: Context, user_id: str) -> list[dict[str, object]]:
    """All the person's goals, decrypted, for ``/mentor export``."""
    with ctx.db.transaction(write=False) as session:
        rows = session.exec(
            select(Goal).where(Goal.user_id == user_id).order_by(col(Goal.id))
        ).all()
    return [
        {
            "goal": ctx.vault.decrypt(g.text),
            "progress": g.progress,
            "done": g.done,
            "set_at": g.created_at.isoformat(),
        }
        for g in rows
    ]
