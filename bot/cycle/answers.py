"""The answers to the program cycle's questions: what a modal asks, and saving it.

Each question reaches a person as a DM with a button whose value is the id of the
notification that brought it (``self_assessment``, ``pulse``, ``closing_survey``), so
the modal knows the pair and the moment without trusting anything else in the payload;
the button works for its recipient only, and only while the question still fits (the
pair active for a self-assessment or pulse; ended by its term for the closing survey).
A second submission replaces the first. Nothing here is ever shown to anyone but its
author: reports read only aggregates (see :mod:`bot.reporting`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from bot.core.context import Context
from bot.delivery import notices
from bot.enrollment.service import end_open_pair
from bot.reporting import hashes
from bot.sessions.topics import BY_KEY
from storage import queries
from storage.models import (
    LEARNED_MAX,
    BestPractice,
    Notification,
    Pair,
    PairStatus,
    Role,
    SurveyAnswer,
    SurveyKind,
)

#: The notification kind of each question, and the answer it asks for.
ASKED_BY = {
    "self_assessment": SurveyKind.BASELINE,
    "pulse": SurveyKind.PULSE,
    "closing_survey": SurveyKind.CLOSING,
}
CONFIDENCE = range(1, 6)
PULSE = range(1, 6)
RECOMMEND = range(0, 11)


class CycleError(ValueError):
    """The answer cannot be saved; ``key`` names the message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Answers:
    """What a person answered: confidence per topic (1-5), the pulse's 1-5 or the
    closing survey's would-recommend 0-10, the pulse's new-partner wish, and a learning
    to share anonymously (closing survey)."""

    confidence: dict[str, int] = field(default_factory=dict)
    score: int | None = None
    new_partner: bool = False
    learning: str | None = None


@dataclass(frozen=True)
class Ask:
    """What a modal asks of one person, and what they answered before."""

    row_id: int
    kind: SurveyKind
    moment: str
    pair_id: int
    cohort_id: int
    role: str
    #: The topics to rate (the mentee's self-assessment and closing survey), else none.
    topics: list[str]
    previous: Answers | None


def _pair_topics(session: Session, pair: Pair) -> list[str]:
    """The pair's topics: those both share, else the mentee's (known to the library)."""
    mentor = queries.participant_of(session, pair.mentor_id) if pair.mentor_id else None
    mentee = queries.participant_of(session, pair.mentee_id) if pair.mentee_id else None
    wanted = [topic for topic in (mentee.topics if mentee else []) if topic in BY_KEY]
    offered = set(mentor.topics) if mentor else set()
    return [topic for topic in wanted if topic in offered] or wanted


def _answer(
    session: Session, pair_id: int, user_id: str, kind: str, moment: str
) -> SurveyAnswer | None:
    return session.exec(
        select(SurveyAnswer)
        .where(SurveyAnswer.pair_id == pair_id)
        .where(SurveyAnswer.user_id == user_id)
        .where(SurveyAnswer.kind == kind)
        .where(SurveyAnswer.moment == moment)
    ).first()


def _ask(session: Session, user_id: str, row_id: int, *, lock: bool = False) -> Ask | None:
    """What the question behind notification ``row_id`` asks ``user_id``, or None when
    it is not theirs or no longer fits."""
    row = session.get(Notification, row_id)
    if row is None or row.user_id != user_id or row.kind not in ASKED_BY or row.pair_id is None:
        return None
    query = select(Pair).where(Pair.id == row.pair_id)
    pair = session.exec(query.with_for_update() if lock else query).first()
    if pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
        return None
    kind = ASKED_BY[row.kind]
    if kind == SurveyKind.CLOSING:
        fits = pair.status == PairStatus.ENDED.value and pair.end_reason == "term"
    else:
        fits = pair.status == PairStatus.ACTIVE.value
    if not fits:
        return None
    role = Role.MENTOR.value if user_id == pair.mentor_id else Role.MENTEE.value
    moment = str((row.args or {}).get("moment", ""))
    topics: list[str] = []
    if role == Role.MENTEE.value and kind == SurveyKind.CLOSING:  # the topics asked before
        baseline = _answer(session, row.pair_id, user_id, SurveyKind.BASELINE.value, "")
        topics = list(baseline.confidence) if baseline else []
    if role == Role.MENTEE.value and kind != SurveyKind.PULSE:
        topics = topics or _pair_topics(session, pair)
    before = _answer(session, row.pair_id, user_id, kind.value, moment)
    previous = (
        Answers(dict(before.confidence), before.score, before.new_partner) if before else None
    )
    return Ask(row_id, kind, moment, row.pair_id, pair.cohort_id, role, topics, previous)


