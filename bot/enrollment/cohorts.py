"""Cohorts: groups with their own pool, channel and cadence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from bot.core.context import Context
from bot.delivery import outbox
from bot.enrollment import service
from bot.sessions import schedule
from storage import queries
from storage.models import Cadence, Cohort, Pair, Participant

NAME = re.compile(r"^[\w-]{1,40}$")
CHANNEL_LINK = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


class CohortError(ValueError):
    """A cohort command was not understood; ``key`` names the message, ``arg`` the word."""

    def __init__(self, key: str, arg: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.arg = arg


@dataclass(frozen=True)
class CohortSpec:
    """A parsed ``/mentor admin cohort create`` command."""

    name: str
    channel_id: str | None
    cadence: str
    until: date | None = None


#: A term ends at most this long after it is set.
LONGEST_TERM = timedelta(days=3 * 366)


def parse_create(words: list[str], today: date) -> CohortSpec:
    """Parse ``NAME [#channel] [weekly|biweekly|monthly] [until YYYY-MM-DD]`` (in any order
    after the name).

    Raises:
        CohortError: With the message key ``cohort.usage``, ``cohort.bad_name``,
            ``cohort.bad_arg`` or ``cohort.bad_until``.
    """
    if not words:
        raise CohortError("cohort.usage")
    name, rest = words[0], words[1:]
    if not NAME.match(name) or len(queries.cohort_key(name)) > 40:
        raise CohortError("cohort.bad_name")
    channel_id: str | None = None
    cadence: str | None = None
    until: date | None = None
    words_left = iter(rest)
    for word in words_left:
        if word.lower() == "until" and until is None:
            until = _until(next(words_left, ""), today)
            continue
        link = CHANNEL_LINK.match(word)
        if link and channel_id is None:
            channel_id = link.group(1)
        elif CHANNEL_ID.match(word) and channel_id is None:
            channel_id = word
        elif word.lower() in {c.value for c in Cadence} and cadence is None:
            cadence = word.lower()
        else:
            raise CohortError("cohort.bad_arg", word)
    return CohortSpec(
        name=name, channel_id=channel_id, cadence=cadence or Cadence.BIWEEKLY.value, until=until
    )


@dataclass(frozen=True)
class CohortChange:
    """A parsed ``/mentor admin cohort edit``: what to change (None: leave as it is)."""

    name: str
    channel_id: str | None = None
    cadence: str | None = None
    until: date | None = None
    nudge_days: int | None = None
    close_days: int | None = None


def parse_edit(words: list[str], today: date) -> CohortChange:
    """Parse ``NAME [#channel] [weekly|biweekly|monthly] [until YYYY-MM-DD] [nudge DAYS]
    [close DAYS]`` (at least one change, in any order after the name).

    Raises:
        CohortError: ``cohort.edit_usage``, ``cohort.bad_arg``, ``cohort.bad_until`` or
            ``cohort.bad_days``.
    """
    if len(words) < 2:
        raise CohortError("cohort.edit_usage")
    spec = parse_create([words[0]], today)  # a valid name
    found: dict[str, object] = {}
    rest = iter(words[1:])
    for word in rest:
        lowered = word.lower()
        if lowered in ("nudge", "close") and lowered not in found:
            value = next(rest, "")
            if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= 365:
                raise CohortError("cohort.bad_days", f"{word} {value}".strip())
            found[lowered] = int(value)
        elif lowered == "until" and "until" not in found:
            found["until"] = _until(next(rest, ""), today)
        else:
            single = parse_create([spec.name, word], today)
            if single.channel_id and "channel" not in found:
                found["channel"] = single.channel_id
            elif word.lower() == single.cadence and "cadence" not in found:
                found["cadence"] = single.cadence
            else:
                raise CohortError("cohort.bad_arg", word)
    return CohortChange(
        name=spec.name,
        channel_id=found.get("channel"),  # type: ignore[arg-type]
        cadence=found.get("cadence"),  # type: ignore[arg-type]
        until=found.get("until"),  # type: ignore[arg-type]
        nudge_days=found.get("nudge"),  # type: ignore[arg-type]
        close_days=found.get("close"),  # type: ignore[arg-type]
    )


def change(ctx: Context, wanted: CohortChange) -> Cohort | str:
    """Apply ``wanted`` to the cohort of that name (a new cadence applies from each pair's
    next session still to be planned).

    Returns:
        The cohort as it is now, or the key of why not: ``cohort.unknown`` or
        ``cohort.bad_days`` (a pair must be nudged before it is closed).
    """
    with ctx.db.transaction() as session:
        cohort = queries.cohort_by_name(session, wanted.name)
        if cohort is None:
            return "cohort.unknown"
        nudge = wanted.nudge_days or cohort.nudge_days
        close = wanted.close_days or cohort.close_days
        if nudge >= close:
            return "cohort.bad_days"
        cohort.nudge_days, cohort.close_days = nudge, close
        if wanted.channel_id:
            cohort.channel_id = wanted.channel_id
        if wanted.cadence:
            cohort.cadence = wanted.cadence
        if wanted.until:
            cohort.term_end = wanted.until.isoformat()
        session.add(cohort)
        return cohort


def _until(word: str, today: date) -> date:
    """The term's last day: a date after today, within :data:`LONGEST_TERM`."""
    try:
        day = date.fromisoformat(word) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word) else None
    except ValueError:
        day = None
    if day is None or not today < day <= today + LONGEST_TERM:
        raise CohortError("cohort.bad_until", word)
    return day


