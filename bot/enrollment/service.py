"""Enrollment and self-service: join, status, pause, resume, leave."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.calendar import feed
from bot.core.context import Context
from bot.delivery import notices, outbox
from bot.sessions import planning as sessions
from bot.sessions.topics import BY_KEY
from storage import queries
from storage.models import (
    Cohort,
    Pair,
    PairStatus,
    Participant,
    ParticipantStatus,
    Role,
)

DEPARTMENT_MAX = 80
TIME_WINDOWS = ("any", "morning", "midday", "afternoon")
WEEKDAYS = (0, 1, 2, 3, 4)
DEFAULT_COHORT = "general"
MAX_PAUSE_WEEKS = 52


class EnrollmentError(ValueError):
    """The join form has problems; ``errors`` maps field names to message keys."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class JoinForm:
    """What a person entered in the join modal, already parsed."""

    role: str | None
    topics: list[str]
    department: str | None
    cohort_id: int | None = None
    weekdays: list[int] = field(default_factory=list)
    time_window: str = "any"


@dataclass(frozen=True)
class JoinOptions:
    """What the join modal offers and pre-fills."""

    cohorts: list[Cohort]
    current: Participant | None


@dataclass(frozen=True)
class Enrolled:
    """The result of a join."""

    participant: Participant
    cohort: Cohort
    created: bool
    changed: bool = True


@dataclass(frozen=True)
class Status:
    """A person's own view of their enrollment."""

    participant: Participant
    cohort: Cohort
    state: str
    pair: Pair | None
    partner_id: str | None
    next_session: datetime | None = None


def join_options(ctx: Context, user_id: str) -> JoinOptions:
    """The open cohorts and the person's current enrollment, for the join modal."""
    with ctx.db.transaction(write=False) as session:
        return JoinOptions(
            cohorts=list(queries.open_cohorts(session)),
            current=queries.participant_of(session, user_id),
        )


def validate(form: JoinForm) -> None:
    """Check a join form.

    Raises:
        EnrollmentError: With a message key per field that is wrong.
    """
    errors: dict[str, str] = {}
    if form.role not in {Role.MENTOR.value, Role.MENTEE.value}:
        errors["role"] = "join.error.role"
    if not form.topics or any(topic not in BY_KEY for topic in form.topics):
        errors["topics"] = "join.error.topics"
    if form.department is not None and len(form.department) > DEPARTMENT_MAX:
        errors["department"] = "join.error.department"
    if errors:
        raise EnrollmentError(errors)


def enroll(ctx: Context, user_id: str, form: JoinForm) -> Enrolled:
    """Enroll a person, or update their enrollment (a second submission).

    The cohort is the one chosen; else the person's current one if still open; else the
    only open cohort; else a ``general`` cohort created on first use. Role and cohort
    cannot change while the person is in a proposed or active pair.

    Raises:
        EnrollmentError: The form is invalid, the chosen cohort is closed, or the person
            tries to change role or cohort while paired.
    """
    validate(form)
    for attempt in range(3):
        try:
            return _enroll(ctx, user_id, form)
        except IntegrityError:
            # Two submissions of one person, or two first joins creating the default
            # cohort, raced on PostgreSQL; the retry sees the winner's row.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _enroll(ctx: Context, user_id: str, form: JoinForm) -> Enrolled:
    now = ctx.clock()
    with ctx.db.transaction() as session:
        current = queries.participant_of(session, user_id)
        cohorts = list(queries.open_cohorts(session))
        cohort = _pick_cohort(cohorts, form.cohort_id, current)
        if cohort is None:
            if form.cohort_id is not None:
                raise EnrollmentError({"cohort": "join.error.cohort"})
            cohort = queries.cohort_named(session, DEFAULT_COHORT, now)
            if not cohort.is_open:  # its term ended, and no other cohort is open
                raise EnrollmentError({"role": "join.error.no_open_cohort"})
        created = current is None or current.status == ParticipantStatus.LEFT.value
        if current is not None and not created and queries.open_pair_of(session, user_id):
            if current.role != form.role:
                raise EnrollmentError({"role": "join.error.paired"})
            if current.cohort_id != cohort.id:
                raise EnrollmentError({"cohort": "join.error.paired"})
        participant = current or Participant(user_id=user_id, cohort_id=0, role="")
        before = _answers(participant)
        participant.cohort_id = cohort.id or 0
        participant.role = form.role or ""
        participant.topics = list(dict.fromkeys(form.topics))
        participant.department = form.department
        participant.weekdays = sorted(set(form.weekdays) & set(WEEKDAYS))
        participant.time_window = form.time_window if form.time_window in TIME_WINDOWS else "any"
        changed = created or _answers(participant) != before
        if created or participant.cohort_id != before[0]:
            participant.waiting_since = None  # a new pool: tell them again if they wait
        if created:
            participant.status = ParticipantStatus.ACTIVE.value
            participant.paused_until = None
            participant.joined_at = now
        if changed:
            participant.updated_at = now
            session.add(participant)
            session.flush()
            # The confirmation (and home tab) is owed with the change, once per change
            # (an unchanged resubmission owes nothing); see bot.welcome.
            outbox.enqueue(
                session,
                key=f"enrolled:{participant.id}:{uuid.uuid4().hex}",
                kind="enrolled",
                due_at=now,
                user_id=user_id,
                args={"created": created},
            )
        return Enrolled(participant=participant, cohort=cohort, created=created, changed=changed)