def ask(ctx: Context, user_id: str, row_id: int) -> Ask | None:
    """What the modal for notification ``row_id`` asks, or None when the question is not
    the person's or no longer fits."""
    with ctx.db.transaction(write=False) as session:
        return _ask(session, user_id, row_id)


def _check(asked: Ask, answers: Answers) -> None:
    """Refuse answers the modal could not have given."""
    if set(answers.confidence) - set(asked.topics) or any(
        value not in CONFIDENCE for value in answers.confidence.values()
    ):
        raise CycleError("cycle.invalid")
    if asked.kind == SurveyKind.PULSE and answers.score not in PULSE:
        raise CycleError("cycle.invalid")
    if asked.kind == SurveyKind.CLOSING and answers.score not in RECOMMEND:
        raise CycleError("cycle.invalid")
    if asked.kind == SurveyKind.BASELINE and answers.score is not None:
        raise CycleError("cycle.invalid")
    if answers.new_partner and asked.kind != SurveyKind.PULSE:
        raise CycleError("cycle.invalid")
    if answers.learning and asked.kind != SurveyKind.CLOSING:
        raise CycleError("cycle.invalid")
    if answers.learning is not None and len(answers.learning) > LEARNED_MAX:
        raise CycleError("cycle.too_long")


def save(ctx: Context, user_id: str, row_id: int, answers: Answers) -> str:
    """Store (or replace) the person's answer, with what it owes in the same unit of
    work: a learning shared anonymously (once), the confirmation, and for a pulse that
    asks for a new partner the pair's end (the partner learns only that it ended).

    Returns:
        ``saved``, ``shared`` (a learning was shared too) or ``rematched``.

    Raises:
        CycleError: ``cycle.gone`` (not theirs, or no longer fits), ``cycle.invalid``,
            ``cycle.too_long``.
    """
    now = ctx.clock()
    with ctx.db.transaction() as session:
        asked = _ask(session, user_id, row_id, lock=True)
        if asked is None:
            raise CycleError("cycle.gone")
        _check(asked, answers)
        mine = _answer(session, asked.pair_id, user_id, asked.kind.value, asked.moment)
        if mine is None:
            mine = SurveyAnswer(
                pair_id=asked.pair_id,
                cohort_id=asked.cohort_id,
                user_id=user_id,
                role=asked.role,
                kind=asked.kind.value,
                moment=asked.moment,
            )
        mine.confidence = {  # in the order asked: the closing survey asks the same
            topic: answers.confidence[topic]
            for topic in asked.topics
            if topic in answers.confidence
        }
        mine.score = answers.score
        mine.new_partner = mine.new_partner or answers.new_partner
        mine.answered_at = now
        outcome = "saved"
        if answers.learning and not mine.shared:
            session.add(_learning(ctx, asked.cohort_id, user_id, answers.learning, now))
            mine.shared = True
            outcome = "shared"
        session.add(mine)
        if answers.new_partner and _ends(session, user_id, asked.pair_id, now):
            outcome = "rematched"
        notices.owe(
            session,
            key=f"answered:{row_id}:{uuid.uuid4().hex}",
            user_id=user_id,
            text=f"cycle.{outcome}",
            now=now,
        )
    return outcome


def _learning(ctx: Context, cohort_id: int, user_id: str, text: str, now: datetime) -> BestPractice:
    """A learning for the playbook: sealed, with its month and a keyed hash of its author
    (never their ID), under no topic."""
    return BestPractice(
        cohort_id=cohort_id,
        topic=None,
        text=ctx.vault.encrypt(text),
        month=now.strftime("%Y-%m"),
        author=hashes.author_hash(
            hashes.population_key(ctx.settings.encryption_key.get_secret_value()),
            ctx.vault.user_key(user_id),
        ),
    )


def _ends(session: Session, user_id: str, pair_id: int, now: datetime) -> bool:
    """End the person's pair like ``/mentor rematch`` when it is the one asked about."""
    pair = queries.open_pair_of(session, user_id)
    if pair is None or pair.id != pair_id:
        return False
    return end_open_pair(session, user_id, now, reason="rematch") is not None
