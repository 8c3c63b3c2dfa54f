"""Query functions. Each takes a session; none opens or commits one (the caller does)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import (
    Announcement,
    CalendarFeed,
    Cohort,
    Goal,
    MentoringSession,
    Notification,
    Pair,
    PairStatus,
    Participant,
    ParticipantStatus,
    ProcessedEvent,
    Reflection,
    SessionStatus,
    SlackUser,
    SurveyAnswer,
)

OPEN_PAIR_STATES = (PairStatus.PROPOSED.value, PairStatus.ACTIVE.value)


# --- profile cache --------------------------------------------------------------------


def cached_user(session: Session, user_id: str) -> SlackUser | None:
    """The cached ``users.info`` facts of a person, if any."""
    return session.get(SlackUser, user_id)


def cached_users(session: Session, user_ids: set[str]) -> Sequence[SlackUser]:
    """The cached ``users.info`` facts of those of ``user_ids`` that have any."""
    return session.exec(select(SlackUser).where(col(SlackUser.user_id).in_(user_ids))).all()


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL alike)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def save_user(session: Session, row: SlackUser) -> None:
    """Insert or replace a person's cached facts (safe when two requests race)."""
    table = SlackUser.__table__  # type: ignore[attr-defined]
    values = {
        "user_id": row.user_id,
        "locale": row.locale,
        "tz": row.tz,
        "is_workspace_admin": row.is_workspace_admin,
        "fetched_at": row.fetched_at,
        "name": row.name,
    }
    stmt = insert_for(session)(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.user_id],
        set_={k: v for k, v in values.items() if k != "user_id"},
    )
    session.execute(stmt)


# --- cohorts --------------------------------------------------------------------------


def cohort_key(name: str) -> str:
    """The case-insensitive key a cohort name is unique by."""
    return name.casefold()


def cohort_by_name(session: Session, name: str) -> Cohort | None:
    """The cohort called ``name`` (case-insensitive)."""
    return session.exec(select(Cohort).where(Cohort.name_key == cohort_key(name))).first()


def open_cohorts(session: Session) -> Sequence[Cohort]:
    """Cohorts people can join, oldest first."""
    return session.exec(
        select(Cohort).where(col(Cohort.is_open).is_(True)).order_by(col(Cohort.id))
    ).all()


def six_months_after(day: date) -> date:
    """The same day six months later (the month's last day when it has fewer days)."""
    month = day.month + 6
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_cohort(session: Session, cohort: Cohort) -> Cohort | None:
    """Add a cohort (its term six months from its creation unless it has one); None when
    one with the same name key exists (also under a race)."""
    table = Cohort.__table__  # type: ignore[attr-defined]
    term_end = cohort.term_end or six_months_after(cohort.created_at.date()).isoformat()
    stmt = (
        insert_for(session)(table)
        .values(
            name=cohort.name,
            name_key=cohort.name_key,
            channel_id=cohort.channel_id,
            cadence=cohort.cadence,
            is_open=cohort.is_open,
            created_at=cohort.created_at,
            term_end=term_end,
            nudge_days=cohort.nudge_days,
            close_days=cohort.close_days,
        )
        .on_conflict_do_nothing(index_elements=[table.c.name_key])
        .returning(table.c.id)
    )
    new_id = session.execute(stmt).scalar()
    return session.get(Cohort, new_id) if new_id is not None else None


def cohort_named(session: Session, name: str, now: datetime | None = None) -> Cohort:
    """The cohort called ``name``, created (with defaults, made ``now``) when it does not
    exist yet."""
    key = cohort_key(name)
    made = (
        Cohort(name=name, name_key=key)
        if now is None
        else Cohort(name=name, name_key=key, created_at=now)
    )
    created = add_cohort(session, made)
    if created is not None:
        return created
    found = cohort_by_name(session, name)
    assert found is not None  # the conflict means it exists
    return found


# --- participants ---------------------------------------------------------------------


def participant_of(session: Session, user_id: str) -> Participant | None:
    """A person's enrollment, if they ever joined (and did not ``forget``)."""
    return session.exec(select(Participant).where(Participant.user_id == user_id)).first()


def effective_status(participant: Participant, now: datetime) -> str:
    """``active``, ``paused`` or ``left``; a pause whose end has passed counts as active."""
    if participant.status == ParticipantStatus.PAUSED.value and (
        participant.paused_until is not None and participant.paused_until <= now
    ):
        return ParticipantStatus.ACTIVE.value
    return participant.status


# --- pairs ----------------------------------------------------------------------------


