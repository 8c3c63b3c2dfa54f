"""Private reflections after a session, and anonymous best practices.

What a person writes is encrypted with ``MENTOR_ENCRYPTION_KEY`` before it is stored, and
this module is the only reader: a reflection is shown back only to its author (the
modal's pre-fill, ``/mentor export``). A learning shared "anonymously" is copied into
``best_practice`` with only the month and a keyed hash of its author (never their ID),
by which the playbook counts the people behind a group of learnings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from bot.core.context import Context
from bot.delivery import notices
from bot.reporting import hashes
from storage import models
from storage.models import (
    BestPractice,
    MentoringSession,
    Pair,
    Reflection,
    SessionStatus,
)

LEARNED_MAX = models.LEARNED_MAX  # characters


class ReflectionError(ValueError):
    """The reflection cannot be saved; ``key`` names the message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class ReflectionForm:
    """What a person entered in the reflection modal."""

    happened: bool
    learned: str | None
    rating: int | None
    share: bool


@dataclass(frozen=True)
class SessionRef:
    """A session the person may reflect on, with their earlier answers (decrypted)."""

    session_id: int
    starts_at: datetime
    previous: ReflectionForm | None


def _own_session(session: Session, user_id: str, session_id: int) -> MentoringSession | None:
    """The session, when ``user_id`` is one of its pair; else None."""
    row = session.get(MentoringSession, session_id)
    if row is None:
        return None
    pair = session.get(Pair, row.pair_id)
    if pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
        return None
    return row


def latest_session(ctx: Context, user_id: str, now: datetime) -> int | None:
    """The person's most recent session that has started (the one ``/mentor reflect``
    opens), or None."""
    with ctx.db.transaction(write=False) as session:
        row = session.exec(
            select(MentoringSession)
            .join(Pair, col(Pair.id) == col(MentoringSession.pair_id))
            .where(or_(col(Pair.mentor_id) == user_id, col(Pair.mentee_id) == user_id))
            .where(col(MentoringSession.starts_at) <= now)
            .where(col(MentoringSession.status) == SessionStatus.SCHEDULED.value)
            .order_by(col(MentoringSession.starts_at).desc())
            .limit(1)
        ).first()
        return row.id if row is not None else None


def for_modal(ctx: Context, user_id: str, session_id: int) -> SessionRef | None:
    """The session and the person's own earlier reflection; None when not theirs."""
    with ctx.db.transaction(write=False) as session:
        row = _own_session(session, user_id, session_id)
        if row is None or row.id is None:
            return None
        mine = session.exec(
            select(Reflection)
            .where(Reflection.session_id == row.id)
            .where(Reflection.user_id == user_id)
        ).first()
        previous = None
        if mine is not None:
            previous = ReflectionForm(
                happened=mine.happened,
                learned=ctx.vault.decrypt(mine.learned) if mine.learned else None,
                rating=mine.rating,
                share=mine.shared,
            )
        return SessionRef(session_id=row.id, starts_at=row.starts_at, previous=previous)


def save(ctx: Context, user_id: str, session_id: int, form: ReflectionForm) -> bool:
    """Store (or replace) the person's reflection on a session.

    Returns:
        True when a learning was shared as a best practice by this submission.

    Raises:
        ReflectionError: ``reflection.not_yours`` or ``reflection.too_long``.
    """
    if form.learned is not None and len(form.learned) > LEARNED_MAX:
        raise ReflectionError("reflection.too_long")
    if form.rating is not None and not 1 <= form.rating <= 5:
        raise ReflectionError("reflection.not_yours")
    with ctx.db.transaction() as session:
        row = _own_session(session, user_id, session_id)
        if row is None:
            raise ReflectionError("reflection.not_yours")
        pair = session.get(Pair, row.pair_id)
        mine = session.exec(
            select(Reflection)
            .where(Reflection.session_id == session_id)
            .where(Reflection.user_id == user_id)
        ).first() or Reflection(session_id=session_id, user_id=user_id)
        mine.happened = form.happened
        mine.rating = form.rating
        mine.learned = ctx.vault.encrypt(form.learned) if form.learned else None
        share_now = form.share and bool(form.learned) and not mine.shared
        if share_now and form.learned and pair is not None:
            now = ctx.clock()
            session.add(
                BestPractice(
                    cohort_id=pair.cohort_id,
                    topic=row.agenda_ref if row.agenda_kind == "topic" else None,
                    text=ctx.vault.encrypt(form.learned),
                    month=now.strftime("%Y-%m"),
                    author=hashes.author_hash(
                        hashes.population_key(ctx.settings.encryption_key.get_secret_value()),
                        ctx.vault.user_key(user_id),
                    ),
                )
            )
            mine.shared = True
        session.add(mine)
        notices.owe(
            session,
            key=f"reflected:{session_id}:{user_id}:{uuid.uuid4().hex}",
            user_id=user_id,
            text="reflection.saved_shared" if share_now else "reflection.saved",
            now=ctx.clock(),
        )
        return share_now


def mine(ctx: Context, user_id: str) -> list[dict[str, object]]:
    """The person's own reflections, decrypted, for ``/mentor export``."""
    with ctx.db.transaction(write=False) as session:
        rows = session.exec(
            select(Reflection, MentoringSession)
            .join(MentoringSession, col(MentoringSession.id) == col(Reflection.session_id))
            .where(Reflection.user_id == user_id)
            .order_by(col(MentoringSession.starts_at))
        ).all()
    return [
        {
            "session_starts_at": meeting.starts_at.isoformat(),
            "happened": reflection.happened,
            "rating": reflection.rating,
            "learned": ctx.vault.decrypt(reflection.learned) if reflection.learned else None,
            "shared_anonymously": reflection.shared,
        }
        for reflection, meeting in rows
    ]
