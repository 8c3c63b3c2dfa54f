"""What the program cycle owes people, and the hourly pass that owes it.

The self-assessment is owed when a pair becomes active (:mod:`bot.matching.consent`), the
closing survey when a term ends (:mod:`bot.enrollment.cohorts`); :func:`tick` (the
scheduler's hourly planning pass, ``mentor-bot dispatch`` and the demo's clock) ends the
terms that are over, owes the pulses whose moment has come, and nudges, then closes,
pairs that have stopped meeting. Every row has a unique key, so a pass run twice, or by
two processes, owes each message once; each sender decides from the state at send time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core.background import log_failure
from bot.core.context import Context
from bot.core.i18n import fmt_datetime
from bot.cycle import moments
from bot.cycle.answers import ASKED_BY, ask
from bot.cycle.views import build_nudge, build_question
from bot.delivery import notices, outbox
from bot.enrollment import cohorts, service
from bot.sessions import schedule
from bot.sessions.planning import away_at
from storage import queries
from storage.models import (
    Cohort,
    MentoringSession,
    Notification,
    Pair,
    PairStatus,
    Participant,
    Reflection,
    SessionStatus,
)

logger = logging.getLogger(__name__)


def tick(ctx: Context, now: datetime | None = None) -> None:
    """The program cycle's hourly pass: terms, pulses, lapsed pairs. A step that fails
    is logged (:func:`bot.core.background.log_failure`) and the others go on, as does
    the planning that follows; its work waits for the next pass."""
    now = now or ctx.clock()
    for step in (cohorts.end_terms, owe_pulses, lapses):
        try:
            step(ctx, now)
        except Exception:
            log_failure(logger, "program cycle: %s", step.__name__)


Active = tuple[Pair, Cohort]


def _active(session: Session) -> list[Active]:
    """Every active pair with a slot, with its cohort."""
    return [
        (pair, cohort)
        for pair, cohort in session.exec(
            select(Pair, Cohort)
            .join(Cohort, col(Cohort.id) == col(Pair.cohort_id))
            .where(Pair.status == PairStatus.ACTIVE.value)
            .where(col(Pair.slot_tz).is_not(None))
            .where(col(Pair.activated_at).is_not(None))
        )
    ]


def _to_both(
    pair: Pair, key: str, kind: str, due_at: datetime, args: dict[str, str]
) -> list[dict[str, object]]:
    """The outbox rows (``outbox.enqueue_many``) of one message to each person of a pair,
    keyed ``<key>:<person>``."""
    return [
        {
            "key": f"{key}:{person}",
            "kind": kind,
            "due_at": due_at,
            "pair_id": pair.id,
            "user_id": person,
            "args": args,
        }
        for person in (pair.mentor_id, pair.mentee_id)
        if person
    ]


def _owe(ctx: Context, rows: list[dict[str, object]]) -> None:
    """Owe the rows, in a unit of work that writes only when there are any."""
    if rows:
        with ctx.db.transaction() as session:
            outbox.enqueue_many(session, rows)


def owe_pulses(ctx: Context, now: datetime) -> None:
    """Owe each person of an active pair the pulses whose moment has come."""
    rows: list[dict[str, object]] = []
    with ctx.db.transaction(write=False) as session:
        active = _active(session)
    for pair, cohort in active:
        if pair.activated_at is None or pair.slot_tz is None or cohort.term_end is None:
            continue
        start = schedule.local_date(cohort.created_at, pair.slot_tz)
        end = date.fromisoformat(cohort.term_end)
        for name, moment in moments.pulses(pair.activated_at, start, end, pair.slot_tz):
            if moments.due(moment, now):
                rows += _to_both(pair, f"pulse:{pair.id}:{name}", "pulse", moment, {"moment": name})
    _owe(ctx, rows)


def _last_held(session: Session, pair_ids: list[int]) -> dict[int, datetime]:
    """The start of each pair's latest session that someone reported as held."""
    found: dict[int, datetime] = {}
    for pair_id, latest in session.exec(
        select(MentoringSession.pair_id, func.max(MentoringSession.starts_at))
        .join(Reflection, col(Reflection.session_id) == col(MentoringSession.id))
        .where(col(MentoringSession.pair_id).in_(pair_ids))
        .where(col(Reflection.happened).is_(True))
        .group_by(col(MentoringSession.pair_id))
    ).all():
        found[pair_id] = latest
    return found


def _since(pair: Pair, held: datetime | None, people: list[Participant | None]) -> datetime:
    """Since when a pair has given no sign of meeting: its start, its latest session
    reported held, or the latest change to either person's enrollment (a pause, its end)."""
    signs = [pair.activated_at, held]
    for person in people:
        if person is not None:
            signs += [person.updated_at, person.paused_until]
    return max(sign for sign in signs if sign is not None)


@dataclass(frozen=True)
class _Signs:
    """What decides whether pairs lapsed: the latest session each reported held, the
    people, and when each lapse was first nudged."""

    held: dict[int, datetime]
    people: dict[str, Participant]
    nudged: dict[str, datetime]

    @classmethod
    def load(cls, session: Session, pairs: list[Pair]) -> _Signs:
        pair_ids = [pair.id for pair in pairs if pair.id is not None]
        ids = {p for pair in pairs for p in (pair.mentor_id, pair.mentee_id) if p}
        people = {
            p.user_id: p
            for p in session.exec(select(Participant).where(col(Participant.user_id).in_(ids)))
        }
        return cls(_last_held(session, pair_ids), people, _nudged(session, pair_ids))

    def verdict(self, pair: Pair, cohort: Cohort, now: datetime) -> tuple[str, str, datetime]:
        """``wait``, ``nudge`` or ``close``, with the lapse's key and since when."""
        members = [self.people.get(pair.mentor_id or ""), self.people.get(pair.mentee_id or "")]
        since = _since(pair, self.held.get(pair.id or 0), members)
        key = f"lapse:{pair.id}:{since.date().isoformat()}"
        if pair.slot_tz is None or any(away_at(m, now) for m in members):
            return "wait", key, since
        lapse = moments.lapse(since, pair.slot_tz, cohort.nudge_days, cohort.close_days)
        if now < lapse.nudge_at:
            return "wait", key, since
        if moments.may_close(lapse, self.nudged.get(key), now):
            return "close", key, since
        return "nudge", key, since


