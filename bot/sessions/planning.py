"""Sessions: an active pair's recurring slot, and what each session owes its people.

When a pair becomes active it gets a slot (a weekday and wall-clock time in the
mentee's zone, :mod:`bot.schedule`) and its first sessions. :func:`plan` keeps
``HORIZON`` sessions ahead for every active pair (the scheduler runs it hourly,
``mentor-bot dispatch`` before sending). Each session owes, through the outbox:

- a reminder to each person 24 hours before, with the time in their own zone, the
  agenda item (:mod:`bot.agenda`) and conversation prompts, and a skip button;
- a reflection prompt to each person one hour after it ends.

Nothing is sent for a session of a pair that ended, or while either person is paused
at the session's time (the rhythm then simply resumes with the next slot).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.core.context import Context
from bot.delivery import notices, outbox
from bot.sessions import schedule
from storage import queries
from storage.models import (
    Cohort,
    MentoringSession,
    Notification,
    NotificationStatus,
    Pair,
    PairStatus,
    Participant,
    ParticipantStatus,
    SessionStatus,
    SlackUser,
)

logger = logging.getLogger(__name__)

HORIZON = 3
#: The notification kinds a session owes (cancelled with it, moved with it).
SESSION_KINDS = ("reminder", "reflect", "checkin")
REMIND_BEFORE = timedelta(hours=24)
REFLECT_AFTER_END = timedelta(hours=1)


def _person(participant: Participant, tz: str | None) -> schedule.Person:
    return schedule.Person(
        tz=tz, weekdays=frozenset(participant.weekdays), time_window=participant.time_window
    )


def _tz(session: Session, user_id: str) -> str | None:
    row = session.get(SlackUser, user_id)
    return row.tz if row is not None else None


def _series_day(meeting: MentoringSession, slot: schedule.Slot) -> date:
    """The series date a session stands for (stored; for older rows, its local date read
    back onto the slot's weekday, which undoes a holiday shift within the week)."""
    if meeting.series_date:
        return date.fromisoformat(meeting.series_date)
    local = meeting.starts_at.astimezone(schedule.zone(slot.tz)).date()
    return schedule.on_weekday(local, slot.weekday)


def _away_for_good(participant: Participant) -> bool:
    """Left, or paused until they resume: no session can be planned for them."""
    return participant.status == ParticipantStatus.LEFT.value or (
        participant.status == ParticipantStatus.PAUSED.value and participant.paused_until is None
    )


def plan_pair(session: Session, pair: Pair, now: datetime) -> int:
    """Give an active pair its slot (once) and sessions up to the horizon.

    The pair's row is locked first (PostgreSQL ``FOR UPDATE``; SQLite has one writer),
    so two planners never add the same session. Sessions continue the series after the
    last one planned (by series date, so a moved or holiday-shifted session never shifts
    the rhythm); none is planned while either person is paused at its time, and the
    first one has two days' notice, later ones a day (so each gets its reminder).

    Returns:
        How many sessions were added.
    """
    locked = _locked(session, pair)
    if locked is None:
        return 0
    pair = locked
    if pair.status != PairStatus.ACTIVE.value or not pair.mentor_id or not pair.mentee_id:
        return 0
    mentor = queries.participant_of(session, pair.mentor_id)
    mentee = queries.participant_of(session, pair.mentee_id)
    cohort = session.get(Cohort, pair.cohort_id)
    if mentor is None or mentee is None or cohort is None:
        return 0
    existing = list(
        session.exec(
            select(MentoringSession)
            .where(MentoringSession.pair_id == pair.id)
            .order_by(col(MentoringSession.number))
        )
    )
    live = [s for s in existing if s.status != SessionStatus.CANCELLED.value]
    need = HORIZON - sum(1 for s in live if s.starts_at > now)
    if need <= 0 or _away_for_good(mentor) or _away_for_good(mentee):
        return 0
    slot = _stored_slot(pair) or _choose_slot(session, pair, mentor, mentee)
    earliest = now + (schedule.MIN_NOTICE if not existing else REMIND_BEFORE)
    if pair.slot_anchor:
        anchor = schedule.on_weekday(date.fromisoformat(pair.slot_anchor), slot.weekday)
    else:
        anchor = schedule.first_date(slot, earliest)
    since = max((_series_day(s, slot) for s in live), default=None)
    starts = schedule.series(slot, cohort.cadence, anchor=anchor, since=since, earliest=earliest)
    number = max((s.number for s in existing), default=0)
    last_day = date.fromisoformat(cohort.term_end) if cohort.term_end else None
    added = _add_sessions(
        session, pair, (mentor, mentee), starts, after=number, need=need, last_day=last_day
    )
    if added and existing:  # the first ones come with the pair's first calendar
        owe_calendar_update(session, pair, f"planned:{pair.id}:{number + added}", now)
    if pair.slot_anchor != anchor.isoformat():
        pair.slot_anchor = anchor.isoformat()
    session.add(pair)
    return added


def owe_calendar_update(session: Session, pair: Pair, key: str, now: datetime) -> None:
    """Owe both people of the pair their calendar again after a change (sent as a file
    only where there are no feeds, which follow by themselves: :mod:`bot.calendar`)."""
    for person in (pair.mentor_id, pair.mentee_id):
        if person:
            outbox.enqueue(
                session,
                key=f"calendar:{key}:{person}",
                kind="calendar",
                due_at=now,
                user_id=person,
                pair_id=pair.id,
                args={"update": True},
            )


def _locked(session: Session, pair: Pair) -> Pair | None:
    """The pair's row, locked and read afresh; None when it is not (or no longer) stored."""
    if pair.id is None:
        return None
    return session.exec(
        select(Pair)
        .where(Pair.id == pair.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _stored_slot(pair: Pair) -> schedule.Slot | None:
    """The slot stored on the pair; None before it has one."""
    if pair.slot_tz is None or pair.slot_weekday is None or pair.slot_time is None:
        return None
    return schedule.Slot(
        weekday=pair.slot_weekday, local_time=time.fromisoformat(pair.slot_time), tz=pair.slot_tz
    )


def _choose_slot(
    session: Session, pair: Pair, mentor: Participant, mentee: Participant
) -> schedule.Slot:
    """Choose the pair's slot from both people's preferences and zones, and store it."""
    slot = schedule.choose_slot(
        _person(mentor, _tz(session, mentor.user_id)),
        _person(mentee, _tz(session, mentee.user_id)),
    )
    pair.slot_tz, pair.slot_weekday = slot.tz, slot.weekday
    pair.slot_time = slot.local_time.strftime("%H:%M")
    return slot


def _add_sessions(
    session: Session,
    pair: Pair,
    people: tuple[Participant, Participant],
    starts: Iterator[tuple[date, datetime]],
    *,
    after: int,
    need: int,
    last_day: date | None = None,
) -> int:
    """Add up to ``need`` sessions from the series' ``starts`` (numbered on from
    ``after``), skipping any at which either person is paused and none after the term's
    ``last_day`` (in the slot's zone), each with what it owes.

    Returns:
        How many sessions were added.
    """
    number = after
    added = 0
    for day, starts_at in starts:
        if last_day is not None and (
            max(day, schedule.local_date(starts_at, pair.slot_tz)) > last_day
            or starts_at >= datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC)
        ):
            break  # the term is over by then (it ends at midnight UTC): nothing more
        if any(away_at(person, starts_at) for person in people):
            continue  # a pause with an end: the rhythm resumes after it
        number += 1
        meeting = MentoringSession(
            pair_id=pair.id or 0, number=number, starts_at=starts_at, series_date=day.isoformat()
        )
        session.add(meeting)
        session.flush()
        _owe(session, pair, meeting)
        added += 1
        if added == need:
            break
    return added


CHECKIN_EVERY = 3


def _owe(session: Session, pair: Pair, meeting: MentoringSession) -> None:
    ends = meeting.starts_at + timedelta(minutes=meeting.minutes)
    if meeting.number % CHECKIN_EVERY == 0:
        outbox.enqueue(
            session,
            key=f"checkin:{meeting.id}",
            kind="checkin",
            due_at=ends + REFLECT_AFTER_END,
            pair_id=pair.id,
            user_id=pair.mentee_id,
            session_id=meeting.id,
        )
    for user_id in (pair.mentor_id, pair.mentee_id):
        outbox.enqueue(
            session,
            key=f"reminder:{meeting.id}:{user_id}",
            kind="reminder",
            due_at=meeting.starts_at - REMIND_BEFORE,
            pair_id=pair.id,
            user_id=user_id,
            session_id=meeting.id,
        )
        outbox.enqueue(
            session,
            key=f"reflect:{meeting.id}:{user_id}",
            kind="reflect",
            due_at=ends + REFLECT_AFTER_END,
            pair_id=pair.id,
            user_id=user_id,
            session_id=meeting.id,
        )


def plan(ctx: Context, now: datetime | None = None) -> int:
    """Keep every active pair's sessions planned ahead; returns how many were added.

    Each pair is planned in its own unit of work; a pair that cannot be planned is
    logged with its id and the others are planned all the same.
    """
    now = now or ctx.clock()
    ahead = (
        select(MentoringSession.pair_id, func.count().label("ahead"))
        .where(col(MentoringSession.starts_at) > now)
        .where(col(MentoringSession.status) != SessionStatus.CANCELLED.value)
        .group_by(col(MentoringSession.pair_id))
        .subquery()
    )
    # Only the pairs short of the horizon: in a steady week that is one pair in 168 per
    # hour for a weekly cadence, so the hourly job does not walk every active pair.
    with ctx.db.transaction(write=False) as session:
        pair_ids = list(
            session.exec(
                select(Pair.id)
                .outerjoin(ahead, ahead.c.pair_id == Pair.id)
                .where(Pair.status == PairStatus.ACTIVE.value)
                .where(func.coalesce(ahead.c.ahead, 0) < HORIZON)
                .order_by(col(Pair.id))
            )
        )
    added = 0
    for pair_id in pair_ids:
        try:
            with ctx.db.transaction() as session:
                pair = session.get(Pair, pair_id)
                if pair is not None:
                    added += plan_pair(session, pair, now)
        except Exception as error:  # one pair must never stop the others
            logger.error(
                "planning pair %s failed (%s: %s); the other pairs are planned",
                pair_id,
                type(error).__name__,
                error,
            )
    return added


# --- sending --------------------------------------------------------------------------


def away_at(participant: Participant | None, moment: datetime) -> bool:
    """Left, or paused at ``moment`` (an open-ended pause, or one that ends later)."""
    if participant is None or participant.status == ParticipantStatus.LEFT.value:
        return True
    if participant.status != ParticipantStatus.PAUSED.value:
        return False
    return participant.paused_until is None or participant.paused_until > moment


#: A reflection prompt or goal check-in more than this late (after an outage) is not
#: sent any more.
PROMPT_LATE = timedelta(days=3)


# --- skipping -------------------------------------------------------------------------


def skip(ctx: Context, session_id: int, user_id: str) -> tuple[str, str | None, datetime | None]:
    """Skip one future session of the person's pair; its messages are cancelled.

    Returns:
        (``skipped`` | ``not_yours`` | ``past`` | ``already``, the partner's ID, the start).
    """
    now = ctx.clock()
    with ctx.db.transaction() as session:
        meeting = session.get(MentoringSession, session_id)
        pair = session.get(Pair, meeting.pair_id) if meeting else None
        if meeting is None or pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
            return "not_yours", None, None
        if meeting.starts_at <= now:
            return "past", None, None
        changed = session.execute(
            update(MentoringSession)
            .where(col(MentoringSession.id) == session_id)
            .where(col(MentoringSession.status) == SessionStatus.SCHEDULED.value)
            .values(status=SessionStatus.SKIPPED.value)
            .returning(col(MentoringSession.id))
        ).first()
        if changed is None:
            return "already", None, None
        _cancel_pending(session, [session_id])
        owe_calendar_update(session, pair, f"skipped:{session_id}", now)
        partner = queries.partner_id(pair, user_id)
        if partner:
            notices.owe(
                session,
                key=f"skipped:{session_id}:{partner}",
                user_id=partner,
                text="session.skipped_partner",
                when=meeting.starts_at,
                now=now,
                pair_id=pair.id,
                session_id=session_id,
            )
        return "skipped", partner, meeting.starts_at


def _cancel_pending(session: Session, session_ids: list[int]) -> None:
    """Cancel what the sessions still owed (reminders, prompts, check-ins)."""
    if session_ids:
        session.execute(
            update(Notification)
            .where(col(Notification.session_id).in_(session_ids))
            .where(col(Notification.status) == NotificationStatus.PENDING.value)
            .where(col(Notification.kind).in_(SESSION_KINDS))
            .values(status=NotificationStatus.CANCELLED.value)
        )


def cancel_while_away(session: Session, user_id: str, now: datetime, until: datetime | None) -> int:
    """The person pauses: the sessions of their active pair from now until ``until`` (all
    of them when None) are cancelled, and what they owed with them. The rhythm resumes
    with the next slot after the pause (:func:`plan_pair`).

    Returns:
        How many sessions were cancelled.
    """
    pair = queries.open_pair_of(session, user_id)
    if pair is None or pair.id is None or pair.status != PairStatus.ACTIVE.value:
        return 0
    query = (
        update(MentoringSession)
        .where(col(MentoringSession.pair_id) == pair.id)
        .where(col(MentoringSession.status) == SessionStatus.SCHEDULED.value)
        .where(col(MentoringSession.starts_at) > now)
    )
    if until is not None:
        query = query.where(col(MentoringSession.starts_at) < until)
    cancelled = [
        row[0]
        for row in session.execute(
            query.values(status=SessionStatus.CANCELLED.value).returning(col(MentoringSession.id))
        )
    ]
    _cancel_pending(session, cancelled)
    if cancelled:
        owe_calendar_update(session, pair, f"paused:{min(cancelled)}:{len(cancelled)}", now)
    return len(cancelled)


# --- moving ---------------------------------------------------------------------------

MIN_MOVE_NOTICE = timedelta(hours=1)


class MoveError(ValueError):
    """A session cannot move there; ``key`` names the message, ``next_start`` is the
    following session when that is what stands in the way."""

    def __init__(self, key: str, next_start: datetime | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.next_start = next_start


def start_of(ctx: Context, session_id: int, user_id: str) -> datetime | None:
    """When a future session of the person's pair starts; None when not theirs or past."""
    with ctx.db.transaction(write=False) as session:
        meeting = session.get(MentoringSession, session_id)
        pair = session.get(Pair, meeting.pair_id) if meeting else None
        if meeting is None or pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
            return None
        if meeting.status != SessionStatus.SCHEDULED.value or meeting.starts_at <= ctx.clock():
            return None
        return meeting.starts_at


def move(ctx: Context, session_id: int, user_id: str, new_start: datetime) -> str | None:
    """Move one session; its reminders and prompts move with it, and the partner and the
    mover are told (through the outbox, in the same unit of work).

    A session moves at most up to the next regular session: the next one planned, or,
    for the last one planned, the next date of the pair's series. So no slot in between
    is ever dropped and the sessions keep their order.

    Returns:
        The partner's ID.

    Raises:
        MoveError: ``session.not_yours``, ``session.past``, ``move.error.past``,
            ``move.error.far`` or ``move.error.away`` (one of the two is paused then).
    """
    now = ctx.clock()
    if new_start < now + MIN_MOVE_NOTICE:
        raise MoveError("move.error.past")
    with ctx.db.transaction() as session:
        meeting = session.get(MentoringSession, session_id)
        pair = session.get(Pair, meeting.pair_id) if meeting else None
        if meeting is None or pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
            raise MoveError("session.not_yours")
        if meeting.status != SessionStatus.SCHEDULED.value or meeting.starts_at <= now:
            raise MoveError("session.past")
        following = _next_regular(session, pair, meeting)
        if following is not None and new_start + timedelta(minutes=meeting.minutes) > following:
            raise MoveError("move.error.far", following)
        people = [queries.participant_of(session, p) for p in (pair.mentor_id, pair.mentee_id) if p]
        if any(away_at(person, new_start) for person in people):
            raise MoveError("move.error.away")  # a session is never planned into a pause
        if new_start != meeting.starts_at:
            meeting.starts_at = new_start
            meeting.sequence += 1
            session.add(meeting)
            _move_messages(session, pair, meeting, user_id, now)
            owe_calendar_update(session, pair, f"moved:{meeting.id}:m{meeting.sequence}", now)
        return queries.partner_id(pair, user_id)


def _move_messages(
    session: Session, pair: Pair, meeting: MentoringSession, mover: str, now: datetime
) -> None:
    """What a moved session owes: prompts and check-in after its new end, a new reminder
    each (keyed by the move's ``sequence``; the old one is cancelled), and a notice to the
    mover and to the partner."""
    ends = meeting.starts_at + timedelta(minutes=meeting.minutes)
    pending = session.exec(
        select(Notification)
        .where(Notification.session_id == meeting.id)
        .where(Notification.status == NotificationStatus.PENDING.value)
        .where(col(Notification.kind).in_(SESSION_KINDS))
    ).all()
    for row in pending:
        if row.kind == "reminder":
            row.status = NotificationStatus.CANCELLED.value
        else:
            row.due_at = ends + REFLECT_AFTER_END
        session.add(row)
    for person in (pair.mentor_id, pair.mentee_id):
        if person is None:
            continue
        outbox.enqueue(
            session,
            key=f"reminder:{meeting.id}:{person}:m{meeting.sequence}",
            kind="reminder",
            due_at=max(now, meeting.starts_at - REMIND_BEFORE),
            pair_id=pair.id,
            user_id=person,
            session_id=meeting.id,
        )
        notices.owe(
            session,
            key=f"moved:{meeting.id}:m{meeting.sequence}:{person}",
            user_id=person,
            text="move.done" if person == mover else "move.partner",
            when=meeting.starts_at,
            now=now,
            pair_id=pair.id,
            session_id=meeting.id,
            mention_partner=person != mover,
        )


def _next_regular(session: Session, pair: Pair, meeting: MentoringSession) -> datetime | None:
    """When the session after ``meeting`` starts: the next one planned (not cancelled),
    else the next date of the pair's series."""
    following = session.exec(
        select(MentoringSession.starts_at)
        .where(MentoringSession.pair_id == pair.id)
        .where(col(MentoringSession.number) > meeting.number)
        .where(col(MentoringSession.status) != SessionStatus.CANCELLED.value)
        .order_by(col(MentoringSession.number))
        .limit(1)
    ).first()
    if following is not None:
        return following
    slot = _stored_slot(pair)
    if slot is None:
        return None
    cohort = session.get(Cohort, pair.cohort_id)
    day = _series_day(meeting, slot)
    anchor = date.fromisoformat(pair.slot_anchor) if pair.slot_anchor else day
    for _, start in schedule.series(
        slot,
        cohort.cadence if cohort else "biweekly",
        anchor=anchor,
        since=day,
        earliest=meeting.starts_at,
    ):
        return start
    return None
