"""A person's sessions as calendar events, and their personal feed.

What a person's calendar shows is decided here, from the stored sessions alone (no call
to Slack, nothing anyone wrote):

- every session of their pairs from :data:`PAST` ago on, at its instant in the pair's
  zone, 45 minutes, named after the partner and the program;
- a skipped session, and any session after its pair ended, as cancelled (``STATUS:
  CANCELLED``, so calendars remove it); a session cancelled by a pause is left out;
- a moved session with its move count as ``SEQUENCE``;
- the agenda topic once chosen; for a goal, only that it is one (never its text, in
  anyone's feed: a feed link may travel further than Slack does);
- the pair's meeting link as the location.

The feed ``GET /calendar/<token>.ics`` (:func:`answer`) finds the person by the hash of the
token, answers ``ETag`` / ``If-None-Match`` with 304, and is rate-limited per token
(:class:`Limiter`). A wrong, old or ended token is 404, like any unknown page.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.calendar.ics import Event, build_calendar
from bot.core.context import Context
from bot.core.i18n import lang_of, t
from bot.sessions.topics import BY_KEY
from storage import queries
from storage.models import (
    CalendarFeed,
    Cohort,
    MentoringSession,
    Pair,
    PairStatus,
    SessionStatus,
    SlackUser,
)
from storage.types import utcnow

#: How far back a feed reaches.
PAST = timedelta(weeks=4)
#: The path of the feeds; a token follows, then ``.ics``.
FEED_PREFIX = "/calendar/"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: Part of every ETag: a version whose texts or format differ answers 200, not 304.
ETAG_FORMAT = 2


# --- the feed's token ----------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_of(ctx: Context, session: Session, user_id: str, *, renew: bool = False) -> str:
    """The person's feed token: made the first time, a new one (the old one ends) when
    ``renew``."""
    if not renew:
        # Made once, whoever asks first (two senders at once both get the same row).
        nonce = secrets.token_hex(16)  # 128 bits of randomness
        table = CalendarFeed.__table__  # type: ignore[attr-defined]
        session.execute(
            queries.insert_for(session)(table)
            .values(
                user_id=user_id,
                nonce=nonce,
                token_hash=_hash(ctx.vault.feed_token(nonce)),
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[table.c.user_id])
        )
        feed = session.exec(select(CalendarFeed).where(CalendarFeed.user_id == user_id)).one()
        token = ctx.vault.feed_token(feed.nonce)
        if feed.token_hash != _hash(token):  # MENTOR_ENCRYPTION_KEY changed: a new link
            feed.token_hash = _hash(token)
            session.add(feed)
        return token
    token_of(ctx, session, user_id)  # there is a row to renew
    nonce = secrets.token_hex(16)
    token = ctx.vault.feed_token(nonce)
    session.execute(
        update(CalendarFeed)
        .where(col(CalendarFeed.user_id) == user_id)
        .values(nonce=nonce, token_hash=_hash(token), created_at=utcnow())
    )
    return token


def feed_url(ctx: Context, token: str) -> str | None:
    """The feed's address, when the bot has a public one (``MENTOR_PUBLIC_URL``)."""
    base = ctx.settings.public_url
    return f"{base}{FEED_PREFIX}{token}.ics" if base else None


def owner(ctx: Context, session: Session, token: str) -> tuple[str, str | None] | None:
    """Whose feed ``token`` opens, and their Slack locale; None for a wrong, old or ended
    token. One query: the row found by the token's hash, then the token itself checked
    against the stored nonce in constant time as well."""
    if not _TOKEN.match(token):
        return None
    found = session.execute(
        sa_select(col(CalendarFeed.user_id), col(CalendarFeed.nonce), col(SlackUser.locale))
        .outerjoin(SlackUser, col(SlackUser.user_id) == col(CalendarFeed.user_id))
        .where(col(CalendarFeed.token_hash) == _hash(token))
    ).first()
    if found is None or not hmac.compare_digest(ctx.vault.feed_token(found.nonce), token):
        return None
    return found.user_id, found.locale


