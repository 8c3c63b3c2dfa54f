"""Announcements: ``/mentor admin announce [COHORT] MESSAGE``.

An announcement is one ``announcement`` row plus, in the same commit, one outbox row per
recipient: the cohort's channel (when it has one) and each active member's DM, keyed by
announcement and recipient. So every recipient gets it exactly once, whatever Slack's
rate limits do, and a crash in the middle resumes where it stopped (see
:mod:`bot.outbox`). One more row posts the author a progress message in their DM, which
is updated as the sends complete ("sent 120 of 480") and ends with the final count and
what failed, by reason: counts only, never who.

Sent twice by mistake: the same text (to any audience) within a minute is held, and
the author is asked before it goes out again (buttons ``announce_confirm`` /
``announce_cancel``). A command Slack delivered twice (same ``trigger_id``) acts once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, text, update
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.announcements.progress import Progress
from bot.announcements.views import build_announce_progress, build_announcement
from bot.core.context import Context
from bot.delivery import outbox
from storage import queries
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Cohort,
    Notification,
    NotificationStatus,
    Participant,
    ParticipantStatus,
)
from storage.types import utcnow

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


# --- sending ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnouncementBatch:
    """What :func:`prepare` loaded for a batch: its announcements by id, and which of its
    recipients no longer take part (left, or forgot everything)."""

    announcements: dict[int, Announcement]
    gone: frozenset[str]


def prepare(ctx: Context, rows: list[Notification], now: datetime) -> AnnouncementBatch:
    """Load the batch's announcements, and which recipients still take part, at once."""
    wanted = {row.announcement_id for row in rows if row.announcement_id is not None}
    users = {row.user_id for row in rows if row.user_id}
    with ctx.db.transaction(write=False) as session:
        loaded = {
            a.id: a
            for a in session.exec(select(Announcement).where(col(Announcement.id).in_(wanted)))
            if a.id is not None
        }
        present = {
            user_id: status
            for user_id, status in session.exec(
                select(Participant.user_id, Participant.status).where(
                    col(Participant.user_id).in_(users)
                )
            )
        }
    gone = {
        u
        for u in users
        if present.get(u, ParticipantStatus.LEFT.value) == ParticipantStatus.LEFT.value
    }
    return AnnouncementBatch(loaded, frozenset(gone))


def send_announcement(
    ctx: Context, row: Notification, now: datetime, batch: AnnouncementBatch
) -> outbox.Outcome:
    """The announcement, in the cohort channel or a member's DM (header in their language)."""
    announcement = batch.announcements.get(row.announcement_id or 0)
    if announcement is None:
        return outbox.Skipped()
    if row.user_id is None:
        channel = _channel(row.args, row.key)
        text, blocks = build_announcement(announcement.author_lang, announcement.text)
        ctx.slack.post(channel, text, blocks)
        return outbox.Sent()
    if row.user_id in batch.gone:  # left (or forgot everything) since it was announced
        return outbox.Skipped()
    person = ctx.people.get(row.user_id, patient=True)
    text, blocks = build_announcement(person.lang, announcement.text)
    ctx.slack.post_dm(row.user_id, text, blocks)
    return outbox.Sent()


def _channel(args: dict[str, object] | None, key: str) -> str:
    """The channel a channel row of an announcement posts to.

    Rows an instance of an earlier release owed (during a rolling upgrade, after
    migration 0009 ran) name it only at the end of their key.
    """
    channel = (args or {}).get("channel")
    return str(channel) if channel else key.rsplit(":", 1)[-1]