def lapses(ctx: Context, now: datetime) -> int:
    """Nudge the pairs that have reported no session held for their cohort's ``nudge``
    days, and close those that stay silent until its ``close`` days (like a re-pair,
    ``end_reason`` ``lapsed``); returns how many closed. Pairs with someone paused or
    gone now wait."""
    nudges: list[dict[str, object]] = []
    to_close: list[int] = []
    with ctx.db.transaction(write=False) as session:
        active = _active(session)
        signs = _Signs.load(session, [pair for pair, _ in active])
    for pair, cohort in active:
        verdict, key, since = signs.verdict(pair, cohort, now)
        if verdict == "close" and pair.id is not None:
            to_close.append(pair.id)
        if verdict == "nudge":
            nudges += _to_both(pair, key, "lapse_nudge", now, {"since": since.isoformat()})
    _owe(ctx, nudges)
    closed = sum(1 for pair_id in to_close if _close(ctx, pair_id, now))
    if closed:
        logger.info("closed %s lapsed pairs", closed)
    if nudges or closed:
        outbox.kick(ctx)
    return closed


def _nudged(session: Session, pair_ids: list[int]) -> dict[str, datetime]:
    """When each lapse (``lapse:<pair>:<since>``) was first nudged."""
    found: dict[str, datetime] = {}
    for key, due_at in session.exec(
        select(Notification.key, Notification.due_at)
        .where(Notification.kind == "lapse_nudge")
        .where(col(Notification.pair_id).in_(pair_ids))
    ).all():
        lapse = key.rsplit(":", 1)[0]
        found[lapse] = min(due_at, found.get(lapse, due_at))
    return found


def _close(ctx: Context, pair_id: int, now: datetime) -> bool:
    """Close a lapsed pair like a re-pair, after deciding again under the pair's lock (a
    session reported held or a pause meanwhile keeps it); both are told kindly, neither
    is blamed."""
    with ctx.db.transaction() as session:
        pair = session.exec(select(Pair).where(Pair.id == pair_id).with_for_update()).first()
        cohort = session.get(Cohort, pair.cohort_id) if pair is not None else None
        if pair is None or cohort is None or pair.status != PairStatus.ACTIVE.value:
            return False
        if _Signs.load(session, [pair]).verdict(pair, cohort, now)[0] != "close":
            return False
        if not service.end_pair(session, pair, now, reason="lapsed"):
            return False
        for person in (pair.mentor_id, pair.mentee_id):
            if person:
                notices.owe(
                    session,
                    key=f"lapsed:{pair.id}:{person}",
                    user_id=person,
                    text="pair.lapsed",
                    now=now,
                    pair_id=pair.id,
                )
    return True


# --- senders --------------------------------------------------------------------------


def send_question(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """A self-assessment, pulse or closing survey: privately, the button that opens its
    modal, while the question still fits (the pair as it should be, the person here)."""
    if row.user_id is None or row.id is None or now - row.due_at > moments.STALE:
        return outbox.Skipped()
    asked = ask(ctx, row.user_id, row.id)
    if asked is None:
        return outbox.Skipped()
    with ctx.db.transaction(write=False) as session:
        participant = queries.participant_of(session, row.user_id)
    if participant is None or (row.kind != "closing_survey" and away_at(participant, now)):
        return outbox.Skipped()
    person = ctx.people.get(row.user_id, patient=True)
    text, blocks = build_question(person.lang, ASKED_BY[row.kind], row.id)
    ctx.slack.post_dm(row.user_id, text, blocks)
    return outbox.Sent()


def send_nudge(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """The nudge to a pair that stopped meeting, with its next date and the move button;
    not when a session was reported held meanwhile or the pair ended."""
    since = datetime.fromisoformat(str((row.args or {}).get("since", "")) or now.isoformat())
    with ctx.db.transaction(write=False) as session:
        pair = session.get(Pair, row.pair_id) if row.pair_id else None
        if pair is None or pair.id is None or pair.status != PairStatus.ACTIVE.value:
            return outbox.Skipped()
        held = _last_held(session, [pair.id]).get(pair.id)
        upcoming = session.exec(
            select(MentoringSession)
            .where(MentoringSession.pair_id == pair.id)
            .where(MentoringSession.status == SessionStatus.SCHEDULED.value)
            .where(col(MentoringSession.starts_at) > now)
            .order_by(col(MentoringSession.starts_at))
        ).first()
        participant = queries.participant_of(session, row.user_id or "")
    if row.user_id not in (pair.mentor_id, pair.mentee_id) or (held and held > since):
        return outbox.Skipped()
    if away_at(participant, now) or now - row.due_at > moments.STALE:
        return outbox.Skipped()
    person = ctx.people.get(row.user_id or "", patient=True)
    when = fmt_datetime(upcoming.starts_at, person.lang, person.tz) if upcoming else None
    text, blocks = build_nudge(person.lang, when, upcoming.id if upcoming else None)
    ctx.slack.post_dm(row.user_id or "", text, blocks)
    return outbox.Sent()


KINDS = (
    *(outbox.Kind.per_row(kind, send_question) for kind in sorted(ASKED_BY)),
    outbox.Kind.per_row("lapse_nudge", send_nudge),
)
