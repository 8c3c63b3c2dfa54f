"""Matching runs and mutual consent: proposed pairs become active only when both say yes.

A matching run happens in one unit of work per cohort (serialised per cohort on
PostgreSQL by an advisory lock; SQLite has one writer anyway): it reads the pool, calls
the pure matcher, inserts the proposed pairs and owes each pair an intro and each person
left over a waiting-list note (once, until they are matched). The messages are sent by
the outbox dispatcher, so a rate-limited Slack delays them but loses none and repeats
none.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from bot.calendar import sending as calendar
from bot.core.context import Context
from bot.core.i18n import t, zone
from bot.delivery import outbox
from bot.matching import matcher as matching
from bot.matching.views import build_intro, build_pair_closed
from bot.sessions import planning as sessions
from storage import queries
from storage.models import (
    Cohort,
    Notification,
    Pair,
    PairStatus,
    Participant,
    ParticipantStatus,
    SlackUser,
)
from storage.types import utcnow

logger = logging.getLogger(__name__)

_MATCH_LOCK = 727_200_000


@dataclass(frozen=True)
class MatchReport:
    """What a matching run did in one cohort."""

    cohort: str
    proposed: int
    waiting: int
    total_overlap: int


class UnknownCohort(LookupError):
    """No open cohort has that name."""


def cohorts_to_match(ctx: Context, name: str | None) -> list[Cohort]:
    """The cohort called ``name``, or every open cohort when no name is given.

    Raises:
        UnknownCohort: No open cohort is called ``name``.
    """
    with ctx.db.transaction(write=False) as session:
        if name is None:
            return list(queries.open_cohorts(session))
        cohort = queries.cohort_by_name(session, name)
        if cohort is None or not cohort.is_open:
            raise UnknownCohort(name)
        return [cohort]


def _offset_minutes(tz: str | None, now: datetime) -> int | None:
    if not tz:
        return None
    offset = now.astimezone(zone(tz)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else None


def match_cohort(ctx: Context, cohort: Cohort) -> MatchReport:
    """Propose pairs among the cohort's active, unpaired participants."""
    now = ctx.clock()
    with ctx.db.transaction() as session:
        _lock_cohort(session, cohort)
        pool = _pool(session, cohort, now)
        result = matching.match(_candidates(ctx, session, pool, now), _past_pairs(session))
        by_id = {p.user_id: p for p in pool}
        for proposed in result.pairs:
            _propose(ctx, session, cohort, proposed, by_id, now)
        for user_id in result.unmatched:
            _put_on_waiting_list(session, by_id[user_id], now)
    outbox.kick(ctx)
    return MatchReport(
        cohort=cohort.name,
        proposed=len(result.pairs),
        waiting=len(result.unmatched),
        total_overlap=result.total_overlap,
    )


def _lock_cohort(session: Session, cohort: Cohort) -> None:
    """One matching run per cohort at a time (PostgreSQL; SQLite has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MATCH_LOCK + (cohort.id or 0)}
        )


def _past_pairs(session: Session) -> set[frozenset[str]]:
    """The history keys of every pair there was (a cancelled one never existed)."""
    return {
        frozenset((mentor_key, mentee_key))
        for mentor_key, mentee_key in session.exec(
            select(Pair.mentor_key, Pair.mentee_key).where(
                col(Pair.status) != PairStatus.CANCELLED.value
            )
        )
    }


def _candidates(
    ctx: Context, session: Session, pool: list[Participant], now: datetime
) -> list[matching.Candidate]:
    """The pool as the pure matcher sees it, with each person's UTC offset now."""
    zones = {
        row.user_id: row.tz
        for row in session.exec(
            select(SlackUser).where(col(SlackUser.user_id).in_([p.user_id for p in pool]))
        )
    }
    return [
        matching.Candidate(
            id=p.user_id,
            history_key=ctx.vault.user_key(p.user_id),
            role=p.role,
            topics=frozenset(p.topics),
            department=p.department,
            utc_offset_minutes=_offset_minutes(zones.get(p.user_id), now),
            weekdays=frozenset(p.weekdays),
            time_window=p.time_window,
        )
        for p in pool
    ]