def progress(session: Session, announcement: Announcement) -> Progress:
    """Count an announcement's recipients by outcome."""
    counts: Counter[tuple[bool, str]] = Counter()
    failed: Counter[str] = Counter()
    channels_sent, channels_failed = [], {}
    # (five columns: more than sqlmodel's select is typed for)
    for key, args, user_id, status, error in session.execute(
        sql_select(
            col(Notification.key),
            col(Notification.args),
            col(Notification.user_id),
            col(Notification.status),
            col(Notification.error),
        )
        .where(col(Notification.announcement_id) == announcement.id)
        .where(col(Notification.kind) == KIND)
    ):
        if user_id is None:
            channel = _channel(args, key)
            if status == NotificationStatus.SENT.value:
                channels_sent.append(channel)
            elif status == NotificationStatus.FAILED.value:
                channels_failed[channel] = error or "unknown"
            counts[(False, status)] += 1
            continue
        counts[(True, status)] += 1
        if status == NotificationStatus.FAILED.value:
            failed[error or "unknown"] += 1
    cohort = session.get(Cohort, announcement.cohort_id) if announcement.cohort_id else None
    members = sum(n for (dm, _), n in counts.items() if dm)
    return Progress(
        audience=cohort.name if cohort else None,
        members=members,
        sent=counts[(True, NotificationStatus.SENT.value)],
        skipped=counts[(True, NotificationStatus.CANCELLED.value)],
        pending=counts[(True, NotificationStatus.PENDING.value)]
        + counts[(False, NotificationStatus.PENDING.value)],
        failed=failed,
        channels_sent=sorted(channels_sent),
        channels_failed=channels_failed,
    )


