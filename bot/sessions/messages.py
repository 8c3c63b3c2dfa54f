"""What a session owes its people, sent through the outbox: the reminder with its agenda
before it, the reflection prompt after it, and the goal check-in. A batch's recipients
are looked up, and the agendas of its reminders chosen, together (:func:`prepare`); each
sender then decides from the state at send time."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

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


@dataclass(frozen=True)
class SessionBatch:
    """What :func:`prepare` found for a batch: its recipients, by user id."""

    people: dict[str, Person]


def prepare(ctx: Context, rows: list[Notification], now: datetime) -> SessionBatch:
    """Look up a batch's recipients at once, and choose in one transaction the agenda of
    every session a reminder in the batch is about that has none yet."""
    reminded = {row.session_id for row in rows if row.kind == "reminder" and row.session_id}
    if reminded:
        undecided = _load(ctx, reminded)
        if undecided:
            _choose_agendas(ctx, undecided)
    recipients = {row.user_id for row in rows if row.user_id}
    return SessionBatch(ctx.people.get_many(recipients, patient=True))


def _load(ctx: Context, session_ids: set[int]) -> list[Loaded]:
    """The sessions among ``session_ids`` without an agenda, with their pairs and people
    (three queries)."""
    with ctx.db.transaction(write=False) as session:
        meetings = list(
            session.exec(
                select(MentoringSession)
                .where(col(MentoringSession.id).in_(session_ids))
                .where(col(MentoringSession.agenda_kind).is_(None))
            )
        )
        pair_ids = {meeting.pair_id for meeting in meetings}
        pairs = {p.id: p for p in session.exec(select(Pair).where(col(Pair.id).in_(pair_ids)))}
        users = {u for p in pairs.values() for u in (p.mentor_id, p.mentee_id) if u}
        people = {
            p.user_id: p
            for p in session.exec(select(Participant).where(col(Participant.user_id).in_(users)))
        }
    loaded = []
    for meeting in meetings:
        pair = pairs.get(meeting.pair_id)
        mentor = people.get(pair.mentor_id or "") if pair else None
        mentee = people.get(pair.mentee_id or "") if pair else None
        if pair is not None and mentor is not None and mentee is not None:
            loaded.append((meeting, pair, mentor, mentee))
    return loaded


def _choose_agendas(ctx: Context, items: list[Loaded]) -> dict[int, agenda.AgendaItem]:
    """Choose the agenda of sessions that have none, in one transaction; the first choice
    stored decides (another dispatcher may have stored one first). Returns the stored
    agenda of each session that has one now."""
    with ctx.db.transaction() as session:
        goals: dict[str, list[str]] = defaultdict(list)
        for goal in session.exec(
            select(Goal)
            .where(col(Goal.user_id).in_({mentee.user_id for _, _, _, mentee in items}))
            .where(col(Goal.done).is_(False))
            .order_by(col(Goal.id))
        ):
            goals[goal.user_id].append(str(goal.id))
        history = _agenda_history(session, {pair.id or 0 for _, pair, _, _ in items})
        for meeting, pair, mentor, mentee in sorted(items, key=lambda i: i[0].number):
            used = [past for number, past in history[pair.id or 0] if number < meeting.number]
            shared = [topic for topic in mentee.topics if topic in set(mentor.topics)]
            item = agenda.next_item(goals=goals[mentee.user_id], topics=shared, used=used)
            if item is None or meeting.id is None:
                continue
            history[pair.id or 0].append((meeting.number, item))
            history[pair.id or 0].sort(key=lambda entry: entry[0])
            session.execute(
                update(MentoringSession)
                .where(col(MentoringSession.id) == meeting.id)
                .where(col(MentoringSession.agenda_kind).is_(None))
                .values(agenda_kind=item.kind, agenda_ref=item.ref)
            )
        stored = session.exec(
            select(
                MentoringSession.id, MentoringSession.agenda_kind, MentoringSession.agenda_ref
            ).where(col(MentoringSession.id).in_([meeting.id for meeting, _, _, _ in items]))
        ).all()
    return {
        meeting_id: agenda.AgendaItem(kind, ref or "")
        for meeting_id, kind, ref in stored
        if meeting_id is not None and kind
    }


def _agenda_history(
    session: Session, pair_ids: set[int]
) -> dict[int, list[tuple[int, agenda.AgendaItem]]]:
    """The agenda items of the pairs' scheduled sessions, by pair, in session order."""
    history: dict[int, list[tuple[int, agenda.AgendaItem]]] = defaultdict(list)
    for earlier in session.exec(
        select(MentoringSession)
        .where(col(MentoringSession.pair_id).in_(pair_ids))
        .where(MentoringSession.status == SessionStatus.SCHEDULED.value)
        .where(col(MentoringSession.agenda_kind).in_(agenda.KINDS))
        .order_by(col(MentoringSession.number))
    ):
        before = agenda.AgendaItem(earlier.agenda_kind or "", earlier.agenda_ref or "")
        history[earlier.pair_id].append((earlier.number, before))
    return history


