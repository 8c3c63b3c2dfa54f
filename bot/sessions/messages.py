"""What a session owes its people, sent through the outbox: the reminder with its agenda
before it, the reflection prompt after it, and the goal check-in; a batch's sessions,
pairs and people are loaded together (:func:`_preload`)."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from bot.core.context import Context
from bot.core.i18n import fmt_datetime, t
from bot.core.people import Person
from bot.delivery import outbox
from bot.sessions import agenda
from bot.sessions.planning import PROMPT_LATE, away_at
from bot.sessions.topics import BY_KEY
from bot.sessions.views import build_checkin_prompt, build_reflection_prompt, build_reminder
from bot.slack.text import escape
from storage import queries
from storage.models import (
    Goal,
    MentoringSession,
    Notification,
    NotificationStatus,
    Pair,
    PairStatus,
    Participant,
    SessionStatus,
)

logger = logging.getLogger(__name__)


Loaded = tuple[MentoringSession, Pair, Participant, Participant]


# What :func:`_preload` loaded for the batch this thread is sending (session id -> ...).
_batch = threading.local()


def _forget_batch() -> None:
    _batch.loaded = {}
    _batch.people = {}


@outbox.preparer("reminder", "reflect", "checkin")
def _preload(ctx: Context, rows: list[Notification], now: datetime) -> Callable[[], None]:
    """Load a batch's sessions, pairs and people in three queries, and choose the agenda
    of every session a reminder in the batch is about in one transaction."""
    _forget_batch()
    wanted = {row.session_id for row in rows if row.session_id is not None}
    loaded: dict[int, Loaded] = {}
    with ctx.db.transaction(write=False) as session:
        meetings = list(
            session.exec(select(MentoringSession).where(col(MentoringSession.id).in_(wanted)))
        )
        pair_ids = {meeting.pair_id for meeting in meetings}
        pairs = {p.id: p for p in session.exec(select(Pair).where(col(Pair.id).in_(pair_ids)))}
        users = {u for p in pairs.values() for u in (p.mentor_id, p.mentee_id) if u}
        people = {
            p.user_id: p
            for p in session.exec(select(Participant).where(col(Participant.user_id).in_(users)))
        }
    for meeting in meetings:
        pair = pairs.get(meeting.pair_id)
        if pair is None or meeting.id is None:
            continue
        mentor = people.get(pair.mentor_id or "")
        mentee = people.get(pair.mentee_id or "")
        if mentor is not None and mentee is not None:
            loaded[meeting.id] = (meeting, pair, mentor, mentee)
    undecided = {
        row.session_id: loaded[row.session_id]
        for row in rows
        if row.kind == "reminder"
        and row.session_id in loaded
        and not loaded[row.session_id][0].agenda_kind
    }
    if undecided:
        _choose_agendas(ctx, list(undecided.values()))
    recipients = {row.user_id for row in rows if row.user_id}
    _batch.people = ctx.people.get_many(recipients, patient=True)
    _batch.loaded = loaded
    return _forget_batch


def _recipient(ctx: Context, user_id: str) -> Person:
    """The recipient as :func:`_preload` found them, else looked up now."""
    known: dict[str, Person] = getattr(_batch, "people", {})
    return known.get(user_id) or ctx.people.get(user_id, patient=True)


def _choose_agendas(ctx: Context, items: list[Loaded]) -> None:
    """:func:`_agenda` for many sessions at once; stores each choice on its session."""
    chosen: dict[int, agenda.AgendaItem] = {}
    with ctx.db.transaction() as session:
        goals: dict[str, list[str]] = defaultdict(list)
        for goal in session.exec(
            select(Goal)
            .where(col(Goal.user_id).in_({mentee.user_id for _, _, _, mentee in items}))
            .where(col(Goal.done).is_(False))
            .order_by(col(Goal.id))
        ):
            goals[goal.user_id].append(str(goal.id))
        history: dict[int, list[tuple[int, int, agenda.AgendaItem]]] = defaultdict(list)
        for earlier in session.exec(
            select(MentoringSession)
            .where(col(MentoringSession.pair_id).in_({pair.id for _, pair, _, _ in items}))
            .where(MentoringSession.status == SessionStatus.SCHEDULED.value)
            .where(col(MentoringSession.agenda_kind).in_(agenda.KINDS))
            .order_by(col(MentoringSession.number))
        ):
            before = agenda.AgendaItem(earlier.agenda_kind or "", earlier.agenda_ref or "")
            history[earlier.pair_id].append((earlier.number, earlier.id or 0, before))
        for meeting, pair, mentor, mentee in sorted(items, key=lambda i: i[0].number):
            used = [past for number, _, past in history[pair.id or 0] if number < meeting.number]
            shared = [topic for topic in mentee.topics if topic in set(mentor.topics)]
            item = agenda.next_item(goals=goals[mentee.user_id], topics=shared, used=used)
            if item is None or meeting.id is None:
                continue
            chosen[meeting.id] = item
            history[pair.id or 0].append((meeting.number, meeting.id, item))
            history[pair.id or 0].sort(key=lambda entry: entry[0])
            session.execute(
                update(MentoringSession)
                .where(col(MentoringSession.id) == meeting.id)
                .where(col(MentoringSession.agenda_kind).is_(None))
                .values(agenda_kind=item.kind, agenda_ref=item.ref)
            )
        # Another dispatcher may have stored a choice first: whatever is stored decides.
        stored = session.exec(
            select(
                MentoringSession.id, MentoringSession.agenda_kind, MentoringSession.agenda_ref
            ).where(col(MentoringSession.id).in_(list(chosen)))
        ).all()
    by_id = {meeting.id: meeting for meeting, _, _, _ in items}
    for meeting_id, kind, ref in stored:
        decided = by_id.get(meeting_id)
        if decided is not None and kind:
            decided.agenda_kind, decided.agenda_ref = kind, ref


def _load(ctx: Context, row: Notification) -> Loaded | None:
    preloaded: dict[int, Loaded] = getattr(_batch, "loaded", {})
    if row.session_id is not None and row.session_id in preloaded:
        return preloaded[row.session_id]
    with ctx.db.transaction(write=False) as session:
        meeting = session.get(MentoringSession, row.session_id) if row.session_id else None
        pair = session.get(Pair, meeting.pair_id) if meeting else None
        if meeting is None or pair is None or not pair.mentor_id or not pair.mentee_id:
            return None
        mentor = queries.participant_of(session, pair.mentor_id)
        mentee = queries.participant_of(session, pair.mentee_id)
        if mentor is None or mentee is None:
            return None
        return meeting, pair, mentor, mentee


def _still_due(
    ctx: Context, row: Notification
) -> tuple[MentoringSession, Pair, Participant, Participant] | None:
    """The session, pair and people, when a message about the session still applies: the
    session is on, the pair active, and neither person left or paused at its time.

    Decided from the state at send time, not from what the batch loaded when it began
    (a pause or a leave during a slow batch stops what is still to be sent).
    """
    loaded = _load(ctx, row)
    if loaded is None or row.user_id is None or row.session_id is None:
        return None
    meeting, pair, mentor, mentee = loaded
    with ctx.db.transaction(write=False) as session:
        still = session.exec(select(Notification.status).where(Notification.id == row.id)).first()
        now_meeting = session.get(MentoringSession, row.session_id)
        now_pair = session.get(Pair, meeting.pair_id)
        now_mentor = queries.participant_of(session, mentor.user_id)
        now_mentee = queries.participant_of(session, mentee.user_id)
    if still != NotificationStatus.PENDING.value:  # cancelled by a move, skip or pause
        return None
    if now_meeting is None or now_pair is None or now_mentor is None or now_mentee is None:
        return None
    if (
        now_meeting.status != SessionStatus.SCHEDULED.value
        or now_pair.status != PairStatus.ACTIVE.value
    ):
        return None
    if away_at(now_mentor, now_meeting.starts_at) or away_at(now_mentee, now_meeting.starts_at):
        return None
    if not now_meeting.agenda_kind and meeting.agenda_kind:  # chosen by this batch
        now_meeting.agenda_kind, now_meeting.agenda_ref = meeting.agenda_kind, meeting.agenda_ref
    return now_meeting, now_pair, now_mentor, now_mentee


@outbox.still_wanted("reminder", "reflect", "checkin")
def _still_wanted(ctx: Context, row: Notification) -> bool:
    return _still_due(ctx, row) is not None


def _stale_prompt(ctx: Context, row: Notification, now: datetime) -> bool:
    """Whether a prompt comes too late, or a newer one of the same kind for the same
    person and pair is due as well (after an outage only the newest is sent)."""
    if now - row.due_at > PROMPT_LATE:
        return True
    with ctx.db.transaction(write=False) as session:
        newer = session.exec(
            select(Notification.id)
            .where(Notification.kind == row.kind)
            .where(Notification.user_id == row.user_id)
            .where(Notification.pair_id == row.pair_id)
            .where(col(Notification.due_at) > row.due_at)
            .where(col(Notification.due_at) <= now)
            .where(
                col(Notification.status).in_(
                    [NotificationStatus.PENDING.value, NotificationStatus.SENT.value]
                )
            )
            .limit(1)
        ).first()
    return newer is not None


def _agenda(
    ctx: Context, meeting: MentoringSession, pair: Pair, mentor: Participant, mentee: Participant
) -> agenda.AgendaItem | None:
    """The session's agenda item, chosen once (the first reminder sent decides)."""
    if meeting.agenda_kind:
        return agenda.AgendaItem(meeting.agenda_kind, meeting.agenda_ref or "")
    with ctx.db.transaction() as session:
        goals = [
            str(g.id)
            for g in session.exec(
                select(Goal)
                .where(Goal.user_id == mentee.user_id)
                .where(col(Goal.done).is_(False))
                .order_by(col(Goal.id))
            )
        ]
        shared = [topic for topic in mentee.topics if topic in set(mentor.topics)]
        used = [
            agenda.AgendaItem(s.agenda_kind, s.agenda_ref or "")
            for s in session.exec(
                select(MentoringSession)
                .where(MentoringSession.pair_id == pair.id)
                .where(col(MentoringSession.number) < meeting.number)
                .where(MentoringSession.status == SessionStatus.SCHEDULED.value)
                .order_by(col(MentoringSession.number))
            )
            if s.agenda_kind in agenda.KINDS
        ]
        item = agenda.next_item(goals=goals, topics=shared, used=used)
        if item is None:
            return None
        session.execute(
            update(MentoringSession)
            .where(col(MentoringSession.id) == meeting.id)
            .where(col(MentoringSession.agenda_kind).is_(None))
            .values(agenda_kind=item.kind, agenda_ref=item.ref)
        )
        # Both reminders may get here at once; whichever stored first decided.
        kind, ref = session.exec(
            select(MentoringSession.agenda_kind, MentoringSession.agenda_ref).where(
                MentoringSession.id == meeting.id
            )
        ).one()
        return agenda.AgendaItem(kind, ref or "") if kind else item


