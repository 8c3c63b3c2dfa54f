"""Announcements: ``/mentor admin announce [COHORT] MESSAGE``.

An announcement is one ``announcement`` row plus, in the same commit, one outbox row per
recipient: the cohort's channel (when it has one) and each active member's DM, keyed by
announcement and recipient. So every recipient gets it exactly once, whatever Slack's
rate limits do, and a crash in the middle resumes where it stopped (see
:mod:`bot.delivery.outbox`). One more row posts the author a progress message in their
DM (:mod:`bot.announcements.sending`).

Sent twice by mistake: the same text (to any audience) within a minute is held, and
the author is asked before it goes out again (buttons ``announce_confirm`` /
``announce_cancel``). A command Slack delivered twice (same ``trigger_id``) acts once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.context import Context
from bot.delivery import outbox
from storage import queries
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Cohort,
    Participant,
    ParticipantStatus,
)

logger = logging.getLogger(__name__)

# Slack shows at most 3,000 characters in one section of a message.
MAX_TEXT = 3000
# The same announcement again within this long is held until its author confirms.
DUPLICATE_WINDOW = timedelta(minutes=1)
# How often the progress message is updated at most (chat.update is limited to ~50/min).
PROGRESS_EVERY = timedelta(seconds=2)

KIND = "announcement"
STATUS_KIND = "announce_status"
FINAL_KIND = "announce_final"

MESSAGE = re.compile(r"^\s*admin\s+announce(?:\s+(?P<rest>.*))?$", re.IGNORECASE | re.DOTALL)
FIRST_WORD = re.compile(r"^(?P<word>\S+)(?:\s+(?P<rest>.*))?$", re.DOTALL)


class AnnounceError(Exception):
    """A request that cannot be sent; ``key`` names the message that says why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Request:
    """What to announce to whom: ``cohort`` None means every open cohort."""

    cohort: Cohort | None
    text: str


@dataclass(frozen=True)
class Started:
    """The announcement is on its way."""

    announcement_id: int
    members: int
    channels: list[str]


@dataclass(frozen=True)
class Held:
    """The same announcement went out moments ago; held until the author confirms."""

    announcement_id: int
    seconds_ago: int


@dataclass(frozen=True)
class Repeated:
    """Slack delivered the same command again; it was handled the first time."""

    announcement_id: int


Outcome = Started | Held | Repeated


def parse(ctx: Context, command_text: str) -> Request:
    """The audience and message of ``admin announce [COHORT] MESSAGE``.

    The first word names a cohort when a cohort of that name exists; otherwise it is the
    start of the message, which goes to every open cohort. Line breaks are kept.

    Raises:
        AnnounceError: no message, or one too long for Slack.
    """
    matched = MESSAGE.match(command_text or "")
    rest = (matched.group("rest") or "").strip() if matched else ""
    cohort = None
    first = FIRST_WORD.match(rest)
    if first is not None:
        with ctx.db.transaction(write=False) as session:
            cohort = queries.cohort_by_name(session, first.group("word"))
        if cohort is not None:
            rest = (first.group("rest") or "").strip()
    if not rest:
        raise AnnounceError("announce.usage")
    if len(rest) > MAX_TEXT:
        raise AnnounceError("announce.too_long", length=len(rest), limit=MAX_TEXT)
    return Request(cohort, rest)


def _digest(request: Request) -> str:
    """The text's fingerprint, whatever its audience: the same words to every cohort and
    then to one of them would reach that cohort twice."""
    words = " ".join(request.text.split())
    return hashlib.sha256(words.encode()).hexdigest()


def _audience(
    session: Session, cohort_id: int | None, now: datetime
) -> tuple[list[str], list[str]]:
    """The active members' user IDs and the channels of the cohort (or every open one)."""
    if cohort_id is not None:
        cohorts = [c for c in [session.get(Cohort, cohort_id)] if c is not None]
    else:
        cohorts = list(queries.open_cohorts(session))
    ids = [c.id for c in cohorts]
    members = [
        p.user_id
        for p in session.exec(
            select(Participant)
            .where(col(Participant.cohort_id).in_(ids))
            .where(col(Participant.status) != ParticipantStatus.LEFT.value)
            .order_by(col(Participant.id))
        )
        if queries.effective_status(p, now) == ParticipantStatus.ACTIVE.value
    ]
    channels = sorted({c.channel_id for c in cohorts if c.channel_id})
    return members, channels