def _propose(
    ctx: Context,
    session: Session,
    cohort: Cohort,
    proposed: matching.ProposedPair,
    by_id: dict[str, Participant],
    now: datetime,
) -> None:
    """Insert a proposed pair, owe it an intro, and take both off the waiting list."""
    pair = Pair(
        cohort_id=cohort.id or 0,
        mentor_id=proposed.mentor_id,
        mentee_id=proposed.mentee_id,
        mentor_key=ctx.vault.user_key(proposed.mentor_id),
        mentee_key=ctx.vault.user_key(proposed.mentee_id),
        status=PairStatus.PROPOSED.value,
        created_at=now,
    )
    session.add(pair)
    session.flush()
    outbox.enqueue(session, key=f"intro:{pair.id}", kind="intro", due_at=now, pair_id=pair.id)
    for user_id in (proposed.mentor_id, proposed.mentee_id):
        by_id[user_id].waiting_since = None
        session.add(by_id[user_id])


def _put_on_waiting_list(session: Session, participant: Participant, now: datetime) -> None:
    """Owe someone left over a waiting-list note, unless they are already waiting."""
    if participant.waiting_since is not None:
        return
    participant.waiting_since = now
    session.add(participant)
    # waiting_since is the guard against telling twice; the key only needs to be unique
    # per notice.
    outbox.enqueue(
        session,
        key=f"waiting:{uuid.uuid4().hex}",
        kind="waiting",
        due_at=now,
        user_id=participant.user_id,
    )


def _pool(session: Session, cohort: Cohort, now: datetime) -> list[Participant]:
    """Active participants of the cohort who are in no proposed or active pair."""
    paired: set[str] = set()
    for mentor_id, mentee_id in session.exec(
        select(Pair.mentor_id, Pair.mentee_id).where(col(Pair.status).in_(queries.OPEN_PAIR_STATES))
    ):
        paired.update(filter(None, (mentor_id, mentee_id)))
    # FOR UPDATE (PostgreSQL): a leave, pause or forget of someone in the pool waits until
    # this run has committed, then ends whatever pair it proposed for them.
    participants = session.exec(
        select(Participant)
        .where(Participant.cohort_id == cohort.id)
        .where(col(Participant.status) != ParticipantStatus.LEFT.value)
        .order_by(col(Participant.user_id))
        .with_for_update()
    )
    return [
        p
        for p in participants
        if p.user_id not in paired
        and queries.effective_status(p, now) == ParticipantStatus.ACTIVE.value
    ]


# --- consent --------------------------------------------------------------------------


def answer(ctx: Context, pair_id: int, user_id: str, *, accept: bool) -> str:
    """Record one person's yes or no to a proposed pair.

    Returns:
        ``accepted`` (waiting for the other), ``active`` (both said yes), ``declined``,
        ``already`` (this person had already said yes), ``closed`` (the proposal is no
        longer open) or ``not_yours``.
    """
    now = ctx.clock()
    with ctx.db.transaction() as session:
        pair = session.get(Pair, pair_id)
        if pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
            return "not_yours"
        if pair.status != PairStatus.PROPOSED.value:
            return "already" if pair.status == PairStatus.ACTIVE.value and accept else "closed"
        outcome = _accept(session, pair, user_id, now) if accept else _decline(session, pair, now)
    if outcome not in ("already", "closed"):  # nothing was changed, nothing is owed
        outbox.kick(ctx)
    return outcome