def _agenda_line(
    ctx: Context, item: agenda.AgendaItem | None, lang: str, *, recipient: str, mentee_id: str
) -> str:
    if item is None:
        return t(lang, "reminder.agenda_open")
    if item.kind == "topic":
        topic = BY_KEY.get(item.ref)
        return t(lang, "reminder.agenda_topic", topic=topic.label(lang) if topic else item.ref)
    if recipient != mentee_id:  # a goal is the mentee's own text: the mentor sees no more
        return t(lang, "reminder.agenda_goal_partner", user=mentee_id)
    with ctx.db.transaction(write=False) as session:
        goal = session.get(Goal, int(item.ref)) if item.ref.isdigit() else None
    text = ctx.vault.decrypt(goal.text) if goal is not None else ""
    return t(lang, "reminder.agenda_goal_own", goal=escape(text))


@outbox.sender("reminder")
def send_reminder(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """24 hours before: the time in the recipient's zone, the agenda, prompts, skip."""
    loaded = _still_due(ctx, row)
    if loaded is None or row.user_id is None:
        return outbox.Skipped()
    meeting, pair, mentor, mentee = loaded
    if now >= meeting.starts_at:
        return outbox.Skipped(NotificationStatus.MISSED.value)
    item = _agenda(ctx, meeting, pair, mentor, mentee)
    person = _recipient(ctx, row.user_id)
    partner = mentee.user_id if row.user_id == mentor.user_id else mentor.user_id
    prompts = (
        agenda.prompts_for(item, person.lang, session_number=meeting.number, count=3)
        if item
        else []
    )
    text, blocks = build_reminder(
        person.lang,
        when=fmt_datetime(meeting.starts_at, person.lang, person.tz),
        minutes=meeting.minutes,
        partner=partner,
        agenda_line=_agenda_line(
            ctx, item, person.lang, recipient=row.user_id, mentee_id=mentee.user_id
        ),
        prompts=prompts,
        session_id=meeting.id or 0,
    )
    ctx.slack.post_dm(row.user_id, text, blocks)
    return outbox.Sent()


@outbox.sender("reflect")
def send_reflection_prompt(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """One hour after the end: privately, the button that opens the reflection modal."""
    loaded = _still_due(ctx, row)
    if loaded is None or row.user_id is None:
        return outbox.Skipped()
    if _stale_prompt(ctx, row, now):
        return outbox.Skipped(NotificationStatus.MISSED.value)
    meeting, pair, mentor, mentee = loaded
    person = _recipient(ctx, row.user_id)
    text, blocks = build_reflection_prompt(person.lang, meeting.id or 0)
    ctx.slack.post_dm(row.user_id, text, blocks)
    return outbox.Sent()


@outbox.sender("checkin")
def send_checkin(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """Every third session: the mentee's private goal check-in (when they have goals)."""
    loaded = _still_due(ctx, row)
    if loaded is None or row.user_id is None:
        return outbox.Skipped()
    if _stale_prompt(ctx, row, now):
        return outbox.Skipped(NotificationStatus.MISSED.value)
    meeting, pair, mentor, mentee = loaded
    with ctx.db.transaction(write=False) as session:
        has_goals = (
            session.exec(
                select(Goal.id).where(Goal.user_id == row.user_id).where(col(Goal.done).is_(False))
            ).first()
            is not None
        )
    if not has_goals:
        return outbox.Skipped()
    person = _recipient(ctx, row.user_id)
    text, blocks = build_checkin_prompt(person.lang)
    ctx.slack.post_dm(row.user_id, text, blocks)
    return outbox.Sent()