def _answers(participant: Participant) -> tuple[object, ...]:
    return (
        participant.cohort_id,
        participant.role,
        tuple(participant.topics),
        participant.department,
        tuple(participant.weekdays),
        participant.time_window,
    )


def _pick_cohort(
    cohorts: list[Cohort], chosen: int | None, current: Participant | None
) -> Cohort | None:
    by_id = {cohort.id: cohort for cohort in cohorts}
    if chosen is not None:
        return by_id.get(chosen)
    if current is not None and current.cohort_id in by_id:
        return by_id[current.cohort_id]
    return cohorts[0] if cohorts else None


def status(ctx: Context, user_id: str) -> Status | None:
    """The person's enrollment, cohort and partner; None when not enrolled."""
    now = ctx.clock()
    with ctx.db.transaction(write=False) as session:
        participant = queries.participant_of(session, user_id)
        if participant is None:
            return None
        cohort = session.get(Cohort, participant.cohort_id)
        assert cohort is not None  # a foreign key
        pair = queries.open_pair_of(session, user_id)
        upcoming = (
            queries.next_session(session, pair.id, now)
            if pair is not None and pair.id is not None and pair.status == "active"
            else None
        )
        return Status(
            participant=participant,
            cohort=cohort,
            state=queries.effective_status(participant, now),
            pair=pair,
            partner_id=queries.partner_id(pair, user_id) if pair else None,
            next_session=upcoming,
        )


@dataclass(frozen=True)
class PauseResult:
    """``outcome`` is ``paused``, ``not_enrolled`` or ``left``."""

    outcome: str
    until: datetime | None = None


def pause(ctx: Context, user_id: str, weeks: int | None) -> PauseResult:
    """Pause a participant for ``weeks`` weeks, or until they resume when None."""
    if weeks is not None and not 1 <= weeks <= MAX_PAUSE_WEEKS:
        raise ValueError(f"weeks must be from 1 to {MAX_PAUSE_WEEKS}")
    now = ctx.clock()
    with ctx.db.transaction() as session:
        participant = queries.participant_of(session, user_id)
        if participant is None:
            return PauseResult("not_enrolled")
        if participant.status == ParticipantStatus.LEFT.value:
            return PauseResult("left")
        participant.status = ParticipantStatus.PAUSED.value
        participant.paused_until = now + timedelta(weeks=weeks) if weeks else None
        participant.updated_at = now
        session.add(participant)
        session.flush()

        # No session takes place while paused: they are cancelled (so reports do not
        # count them held), and the rhythm resumes with the next slot after the pause.
        sessions.cancel_while_away(session, user_id, now, participant.paused_until)
        pair = queries.open_pair_of(session, user_id)
        if pair is not None and participant.paused_until is not None:
            sessions.plan_pair(session, pair, now)
        return PauseResult("paused", participant.paused_until)