def _agenda(ctx: Context, loaded: Loaded) -> agenda.AgendaItem | None:
    """The session's agenda item, chosen once (by :func:`prepare`, or now if the session
    got none there)."""
    meeting = loaded[0]
    if meeting.agenda_kind:
        return agenda.AgendaItem(meeting.agenda_kind, meeting.agenda_ref or "")
    return _choose_agendas(ctx, [loaded]).get(meeting.id or 0)


def _still_due(ctx: Context, row: Notification) -> Loaded | None:
    """The session, pair and people, when a message about the session still applies: the
    session is on, the pair active, and neither person left or paused at its time.

    Decided from the state at send time, not from what the batch loaded when it began
    (a pause or a leave during a slow batch stops what is still to be sent).
    """
    if row.user_id is None or row.session_id is None:
        return None
    with ctx.db.transaction(write=False) as session:
        still = session.exec(select(Notification.status).where(Notification.id == row.id)).first()
        meeting = session.get(MentoringSession, row.session_id)
        pair = session.get(Pair, meeting.pair_id) if meeting else None
        mentor = mentee = None
        if pair is not None and pair.mentor_id and pair.mentee_id:
            mentor = queries.participant_of(session, pair.mentor_id)
            mentee = queries.participant_of(session, pair.mentee_id)
    if still != NotificationStatus.PENDING.value:  # cancelled by a move, skip or pause
        return None
    if meeting is None or pair is None or mentor is None or mentee is None:
        return None
    if meeting.status != SessionStatus.SCHEDULED.value or pair.status != PairStatus.ACTIVE.value:
        return None
    if away_at(mentor, meeting.starts_at) or away_at(mentee, meeting.starts_at):
        return None
    return meeting, pair, mentor, mentee


def still_wanted(ctx: Context, row: Notification) -> bool:
    """Whether a session's message still applies after its send waited on rate limits."""
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


def send_reminder(
    ctx: Context, row: Notification, now: datetime, batch: SessionBatch
) -> outbox.Outcome:
    """24 hours before: the time in the recipient's zone, the agenda, prompts, skip."""
    loaded = _still_due(ctx, row)
    if loaded is None or row.user_id is None:
        return outbox.Skipped()
    meeting, pair, mentor, mentee = loaded
    if now >= meeting.starts_at:
        return outbox.Skipped(NotificationStatus.MISSED.value)
    item = _agenda(ctx, loaded)
    person = batch.people[row.user_id]
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
        pair_id=pair.id or 0,
        meeting_link=pair.meeting_link,
    )
    ctx.slack.post_dm(row.user_id, text, blocks)
    return outbox.Sent()


def _prompt_due(
    ctx: Context, row: Notification, now: datetime
) -> tuple[Loaded, str] | outbox.Skipped:
    """A prompt after a session: what it is about and its recipient, or why it is not
    sent."""
    loaded = _still_due(ctx, row)
    if loaded is None or row.user_id is None:
        return outbox.Skipped()
    if _stale_prompt(ctx, row, now):
        return outbox.Skipped(NotificationStatus.MISSED.value)
    return loaded, row.user_id


def send_reflection_prompt(
    ctx: Context, row: Notification, now: datetime, batch: SessionBatch
) -> outbox.Outcome:
    """One hour after the end: privately, the button that opens the reflection modal."""
    due = _prompt_due(ctx, row, now)
    if isinstance(due, outbox.Skipped):
        return due
    (meeting, *_), user_id = due
    text, blocks = build_reflection_prompt(batch.people[user_id].lang, meeting.id or 0)
    ctx.slack.post_dm(user_id, text, blocks)
    return outbox.Sent()


def send_checkin(
    ctx: Context, row: Notification, now: datetime, batch: SessionBatch
) -> outbox.Outcome:
    """Every third session: the mentee's private goal check-in (when they have goals)."""
    due = _prompt_due(ctx, row, now)
    if isinstance(due, outbox.Skipped):
        return due
    _, user_id = due
    with ctx.db.transaction(write=False) as session:
        has_goals = (
            session.exec(
                select(Goal.id).where(Goal.user_id == user_id).where(col(Goal.done).is_(False))
            ).first()
            is not None
        )
    if not has_goals:
        return outbox.Skipped()
    text, blocks = build_checkin_prompt(batch.people[user_id].lang)
    ctx.slack.post_dm(user_id, text, blocks)
    return outbox.Sent()


REMINDER = outbox.Kind("reminder", prepare, send_reminder, still_wanted)
REFLECT = outbox.Kind("reflect", prepare, send_reflection_prompt, still_wanted)
CHECKIN = outbox.Kind("checkin", prepare, send_checkin, still_wanted)
KINDS = (REMINDER, REFLECT, CHECKIN)