def end(session: Session, user_id: str) -> bool:
    """End the person's feed (``/mentor leave``, ``/mentor forget``): its link is 404.

    Returns:
        Whether they had one (then they are told to remove the subscription: a calendar
        app keeps what it last read from a link that stopped).
    """
    result = session.execute(delete(CalendarFeed).where(col(CalendarFeed.user_id) == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def has_feed(session: Session, user_id: str) -> bool:
    """Whether the person has a calendar link."""
    found = session.execute(
        sa_select(col(CalendarFeed.id)).where(col(CalendarFeed.user_id) == user_id)
    ).first()
    return found is not None


# --- the events ----------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """What one person's calendar shows: its name and events, and their language."""

    name: str
    lang: str
    events: tuple[Event, ...]

    def ics(self) -> bytes:
        return build_calendar(list(self.events), name=self.name)


@dataclass(frozen=True)
class Sources:
    """The rows a person's calendar is made of (plain columns, read in three queries)."""

    user_id: str
    lang: str
    pairs: dict[int, Any]
    meetings: list[Any]

    def etag(self) -> str:
        """Changes exactly when the calendar would (decided without building it)."""
        rows = (
            ETAG_FORMAT,
            self.user_id,
            self.lang,
            sorted(tuple(pair) for pair in self.pairs.values()),
            [tuple(meeting) for meeting in self.meetings],
        )
        return '"' + hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()[:32] + '"'

    def calendar(
        self, *, paused_as_cancelled: bool = False, stamp: datetime | None = None
    ) -> Calendar:
        """The calendar itself. For a file: ``paused_as_cancelled``, a session a pause
        took out is there, cancelled, rather than left out (an imported file forgets
        nothing); ``stamp``, when this revision was made (``DTSTAMP``: a newer one
        replaces what an earlier file put in a calendar)."""
        events = []
        for meeting in self.meetings:
            pair = self.pairs[meeting.pair_id]
            cancelled = _cancelled(meeting, pair)
            if cancelled is None and not paused_as_cancelled:
                continue
            mentor = pair.mentor_id == self.user_id
            events.append(
                _event(
                    meeting,
                    pair,
                    lang=self.lang,
                    mentor=mentor,
                    cancelled=cancelled is not False,
                    stamp=stamp,
                )
            )
        return Calendar(t(self.lang, "calendar.name"), self.lang, tuple(events))


def calendar_of(
    session: Session,
    user_id: str,
    now: datetime,
    *,
    paused_as_cancelled: bool = False,
    stamp: datetime | None = None,
) -> Calendar:
    """The person's calendar as it stands at ``now`` (for a file: see
    :meth:`Sources.calendar`)."""
    locale = session.execute(
        sa_select(col(SlackUser.locale)).where(col(SlackUser.user_id) == user_id)
    ).scalar()
    sources = sources_of(session, user_id, lang_of(locale), now)
    return sources.calendar(paused_as_cancelled=paused_as_cancelled, stamp=stamp)


def sources_of(session: Session, user_id: str, lang: str, now: datetime) -> Sources:
    """The person's pairs (with the program's name and the partner's) and their sessions
    from :data:`PAST` ago on."""
    pairs = _pairs_of(session, user_id)
    if not pairs:
        return Sources(user_id, lang, {}, [])
    meetings = session.execute(
        sa_select(
            col(MentoringSession.id),
            col(MentoringSession.pair_id),
            col(MentoringSession.starts_at),
            col(MentoringSession.minutes),
            col(MentoringSession.status),
            col(MentoringSession.sequence),
            col(MentoringSession.agenda_kind),
            col(MentoringSession.agenda_ref),
        )
        .where(col(MentoringSession.pair_id).in_(list(pairs)))
        .where(col(MentoringSession.starts_at) >= now - PAST)
        .order_by(col(MentoringSession.starts_at), col(MentoringSession.id))
    ).all()
    return Sources(user_id, lang, pairs, list(meetings))


def _pairs_of(session: Session, user_id: str) -> dict[int, Any]:
    """The person's pairs (by id), with the program's name and the partner's."""
    partner_id = case((col(Pair.mentor_id) == user_id, Pair.mentee_id), else_=Pair.mentor_id)
    return {
        row.id: row
        for row in session.execute(
            sa_select(
                col(Pair.id),
                col(Pair.mentor_id),
                col(Pair.status),
                col(Pair.ended_at),
                col(Pair.activated_at),
                col(Pair.slot_tz),
                col(Pair.meeting_link),
                col(Pair.mentee_key),
                col(Cohort.name).label("program"),
                col(SlackUser.name).label("partner"),
            )
            .join(Cohort, col(Cohort.id) == col(Pair.cohort_id))
            .outerjoin(SlackUser, col(SlackUser.user_id) == partner_id)
            .where(or_(col(Pair.mentor_id) == user_id, col(Pair.mentee_id) == user_id))
        )
    }


def _cancelled(meeting: Any, pair: Any) -> bool | None:
    """Whether the session shows as cancelled; None when it is left out (cancelled by a
    pause of an active pair)."""
    if pair.status != PairStatus.ACTIVE.value:
        # The pair ended: what it held stays, what was still to come is cancelled.
        return meeting.status != SessionStatus.SCHEDULED.value or (
            pair.ended_at is None or meeting.starts_at >= pair.ended_at
        )
    if meeting.status == SessionStatus.CANCELLED.value:
        return None
    return meeting.status == SessionStatus.SKIPPED.value


def _event(
    meeting: Any, pair: Any, *, lang: str, mentor: bool, cancelled: bool, stamp: datetime | None
) -> Event:
    """One session (``meeting``, ``pair``: rows of the columns :func:`calendar_of` reads)."""
    summary = (
        t(lang, "calendar.summary", partner=pair.partner, program=pair.program)
        if pair.partner
        else t(lang, "calendar.summary_nobody", program=pair.program)
    )
    lines = [_agenda(meeting.agenda_kind, meeting.agenda_ref, lang, mentor=mentor)]
    if pair.meeting_link:
        lines.append(t(lang, "calendar.where", link=pair.meeting_link))
    lines.append(t(lang, "calendar.footer"))
    revised = (pair.ended_at if cancelled and pair.ended_at else None) or pair.activated_at
    return Event(
        uid=uid_of(meeting.id, pair.mentee_key),
        start=meeting.starts_at,
        minutes=meeting.minutes,
        tz=pair.slot_tz or "UTC",
        summary=summary,
        description="\n\n".join(lines),
        location=pair.meeting_link,
        # A move raises it, and so does the cancellation (RFC 5546: a change of STATUS).
        sequence=meeting.sequence + (1 if cancelled else 0),
        cancelled=cancelled,
        stamp=stamp or revised or meeting.starts_at,
    )


def uid_of(session_id: int, pair_key: str) -> str:
    """A session's UID: stable whatever is configured, unique across installations (from
    a keyed hash of the pair), and telling nothing that links two sessions or a person."""
    digest = hashlib.sha256(f"{pair_key}:{session_id}".encode()).hexdigest()[:16]
    return f"session-{session_id}-{digest}@reverse-mentoring"


def _agenda(kind: str | None, ref: str | None, lang: str, *, mentor: bool) -> str:
    if kind == "topic":
        topic = BY_KEY.get(ref or "")
        return t(lang, "calendar.agenda_topic", topic=topic.label(lang) if topic else ref)
    if kind == "goal":
        return t(lang, "calendar.agenda_goal_partner" if mentor else "calendar.agenda_goal_own")
    return t(lang, "calendar.agenda_open")


# --- serving it ----------------------------------------------------------------------


class Limiter:
    """Requests per feed token: a bucket of ``burst`` that refills one every ``every``
    seconds, so a calendar service polling every few minutes is always served, and a
    leaked link cannot be used to hammer the bot. Remembers the busiest tokens only."""

    def __init__(
        self,
        *,
        burst: int = 20,
        every: float = 3.0,
        size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.every, self.size, self.clock = burst, every, size, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """0 when a request may go ahead now (it is counted), else seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) / self.every)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) * self.every
            while len(self._buckets) > self.size:
                self._buckets.popitem(last=False)
        return wait


class Recent:
    """The ETag each feed had when last served, so a calendar polling an unchanged feed
    gets its 304 without a query: valid while this process committed no write since the
    reads it came from, and for :data:`RECENT_SECONDS` at most (another instance's writes
    show after that)."""

    def __init__(self, size: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.clock = size, clock
        self._seen: OrderedDict[str, tuple[str, int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def unchanged(self, key: str, asked: set[str], commits: int) -> str | None:
        """The ETag when it is one of ``asked`` and still valid."""
        with self._lock:
            seen = self._seen.get(key)
        if seen is None:
            return None
        etag, at_commits, at = seen
        fresh = at_commits == commits and self.clock() - at < RECENT_SECONDS
        return etag if fresh and (etag in asked or "*" in asked) else None

    def remember(self, key: str, etag: str, commits: int) -> None:
        with self._lock:
            self._seen.pop(key, None)
            self._seen[key] = (etag, commits, self.clock())
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)


#: How long a remembered ETag answers for itself (see :class:`Recent`).
RECENT_SECONDS = 60.0


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status line, headers, body."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes


_NOT_FOUND = Answer(
    "404 Not Found", [("Content-Type", "text/plain; charset=utf-8")], b"not found\n"
)


def answer(
    ctx: Context,
    limiter: Limiter,
    path: str,
    if_none_match: str | None,
    recent: Recent | None = None,
) -> Answer:
    """``GET /calendar/<token>.ics``: the feed, 304 when unchanged, 404, or 429."""
    token = path[len(FEED_PREFIX) :].removesuffix(".ics")
    if not path.endswith(".ics") or not _TOKEN.match(token):
        return _NOT_FOUND
    key = _hash(token)
    wait = limiter.wait(key)
    if wait:
        return Answer(
            "429 Too Many Requests",
            [("Retry-After", str(max(1, round(wait)))), ("Content-Type", "text/plain")],
            b"too many requests\n",
        )
    # Compared weakly (RFC 9110, 13.1.2): a proxy that compresses marks the tag W/.
    asked = {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",")} - {""}
    commits = ctx.db.commits  # before the reads: a write committed during them shows
    if recent is not None and asked and (etag := recent.unchanged(key, asked, commits)):
        return Answer("304 Not Modified", _feed_headers(etag), b"")
    with ctx.db.transaction(write=False) as session:
        found = owner(ctx, session, token)
        if found is None:
            return _NOT_FOUND
        sources = sources_of(session, found[0], lang_of(found[1]), ctx.clock())
    etag = sources.etag()
    if recent is not None:
        recent.remember(key, etag, commits)
    headers = _feed_headers(etag)
    if etag in asked or "*" in asked:
        return Answer("304 Not Modified", headers, b"")
    return Answer(
        "200 OK",
        [
            ("Content-Type", "text/calendar; charset=utf-8"),
            ("Content-Disposition", 'inline; filename="reverse-mentoring.ics"'),
            *headers,
        ],
        sources.calendar().ics(),
    )


def _feed_headers(etag: str) -> list[tuple[str, str]]:
    return [
        ("ETag", etag),
        ("Cache-Control", "private, max-age=300"),
        ("X-Content-Type-Options", "nosniff"),
    ]