def _decline(session: Session, pair: Pair, now: datetime) -> str:
    """End a pair that is still proposed; the intro closes and each person hears it alone.

    Returns:
        ``declined``, or ``closed`` when the pair was no longer proposed.
    """
    pair_id = pair.id or 0
    if not queries.end_pair(
        session,
        pair_id,
        now,
        status=PairStatus.DECLINED.value,
        from_states=(PairStatus.PROPOSED.value,),
    ):
        return "closed"
    outbox.enqueue(
        session, key=f"closed:{pair_id}", kind="pair_closed", due_at=now, pair_id=pair_id
    )
    for person in (pair.mentor_id, pair.mentee_id):
        outbox.enqueue(
            session,
            key=f"declined:{pair_id}:{person}",
            kind="pair_declined",
            due_at=now,
            pair_id=pair_id,
            user_id=person,
        )
    return "declined"


def _accept(session: Session, pair: Pair, user_id: str, now: datetime) -> str:
    """One person's yes, set only while the pair is still proposed; the second yes makes
    it active and plans its sessions.

    Returns:
        ``accepted``, ``active``, ``already`` or ``closed``.
    """
    flag = "mentor_accepted" if user_id == pair.mentor_id else "mentee_accepted"
    if getattr(pair, flag):
        return "already"
    changed = session.execute(
        update(Pair)
        .where(col(Pair.id) == pair.id)
        .where(col(Pair.status) == PairStatus.PROPOSED.value)
        .where(getattr(Pair, flag).is_(False))
        .values({flag: True})
        .returning(col(Pair.id))
    ).first()
    session.refresh(pair)
    if changed is None:
        return "already" if pair.status != PairStatus.DECLINED.value else "closed"
    if not (pair.mentor_accepted and pair.mentee_accepted):
        return "accepted"
    pair.status = PairStatus.ACTIVE.value
    pair.activated_at = now
    session.add(pair)
    sessions.plan_pair(session, pair, now)
    outbox.enqueue(
        session, key=f"active:{pair.id}", kind="pair_active", due_at=now, pair_id=pair.id
    )
    for person in (pair.mentor_id, pair.mentee_id):
        if person:  # each their sessions for their calendar
            calendar.owe(session, person, key=f"pair:{pair.id}:{person}", now=now)
    if pair.mentee_id:  # the baseline: the mentee's private self-assessment (bot.cycle)
        outbox.enqueue(
            session,
            key=f"self-assessment:{pair.id}",
            kind="self_assessment",
            due_at=now,
            pair_id=pair.id,
            user_id=pair.mentee_id,
        )
    return "active"


# --- senders --------------------------------------------------------------------------


def _members(pair: Pair) -> list[str] | None:
    if pair.mentor_id is None or pair.mentee_id is None:
        return None
    return [pair.mentor_id, pair.mentee_id]


def _langs(ctx: Context, user_ids: list[str]) -> list[str]:
    """The languages of a group, in a stable order, without repeats."""
    return sorted({ctx.people.get(uid, patient=True).lang for uid in user_ids})


def _load(ctx: Context, pair_id: int | None) -> tuple[Pair, Participant, Participant] | None:
    with ctx.db.transaction(write=False) as session:
        pair = session.get(Pair, pair_id) if pair_id is not None else None
        if pair is None or pair.mentor_id is None or pair.mentee_id is None:
            return None
        mentor = queries.participant_of(session, pair.mentor_id)
        mentee = queries.participant_of(session, pair.mentee_id)
        if mentor is None or mentee is None:
            return None
        return pair, mentor, mentee


