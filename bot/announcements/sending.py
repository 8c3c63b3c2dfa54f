"""Sending an announcement: its rows' outbox kinds, and the author's progress message.

Each recipient's row posts the announcement (in the cohort's channel, or a member's DM
with the header in their language). One more row posts the author a progress message,
edited after each recipient ("sent 120 of 480") at most every ``PROGRESS_EVERY`` and once
more at the end of each dispatch pass, and finally replaced by the count delivered and
what failed, by reason: counts only, never who.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from bot.announcements.announce import FINAL_KIND, KIND, PROGRESS_EVERY, STATUS_KIND
from bot.announcements.progress import Progress
from bot.announcements.views import build_announce_progress, build_announcement
from bot.core.context import Context
from bot.delivery import outbox
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
    migration 0010 ran) name it only at the end of their key.
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