def _owe(session: Session, row: Announcement, now: datetime) -> Started:
    """Insert the outbox rows that deliver ``row``: progress first, then the recipients."""
    members, channels = _audience(session, row.cohort_id, now)
    assert row.id is not None
    base = {"pair_id": None, "session_id": None, "announcement_id": row.id}
    status: dict[str, object] = {
        **base,
        "key": f"announce:{row.id}:status",
        "kind": STATUS_KIND,
        "due_at": now - timedelta(seconds=1),  # claimed before the recipients
        "user_id": row.author_id,
    }
    outbox.enqueue_many(session, [status])
    outbox.enqueue_many(
        session,
        [
            {
                **base,
                "key": f"announce:{row.id}:channel:{c}",
                "kind": KIND,
                "due_at": now,
                "user_id": None,
                "args": {"channel": c},
            }
            for c in channels
        ],
    )
    outbox.enqueue_many(
        session,
        [
            {**base, "key": f"announce:{row.id}:dm:{u}", "kind": KIND, "due_at": now, "user_id": u}
            for u in members
        ],
    )
    return Started(row.id, len(members), channels)


def _recent_twin(session: Session, digest: str, now: datetime) -> Announcement | None:
    """The latest announcement of the same text to the same audience within the
    duplicate window that went out (or is going out)."""
    return session.exec(
        select(Announcement)
        .where(Announcement.digest == digest)
        .where(col(Announcement.created_at) >= now - DUPLICATE_WINDOW)
        .where(
            col(Announcement.status).in_(
                [AnnouncementStatus.SENDING.value, AnnouncementStatus.DONE.value]
            )
        )
        .order_by(col(Announcement.created_at).desc())
    ).first()


def _serialize(session: Session, digest: str) -> None:
    """On PostgreSQL, one announcement with this digest is decided at a time (SQLite
    already runs one writer at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(digest[:15], 16)})


def start(
    ctx: Context, *, author: str, lang: str, request: Request, trigger_id: str | None
) -> Outcome:
    """Record the announcement and owe its messages, unless it is a repeat.

    Raises:
        AnnounceError: nobody to announce to.
    """
    now = ctx.clock()
    digest = _digest(request)
    try:
        with ctx.db.transaction() as session:
            if trigger_id:
                again = session.exec(
                    select(Announcement.id).where(Announcement.trigger_id == trigger_id)
                ).first()
                if again is not None:
                    return Repeated(again)
            _serialize(session, digest)
            earlier = _recent_twin(session, digest, now)
            members, channels = _audience(
                session, request.cohort.id if request.cohort else None, now
            )
            if not members and not channels:
                raise AnnounceError("announce.nobody")
            row = Announcement(
                cohort_id=request.cohort.id if request.cohort else None,
                text=request.text,
                digest=digest,
                trigger_id=trigger_id or None,
                author_id=author,
                author_lang=lang,
                status=(AnnouncementStatus.HELD if earlier else AnnouncementStatus.SENDING).value,
                created_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            if earlier is not None:
                return Held(row.id, max(1, int((now - earlier.created_at).total_seconds())))
            started = _owe(session, row, now)
    except IntegrityError:  # the same command, delivered twice at the same moment
        with ctx.db.transaction(write=False) as session:
            again = session.exec(
                select(Announcement.id).where(Announcement.trigger_id == trigger_id)
            ).first()
        if again is None:
            raise
        return Repeated(again)
    outbox.kick(ctx)
    return started


def confirm(ctx: Context, announcement_id: int, user_id: str) -> Started | None:
    """Send a held announcement after all; None when it was decided already."""
    now = ctx.clock()
    with ctx.db.transaction() as session:
        changed = session.execute(
            update(Announcement)
            .where(col(Announcement.id) == announcement_id)
            .where(col(Announcement.author_id) == user_id)
            .where(col(Announcement.status) == AnnouncementStatus.HELD.value)
            .values(status=AnnouncementStatus.SENDING.value)
            .returning(col(Announcement.id))
        ).first()
        row = session.get(Announcement, announcement_id) if changed else None
        if row is None:
            return None
        started = _owe(session, row, now)
    outbox.kick(ctx)
    return started


def cancel(ctx: Context, announcement_id: int, user_id: str) -> bool:
    """Drop a held announcement; False when it was decided already."""
    with ctx.db.transaction() as session:
        return (
            session.execute(
                update(Announcement)
                .where(col(Announcement.id) == announcement_id)
                .where(col(Announcement.author_id) == user_id)
                .where(col(Announcement.status) == AnnouncementStatus.HELD.value)
                .values(status=AnnouncementStatus.CANCELLED.value)
                .returning(col(Announcement.id))
            ).first()
            is not None
        )