def send_intro(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """The intro in a group DM of the two and the bot, with accept/decline buttons."""
    loaded = _load(ctx, row.pair_id)
    if loaded is None or loaded[0].status != PairStatus.PROPOSED.value:
        return outbox.Skipped()
    pair, mentor, mentee = loaded
    if any(
        queries.effective_status(p, now) != ParticipantStatus.ACTIVE.value for p in (mentor, mentee)
    ):
        return outbox.Skipped()
    members = _members(pair)
    assert members is not None
    shared = [topic for topic in mentee.topics if topic in set(mentor.topics)]
    text, blocks = build_intro(
        _langs(ctx, members),
        pair_id=pair.id or 0,
        mentor_id=mentor.user_id,
        mentee_id=mentee.user_id,
        topics=shared,
        # Matching never pairs one department; said only when both named theirs.
        other_departments=bool(mentor.department and mentee.department),
        weekdays=sorted(set(mentor.weekdays) & set(mentee.weekdays)),
    )
    channel = ctx.slack.group_dm(members)
    ts = ctx.slack.post(channel, text, blocks)

    def remember(session: Session) -> None:
        # Not for a pair one of whose people used /mentor forget while the intro was out.
        session.execute(
            update(Pair)
            .where(col(Pair.id) == pair.id)
            .where(col(Pair.mentor_id).is_not(None), col(Pair.mentee_id).is_not(None))
            .values(channel_id=channel, intro_ts=ts)
        )

    return outbox.Sent(then=remember)


def _cancel_unintroduced(session: Session, row: Notification) -> None:
    """Slack refused an intro for good: the pair never existed, both are free again."""
    if row.pair_id is not None:
        queries.end_pair(
            session,
            row.pair_id,
            utcnow(),
            status=PairStatus.CANCELLED.value,
            from_states=(PairStatus.PROPOSED.value,),
        )


def send_waiting(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """Tell a person left over that they are on the waiting list, and why."""
    user_id = row.user_id
    with ctx.db.transaction(write=False) as session:
        participant = queries.participant_of(session, user_id) if user_id else None
        still_waiting = (
            participant is not None
            and participant.waiting_since is not None
            and queries.open_pair_of(session, participant.user_id) is None
        )
    if not still_waiting or user_id is None:
        return outbox.Skipped()
    ctx.slack.post_dm(user_id, t(ctx.people.get(user_id, patient=True).lang, "match.waiting"))
    return outbox.Sent()


def _close_intro(ctx: Context, pair: Pair, key: str) -> None:
    members = _members(pair)
    if pair.channel_id and pair.intro_ts and members:
        active = key == "pair.active"
        text, blocks = build_pair_closed(
            _langs(ctx, members), key, pair_id=pair.id if active else None
        )
        ctx.slack.client.chat_update(
            channel=pair.channel_id, ts=pair.intro_ts, text=text, blocks=blocks
        )


def send_active(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """Both said yes: replace the intro's buttons with the good news, for both."""
    with ctx.db.transaction(write=False) as session:
        pair = session.get(Pair, row.pair_id) if row.pair_id else None
    if pair is None or pair.status != PairStatus.ACTIVE.value or not _members(pair):
        return outbox.Skipped()
    _close_intro(ctx, pair, "pair.active")
    if not pair.intro_ts:  # the intro never went out; say it in the group DM instead
        members = _members(pair)
        assert members is not None
        text, blocks = build_pair_closed(_langs(ctx, members), "pair.active", pair_id=pair.id)
        ctx.slack.post(ctx.slack.group_dm(members), text, blocks)
    return outbox.Sent()


def send_closed(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """A decline: the intro loses its buttons and says only that it is closed."""
    with ctx.db.transaction(write=False) as session:
        pair = session.get(Pair, row.pair_id) if row.pair_id else None
    if pair is None or not pair.intro_ts:
        return outbox.Skipped()
    _close_intro(ctx, pair, "pair.closed")
    return outbox.Sent()


def send_declined(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """Each person, privately: back in the pool, a new match will come (no reason given)."""
    if row.user_id is None:
        return outbox.Skipped()
    ctx.slack.post_dm(
        row.user_id, t(ctx.people.get(row.user_id, patient=True).lang, "pair.declined")
    )
    return outbox.Sent()


INTRO = outbox.Kind.per_row("intro", send_intro, on_failure=_cancel_unintroduced)
KINDS = (
    INTRO,
    outbox.Kind.per_row("waiting", send_waiting),
    outbox.Kind.per_row("pair_active", send_active),
    outbox.Kind.per_row("pair_closed", send_closed),
    outbox.Kind.per_row("pair_declined", send_declined),
)
