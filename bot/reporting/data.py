"""The data the figures of admin reports are computed from, with people as tokens.

Only what the figures count is read: never a name, a Slack ID (people are the keyed
hashes of their IDs, ``Vault.user_key``) or anything a person wrote (reflection and goal
texts are not even read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from storage.models import (
    Goal,
    MentoringSession,
    Pair,
    Participant,
    ParticipantStatus,
    Reflection,
    SurveyAnswer,
)


@dataclass(frozen=True)
class _Member:
    token: str
    cohort_id: int
    role: str
    left: bool
    joined_at: datetime
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Pair:
    cohort_id: int
    tokens: tuple[str, str]
    status: str
    created_at: datetime
    activated_at: datetime | None
    ended_at: datetime | None
    # Per side: whether that person used /mentor forget (the pair lost their plain ID).
    forgotten: tuple[bool, bool] = (False, False)
    end_reason: str | None = None


@dataclass(frozen=True)
class _Session:
    id: int
    pair_id: int
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True)
class _Reflection:
    session_id: int
    token: str
    happened: bool
    rating: int | None


@dataclass(frozen=True)
class _Goal:
    id: int
    token: str
    cohort_id: int
    progress: int | None
    done: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class _Answer:
    """A self-assessment, pulse or closing survey answer: its numbers, never a text."""

    token: str
    pair_id: int
    cohort_id: int
    kind: str
    moment: str
    confidence: tuple[tuple[str, int], ...]
    score: int | None
    answered_at: datetime


@dataclass
class Data:
    """Everything the figures need, with people as tokens (keyed hashes of their IDs)."""

    now: datetime
    members: list[_Member] = field(default_factory=list)
    pairs: dict[int, _Pair] = field(default_factory=dict)
    sessions: list[_Session] = field(default_factory=list)
    reflections: dict[int, list[_Reflection]] = field(default_factory=dict)
    goals: list[_Goal] = field(default_factory=list)
    answers: list[_Answer] = field(default_factory=list)
    # The participants' rows (id, joined) as read: a row gone by the time the figures are
    # released means a /mentor forget came between (see bot.reporting.report._forgotten_since).
    enrolled: set[tuple[int, datetime]] = field(default_factory=set)


def load(session: Session, token: Callable[[str], str], now: datetime) -> Data:
    """Read what the figures are computed from (never a reflection's or a goal's text).

    Args:
        session: The unit of work that reads them (see :func:`bot.reporting.report._released`).
        token: The keyed hash of a Slack ID (``Vault.user_key``).
        now: The time of the report.
    """
    data = Data(now=now)
    _load_members(session, token, data)
    _load_pairs(session, data)
    _load_sessions(session, data)
    _load_reflections(session, token, data)
    _load_goals(session, token, data)
    _load_answers(session, token, data)
    return data


def _load_members(session: Session, token: Callable[[str], str], data: Data) -> None:
    rows = session.execute(
        sa_select(
            col(Participant.id),
            col(Participant.user_id),
            col(Participant.cohort_id),
            col(Participant.role),
            col(Participant.status),
            col(Participant.joined_at),
            col(Participant.topics),
        )
    )
    for participant_id, user_id, cohort_id, role, status, joined_at, topics in rows:
        left = status == ParticipantStatus.LEFT.value
        member = _Member(token(user_id), cohort_id, role, left, joined_at, tuple(topics or ()))
        data.members.append(member)
        data.enrolled.add((participant_id, joined_at))


def _load_pairs(session: Session, data: Data) -> None:
    rows = session.execute(
        sa_select(
            col(Pair.id),
            col(Pair.cohort_id),
            col(Pair.mentor_key),
            col(Pair.mentee_key),
            col(Pair.status),
            col(Pair.created_at),
            col(Pair.activated_at),
            col(Pair.ended_at),
            col(Pair.mentor_id).is_(None),
            col(Pair.mentee_id).is_(None),
            col(Pair.end_reason),
        )
    )
    for pair_id, cohort_id, mentor, mentee, status, created, activated, ended, *rest in rows:
        data.pairs[pair_id] = _Pair(
            cohort_id,
            (mentor, mentee),
            status,
            created,
            activated,
            ended,
            (bool(rest[0]), bool(rest[1])),
            rest[2],
        )


def _load_sessions(session: Session, data: Data) -> None:
    rows = session.execute(
        sa_select(
            col(MentoringSession.id),
            col(MentoringSession.pair_id),
            col(MentoringSession.starts_at),
            col(MentoringSession.minutes),
            col(MentoringSession.status),
        )
    )
    for session_id, pair_id, starts_at, minutes, status in rows:
        ends_at = starts_at + timedelta(minutes=minutes)
        data.sessions.append(_Session(session_id, pair_id, starts_at, ends_at, status))


def _load_reflections(session: Session, token: Callable[[str], str], data: Data) -> None:
    rows = session.execute(
        sa_select(
            col(Reflection.session_id),
            col(Reflection.user_id),
            col(Reflection.happened),
            col(Reflection.rating),
        )
    )
    for session_id, user_id, happened, rating in rows:
        data.reflections.setdefault(session_id, []).append(
            _Reflection(session_id, token(user_id), happened, rating)
        )


def _load_goals(session: Session, token: Callable[[str], str], data: Data) -> None:
    rows = session.execute(
        sa_select(
            col(Goal.id),
            col(Goal.user_id),
            col(Participant.cohort_id),
            col(Goal.progress),
            col(Goal.done),
            col(Goal.created_at),
            col(Goal.updated_at),
        ).join(Participant, col(Participant.user_id) == col(Goal.user_id))
    )
    for goal_id, user_id, cohort_id, progress, done, created, updated in rows:
        data.goals.append(
            _Goal(goal_id, token(user_id), cohort_id, progress, done, created, updated)
        )


def _load_answers(session: Session, token: Callable[[str], str], data: Data) -> None:
    rows = session.execute(
        sa_select(
            col(SurveyAnswer.user_id),
            col(SurveyAnswer.pair_id),
            col(SurveyAnswer.cohort_id),
            col(SurveyAnswer.kind),
            col(SurveyAnswer.moment),
            col(SurveyAnswer.confidence),
            col(SurveyAnswer.score),
            col(SurveyAnswer.answered_at),
        )
    )
    for user_id, pair_id, cohort_id, kind, moment, confidence, score, answered_at in rows:
        rated = tuple((str(k), int(v)) for k, v in (confidence or {}).items())
        data.answers.append(
            _Answer(token(user_id), pair_id, cohort_id, kind, moment, rated, score, answered_at)
        )