def send_status(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """Post the author the progress message that later updates edit."""
    if row.user_id is None or row.announcement_id is None:
        return outbox.Skipped()
    with ctx.db.transaction(write=False) as session:
        announcement = session.get(Announcement, row.announcement_id)
        if announcement is None:
            return outbox.Skipped()
        state = progress(session, announcement)
    text, blocks = build_announce_progress(announcement.author_lang, state)
    channel, ts = ctx.slack.post_message(row.user_id, text, blocks)
    stamp, handled = utcnow(), state.members - state.pending

    def remember(session: Session) -> None:
        session.execute(
            update(Announcement)
            .where(col(Announcement.id) == row.announcement_id)
            .values(
                progress_channel=channel,
                progress_ts=ts,
                progress_at=stamp,
                progress_handled=handled,
            )
        )

    return outbox.Sent(remember)


def _pending(session: Session, announcement_id: int) -> int:
    """How many of an announcement's recipients are still owed it."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.announcement_id == announcement_id)
            .where(Notification.kind == KIND)
            .where(Notification.status == NotificationStatus.PENDING.value)
        ).one()
    )


def update_progress(ctx: Context, announcement_id: int, *, throttle: bool = True) -> None:
    """Update the author's progress message when more recipients were handled since it
    last changed: at most every ``PROGRESS_EVERY`` (real time, as it is about Slack's
    limits) while ``throttle``, and for certain, with the final count, once everyone was
    handled."""
    now = utcnow()
    if not _worth_a_look(ctx, announcement_id, now, throttle):
        return
    claimed = _take_update(ctx, announcement_id, now, throttle)
    if claimed is None:
        return
    channel, ts, lang, state = claimed
    text, blocks = build_announce_progress(lang, state)
    try:
        ctx.slack.update(channel, ts, text, blocks)
    except Exception:  # a progress message that could not be updated loses nothing
        logger.warning("progress of announcement %s not updated", announcement_id)
        return
    # This update may have waited out a rate limit while the last recipient finished
    # and the final count went out: then the final count is shown again, over it.
    with ctx.db.transaction(write=False) as session:
        final = session.exec(
            select(Notification.status)
            .where(Notification.announcement_id == announcement_id)
            .where(Notification.kind == FINAL_KIND)
        ).first()
    if final == NotificationStatus.SENT.value:
        _show_final(ctx, announcement_id)


def _worth_a_look(ctx: Context, announcement_id: int, now: datetime, throttle: bool) -> bool:
    """A cheap look without the write lock: most calls find nothing to do."""
    with ctx.db.transaction(write=False) as session:
        announcement = session.get(Announcement, announcement_id)
        if announcement is None or announcement.status != AnnouncementStatus.SENDING.value:
            return False
        if announcement.progress_ts is None or announcement.progress_channel is None:
            return False  # the progress message is not out yet; it is posted with fresh counts
        recent = announcement.progress_at is not None and now - announcement.progress_at < (
            PROGRESS_EVERY
        )
        return not (throttle and recent and _pending(session, announcement_id) > 0)


def _take_update(
    ctx: Context, announcement_id: int, now: datetime, throttle: bool
) -> tuple[str, str, str, Progress] | None:
    """Claim the next edit of the progress message (channel, ts, language, counts), or
    None: nothing changed, the throttle holds, another worker is at it, or everyone was
    handled (then the final count is owed as an outbox row of its own, so a Slack error
    delays it but does not lose it)."""
    with ctx.db.transaction() as session:
        announcement = session.get(Announcement, announcement_id)
        if announcement is None or announcement.status != AnnouncementStatus.SENDING.value:
            return None
        state = progress(session, announcement)
        guard = update(Announcement).where(col(Announcement.id) == announcement.id)
        if state.done:
            _owe_final(ctx, session, announcement, now)
            return None
        handled, last = state.members - state.pending, announcement.progress_at
        if handled == announcement.progress_handled:
            return None
        if throttle and last is not None and now - last < PROGRESS_EVERY:
            return None
        guard = guard.where(
            col(Announcement.progress_at).is_(None)
            if last is None
            else col(Announcement.progress_at) == last
        ).values(progress_at=now, progress_handled=handled)
        if session.execute(guard.returning(col(Announcement.id))).first() is None:
            return None  # another worker is updating it
        channel, ts = announcement.progress_channel or "", announcement.progress_ts or ""
        lang = announcement.author_lang
    if not channel or not ts:  # the author used /mentor forget meanwhile
        return None
    return channel, ts, lang, state


def _owe_final(ctx: Context, session: Session, announcement: Announcement, now: datetime) -> None:
    """Everyone was handled: the announcement is done, and its final count owed (once)."""
    done = session.execute(
        update(Announcement)
        .where(col(Announcement.id) == announcement.id)
        .where(col(Announcement.status) == AnnouncementStatus.SENDING.value)
        .values(status=AnnouncementStatus.DONE.value, progress_at=now)
        .returning(col(Announcement.id))
    ).first()
    if done is not None:
        outbox.enqueue(
            session,
            key=f"announce:{announcement.id}:final",
            kind=FINAL_KIND,
            due_at=ctx.clock(),
            user_id=announcement.author_id,
            announcement_id=announcement.id,
        )


def _show_final(ctx: Context, announcement_id: int) -> bool:
    """Edit the author's progress message into the final count; False if there is none."""
    with ctx.db.transaction(write=False) as session:
        announcement = session.get(Announcement, announcement_id)
        if announcement is None or not announcement.progress_ts:
            return False
        state = progress(session, announcement)
        channel, ts = announcement.progress_channel or "", announcement.progress_ts
        lang = announcement.author_lang
    text, blocks = build_announce_progress(lang, state)
    ctx.slack.update(channel, ts, text, blocks)
    return True


def send_final(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """The final count: delivered, and what failed by reason (counts only)."""
    if row.announcement_id is None or not _show_final(ctx, row.announcement_id):
        return outbox.Skipped()
    return outbox.Sent()


def _after_recipient(ctx: Context, row: Notification) -> None:
    if row.announcement_id is not None:
        update_progress(ctx, row.announcement_id)


def after_pass(ctx: Context) -> None:
    """At the end of a dispatch pass, show what the throttle held back."""
    with ctx.db.transaction(write=False) as session:
        sending = list(
            session.exec(
                select(Announcement.id)
                .where(Announcement.status == AnnouncementStatus.SENDING.value)
                .where(col(Announcement.progress_ts).is_not(None))
            )
        )
    for announcement_id in sending:
        if announcement_id is not None:
            update_progress(ctx, announcement_id, throttle=False)


ANNOUNCEMENT = outbox.Kind(KIND, prepare, send_announcement, afterwards=_after_recipient)
STATUS = outbox.Kind.per_row(STATUS_KIND, send_status, afterwards=_after_recipient)
FINAL = outbox.Kind.per_row(FINAL_KIND, send_final)
KINDS = (ANNOUNCEMENT, STATUS, FINAL)