def resume(ctx: Context, user_id: str) -> str:
    """End a pause; returns ``resumed``, ``not_paused``, ``left`` or ``not_enrolled``."""
    now = ctx.clock()
    with ctx.db.transaction() as session:
        participant = queries.participant_of(session, user_id)
        if participant is None:
            return "not_enrolled"
        state = queries.effective_status(participant, now)
        if state == ParticipantStatus.LEFT.value:
            return "left"
        was_paused = state == ParticipantStatus.PAUSED.value
        if not was_paused and participant.status == ParticipantStatus.ACTIVE.value:
            return "not_paused"  # nothing changes (a lapse keeps counting, bot.cycle)
        participant.status = ParticipantStatus.ACTIVE.value
        participant.paused_until = None
        participant.updated_at = now
        session.add(participant)
        session.flush()

        pair = queries.open_pair_of(session, user_id)
        if was_paused and pair is not None:
            sessions.plan_pair(session, pair, now)  # the rhythm resumes with the next slot
        return "resumed" if was_paused else "not_paused"


def leave(ctx: Context, user_id: str) -> str:
    """Leave the program; the partner (if any) is told the pair ended, without a reason.

    Returns:
        ``left`` (with a partner told), ``left_alone``, ``already`` or ``not_enrolled``.
    """
    now = ctx.clock()
    with ctx.db.transaction() as session:
        participant = queries.participant_of(session, user_id)
        if participant is None:
            return "not_enrolled"
        if participant.status == ParticipantStatus.LEFT.value:
            return "already"
        participant.status = ParticipantStatus.LEFT.value
        participant.paused_until = None
        participant.waiting_since = None
        participant.updated_at = now
        session.add(participant)
        partner = end_open_pair(session, user_id, now)
        ended = feed.end(session, user_id)
        if ended:  # their calendar link stops working
            notices.owe(
                session,
                key=f"calendar-ended:{user_id}:{now.isoformat()}",
                user_id=user_id,
                text="calendar.ended",
                now=now,
            )
    if partner or ended:
        outbox.kick(ctx)
    if partner:
        return "left"
    return "left_alone"


def rematch(ctx: Context, user_id: str) -> str:
    """``/mentor rematch``: end the person's pair without blame; both stay in the program
    and go back into the pool (a former pair is never proposed again), and the partner
    learns only that the pair ended and that a new match will come.

    Returns:
        ``rematched``, ``no_pair`` or ``not_enrolled``.
    """
    now = ctx.clock()
    with ctx.db.transaction() as session:
        participant = queries.participant_of(session, user_id)
        if participant is None or participant.status == ParticipantStatus.LEFT.value:
            return "not_enrolled"
        if queries.open_pair_of(session, user_id) is None:
            return "no_pair"
        partner = end_open_pair(session, user_id, now, reason="rematch")
    if partner is None:  # ended meanwhile (a double click, the partner's own request)
        return "no_pair"
    outbox.kick(ctx)
    return "rematched"


def end_pair(session: Session, pair: Pair, now: datetime, *, reason: str) -> bool:
    """End a proposed or active pair (``reason``: see ``Pair.end_reason``) with what that
    owes in the same unit of work: a proposal's intro loses its buttons; an active pair's
    sessions to come are cancelled, in both people's calendars too.

    Returns:
        Whether this call ended it (of two at once, exactly one does).
    """
    was_proposed = pair.status == PairStatus.PROPOSED.value
    if pair.id is None or not queries.end_pair(session, pair.id, now, reason=reason):
        return False
    if was_proposed:  # the intro's buttons must go
        outbox.enqueue(
            session, key=f"closed:{pair.id}", kind="pair_closed", due_at=now, pair_id=pair.id
        )
    else:
        sessions.owe_calendar_update(session, pair, f"ended:{pair.id}", now)
    return True


def end_open_pair(
    session: Session, user_id: str, now: datetime, *, reason: str = "left"
) -> str | None:
    """End the person's proposed or active pair (``reason``: see ``Pair.end_reason``); the
    partner learns only that it ended and that a new match will come.

    Returns:
        The partner's ID when this call ended the pair (so exactly one of two concurrent
        callers tells the partner), else None.
    """
    pair = queries.open_pair_of(session, user_id)
    if pair is None or not end_pair(session, pair, now, reason=reason):
        return None
    partner = queries.partner_id(pair, user_id)
    if partner:  # no reason, no name; owed in this unit of work
        notices.owe(
            session,
            key=f"ended:{pair.id}:{partner}",
            user_id=partner,
            text="pair.ended",
            now=now,
            pair_id=pair.id,
        )
    return partner