def open_pair_of(session: Session, user_id: str) -> Pair | None:
    """The person's proposed or active pair, if any."""
    return session.exec(
        select(Pair)
        .where(or_(col(Pair.mentor_id) == user_id, col(Pair.mentee_id) == user_id))
        .where(col(Pair.status).in_(OPEN_PAIR_STATES))
        .order_by(col(Pair.id).desc())
    ).first()


def pairs_of(session: Session, user_id: str) -> Sequence[Pair]:
    """Every pair the person was in, oldest first."""
    return session.exec(
        select(Pair)
        .where(or_(col(Pair.mentor_id) == user_id, col(Pair.mentee_id) == user_id))
        .order_by(col(Pair.id))
    ).all()


def end_pair(
    session: Session,
    pair_id: int,
    now: datetime,
    *,
    status: str = PairStatus.ENDED.value,
    from_states: tuple[str, ...] = OPEN_PAIR_STATES,
    reason: str | None = None,
) -> bool:
    """End a proposed or active pair (as ``ended`` or ``declined``); False when it was no
    longer open.

    The check and the change are one statement, so of two concurrent callers (a double
    click, two instances) exactly one gets True.
    """
    result = session.execute(
        update(Pair)
        .where(col(Pair.id) == pair_id)
        .where(col(Pair.status).in_(from_states))
        .values(status=status, ended_at=now, end_reason=reason)
        .returning(col(Pair.id))
    )
    if result.first() is None:
        return False
    # Its sessions still to come will not take place (reports must not count them held).
    session.execute(
        update(MentoringSession)
        .where(col(MentoringSession.pair_id) == pair_id)
        .where(col(MentoringSession.status) == SessionStatus.SCHEDULED.value)
        .where(col(MentoringSession.starts_at) > now)
        .values(status=SessionStatus.CANCELLED.value)
    )
    return True


def next_session(session: Session, pair_id: int, now: datetime) -> datetime | None:
    """When the pair's next scheduled session starts, if any."""
    return session.exec(
        select(MentoringSession.starts_at)
        .where(MentoringSession.pair_id == pair_id)
        .where(MentoringSession.status == SessionStatus.SCHEDULED.value)
        .where(col(MentoringSession.starts_at) > now)
        .order_by(col(MentoringSession.starts_at))
        .limit(1)
    ).first()


def partner_id(pair: Pair, user_id: str) -> str | None:
    """The other person of ``pair``."""
    return pair.mentee_id if pair.mentor_id == user_id else pair.mentor_id


# --- events ---------------------------------------------------------------------------


def claim_event(session: Session, event_id: str, now: datetime) -> bool:
    """Record ``event_id`` as handled; False when it was handled before.

    Uses the database's own conflict handling, so two instances receiving the same
    redelivered event cannot both claim it.
    """
    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    stmt = (
        insert_for(session)(table)
        .values(event_id=event_id, received_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return session.execute(stmt).first() is not None


def purge_events(session: Session, before: datetime) -> None:
    """Forget event IDs older than ``before`` (Slack stops retrying after minutes)."""
    session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < before))


# --- forgetting -----------------------------------------------------------------------


def forget_user(session: Session, user_id: str) -> bool:
    """Delete every personal record of ``user_id``; True when anything was deleted.

    Pairs keep their keyed hashes (so an old pair is never proposed again) but lose the
    plain IDs and the group DM.
    """
    found = False
    for table in (
        Participant,
        SlackUser,
        Notification,
        Reflection,
        Goal,
        CalendarFeed,
        SurveyAnswer,
    ):
        result = session.execute(delete(table).where(col(table.user_id) == user_id))
        found = found or bool(result.rowcount)  # type: ignore[attr-defined]
    # An announcement's author, and the progress message in their DM.
    result = session.execute(
        update(Announcement)
        .where(col(Announcement.author_id) == user_id)
        .values(author_id=None, progress_channel=None, progress_ts=None)
    )
    found = found or bool(result.rowcount)  # type: ignore[attr-defined]
    # A mention of the person in an announcement's text (<@U123> or <@U123|name>).
    mention = re.compile(rf"<@{re.escape(user_id)}(\|[^>]*)?>")
    for announcement in session.exec(
        select(Announcement).where(col(Announcement.text).contains(f"<@{user_id}"))
    ):
        announcement.text = mention.sub("@…", announcement.text)
        session.add(announcement)
        found = True
    for column in (Pair.mentor_id, Pair.mentee_id):
        # The accept flags would tell, next to a declined status, who said no.
        result = session.execute(
            update(Pair)
            .where(col(column) == user_id)
            .values({column: None, "mentor_accepted": False, "mentee_accepted": False})
        )
        found = found or bool(result.rowcount)  # type: ignore[attr-defined]
    return found