def create(ctx: Context, spec: CohortSpec) -> Cohort | None:
    """Create a cohort (its term: until ``spec.until``, or six months); None when one with
    that name (any case) exists."""
    now = ctx.clock()
    today = now.date()
    with ctx.db.transaction() as session:
        return queries.add_cohort(
            session,
            Cohort(
                created_at=now,  # the term starts on the bot's clock (simulated in a demo)
                name=spec.name,
                name_key=queries.cohort_key(spec.name),
                channel_id=spec.channel_id,
                cadence=spec.cadence,
                term_end=(spec.until or queries.six_months_after(today)).isoformat(),
            ),
        )


@dataclass(frozen=True)
class Overview:
    """One line of ``/mentor admin cohort list``: the cohort and its counts (no names)."""

    cohort: Cohort
    participants: dict[str, int]
    pairs: dict[str, int]


def overview(ctx: Context) -> list[Overview]:
    """Every cohort with how many people are in each state and how many pairs in each."""
    with ctx.db.transaction(write=False) as session:
        found = list(session.exec(select(Cohort).order_by(col(Cohort.created_at))))
        people = session.execute(
            sa_select(col(Participant.cohort_id), col(Participant.status), func.count()).group_by(
                col(Participant.cohort_id), col(Participant.status)
            )
        ).all()
        pairs = session.execute(
            sa_select(col(Pair.cohort_id), col(Pair.status), func.count())
            .where(col(Pair.status).in_(["proposed", "active"]))
            .group_by(col(Pair.cohort_id), col(Pair.status))
        ).all()
    lines = []
    for cohort in found:
        lines.append(
            Overview(
                cohort,
                {status: n for cohort_id, status, n in people if cohort_id == cohort.id},
                {status: n for cohort_id, status, n in pairs if cohort_id == cohort.id},
            )
        )
    return lines


def find(ctx: Context, name: str) -> Cohort | None:
    """The cohort of that name (any case)."""
    with ctx.db.transaction(write=False) as session:
        return queries.cohort_by_name(session, name)


def close(ctx: Context, cohort_id: int, now: datetime | None = None) -> int | None:
    """End the cohort's term now (``admin cohort close``, or its last day passed): each
    open pair ends (``end_reason`` ``term``), its remaining sessions are cancelled and both
    people's calendars follow, and each person of an active pair is thanked and gets the
    closing survey (:mod:`bot.cycle`); the cohort
    takes no one new. Once: a closed cohort is not closed again.

    Returns:
        How many pairs ended; None when the cohort is unknown or closed already.
    """
    now = now or ctx.clock()
    with ctx.db.transaction() as session:
        cohort = session.exec(
            select(Cohort).where(Cohort.id == cohort_id).with_for_update()
        ).first()
        if cohort is None or not cohort.is_open:
            return None
        cohort.is_open = False
        if cohort.term_end is None or cohort.term_end > now.date().isoformat():
            cohort.term_end = now.date().isoformat()
        session.add(cohort)
        ended = 0
        for pair in session.exec(
            select(Pair)
            .where(Pair.cohort_id == cohort_id)
            .where(col(Pair.status).in_(["proposed", "active"]))
        ).all():
            was_active = pair.status == "active"
            if not service.end_pair(session, pair, now, reason="term"):
                continue
            ended += 1
            if not was_active:
                continue  # a proposal: nothing to thank for
            for person in (pair.mentor_id, pair.mentee_id):
                if person:  # thanks, with the closing survey's button (bot.cycle)
                    outbox.enqueue(
                        session,
                        key=f"closing-survey:{pair.id}:{person}",
                        kind="closing_survey",
                        due_at=_not_at_night(now, pair.slot_tz),
                        pair_id=pair.id,
                        user_id=person,
                    )
    outbox.kick(ctx)
    return ended


def _not_at_night(now: datetime, tz: str | None) -> datetime:
    """``now``, or 10:00 that day in ``tz`` when that is later (a term that ends by itself
    ends just after midnight UTC: its thanks come in the morning)."""
    if tz is None:
        return now
    return max(now, schedule.local_start(schedule.local_date(now, tz), time(10), tz))


def end_terms(ctx: Context, now: datetime | None = None) -> int:
    """Close every open cohort whose term's last day has passed (the scheduler's hourly
    pass, ``mentor-bot dispatch``); returns how many closed."""
    now = now or ctx.clock()
    today = now.date().isoformat()
    with ctx.db.transaction(write=False) as session:
        due = [
            c.id
            for c in session.exec(
                select(Cohort)
                .where(col(Cohort.is_open).is_(True))
                .where(col(Cohort.term_end) < today)
            )
            if c.id is not None
        ]
    return sum(1 for cohort_id in due if close(ctx, cohort_id, now) is not None)
