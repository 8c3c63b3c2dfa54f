"""Whole programs on a simulated clock, with random zones, dates and events (Hypothesis).

Each example enrolls a few pairs in random zones (southern DST and half-hour offsets
among them), starts on a random day of 2026-2030, and then lets weeks pass in random
steps: the scheduler's passes (sometimes two dispatchers at once), outages of several
days, pauses, resumes, moves (also back and forth), skips and leaves. Afterwards it
checks what the people received and what the database says.

``MENTOR_YEAR_EXAMPLES=200 pytest tests/test_year.py`` runs a longer profile by hand.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.core.context import Context
from bot.delivery import leases, outbox
from bot.enrollment import service as enrollment
from bot.matching import consent as pairing
from bot.sessions import countries, schedule
from bot.sessions import planning as sessions
from bot.slack import ids
from storage import queries
from storage.db import Database, make_engine
from storage.models import Cohort, MentoringSession, Notification, Pair
from tests.harness import Bot, make_pair, running_bot

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/St_Johns",
    "Europe/London",
]
EXAMPLES = int(os.environ.get("MENTOR_YEAR_EXAMPLES", "12"))

event = st.one_of(
    st.tuples(st.just("tick"), st.integers(1, 30)),  # hours to the next scheduler pass
    st.tuples(st.just("outage"), st.integers(2, 9)),  # days without any pass
    st.tuples(st.just("twin"), st.integers(1, 12)),  # two dispatchers at once
    st.tuples(st.just("pause"), st.integers(0, 4)),  # weeks; 0 = until resume
    st.tuples(st.just("resume"), st.integers(0, 0)),
    st.tuples(st.just("move"), st.integers(-30, 60)),  # hours, the next session
    st.tuples(st.just("skip"), st.integers(0, 0)),
    st.tuples(st.just("leave"), st.integers(0, 0)),
    st.tuples(st.just("rejoin"), st.integers(0, 0)),  # and a matching round
    st.tuples(st.just("restart"), st.integers(0, 180)),  # seconds until the new process
)
# Kinds whose message goes to the pair's group DM, which the bot never reads back: after
# a crash such a message may come twice (rather than never).
GROUP_KINDS = {"intro", "pair_active"}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Shrinking a whole program is slow; the longer profile by hand shrinks.
    phases=tuple(Phase) if EXAMPLES > 12 else (Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=4),
    start=st.dates(date(2026, 1, 1), date(2030, 10, 1)),
    cadence=st.sampled_from(["weekly", "biweekly", "monthly"]),
    events=st.lists(st.tuples(st.integers(0, 3), event), min_size=10, max_size=40),
)
def test_a_program_runs_through_whatever_time_brings(
    zones: list[str],
    start: date,
    cadence: str,
    events: list[tuple[int, tuple[str, int]]],
    caplog: pytest.LogCaptureFixture,
    _sqlite_template: Path,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(_sqlite_template, f"{folder}/year.db")  # migrated once per process
        database = Database(make_engine(f"sqlite:///{folder}/year.db"))
        try:
            _run(database, zones, start, cadence, events, caplog)
        finally:
            database.dispose()


def _run(
    database: Database,
    zones: list[str],
    start: date,
    cadence: str,
    events: list[tuple[int, tuple[str, int]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.clear()
    with running_bot(database) as bot, caplog.at_level(logging.WARNING):
        bot.clock.now = datetime.combine(start, time(8), tzinfo=UTC)
        people: list[tuple[str, str]] = []
        for n, tz in enumerate(zones):
            mentor, mentee = f"UM{n}", f"UE{n}"
            for user, role in ((mentor, "mentor"), (mentee, "mentee")):
                bot.fake.add_user(user, name=user.lower(), tz=tz, locale="en-US")
                bot.ctx.people.get(user, patient=True)
                _join(bot, user, role)
            people.append((mentor, mentee))
        with bot.ctx.db.transaction() as session:
            for cohort in session.exec(select(Cohort)):
                cohort.cadence = cadence
                session.add(cohort)
        for mentor, mentee in people:
            make_pair(bot, mentor, mentee)
        pauses: dict[str, list[list[datetime | None]]] = {}
        _pass(bot)
        _check(bot, pauses, caplog, passed=True)
        for who, (kind, amount) in events:
            # What the last step set off in the background (the outbox kicked by a
            # change) finishes before time moves on, as it would in that much real time.
            assert bot.ctx.background.wait_idle()
            mentor, mentee = people[who % len(people)]
            passed = kind in ("tick", "twin", "restart")
            if kind == "tick":
                bot.clock.advance(hours=amount)
                _pass(bot)
            elif kind == "outage":
                bot.clock.advance(days=amount)
            elif kind == "twin":
                bot.clock.advance(hours=amount)
                twins = [threading.Thread(target=_pass, args=(bot,)) for _ in range(2)]
                for thread in twins:
                    thread.start()
                for thread in twins:
                    thread.join()
            elif kind == "restart":
                _crash_and_restart(bot, amount)
            elif kind == "pause":
                if enrollment.pause(bot.ctx, mentee, amount or None).outcome == "paused":
                    now = bot.clock.now
                    _end_pause(pauses, mentee, now)
                    until = now + timedelta(weeks=amount) if amount else None
                    pauses.setdefault(mentee, []).append([now, until])
            elif kind == "resume":
                if enrollment.resume(bot.ctx, mentee) == "resumed":
                    _end_pause(pauses, mentee, bot.clock.now)
            elif kind in ("move", "skip"):
                pair_id = _open_pair(bot, mentee) or _open_pair(bot, mentor)
                upcoming = [
                    s
                    for s in (_sessions(bot, pair_id) if pair_id else [])
                    if s.status == "scheduled" and s.starts_at > bot.clock.now
                ]
                if upcoming:
                    target = upcoming[0]
                    if kind == "skip":
                        sessions.skip(bot.ctx, target.id or 0, mentor)
                    else:
                        # refused with a message (as a person would see) when out of bounds
                        with contextlib.suppress(sessions.MoveError):
                            sessions.move(
                                bot.ctx,
                                target.id or 0,
                                mentor,
                                target.starts_at + timedelta(hours=amount),
                            )
            elif kind == "leave":
                enrollment.leave(bot.ctx, mentor)
                _end_pause(pauses, mentor, bot.clock.now)
            elif kind == "rejoin":
                _rejoin(bot, [mentor, mentee], pauses)
            _check(bot, pauses, caplog, passed=passed)
        assert bot.ctx.background.wait_idle()
        bot.clock.advance(hours=1)  # the bot is up again: one more pass
        _pass(bot)
        bot.ctx.background.wait_idle()
        _check(bot, pauses, caplog, passed=True)


def _join(bot: Bot, user: str, role: str) -> None:
    enrollment.enroll(
        bot.ctx, user, enrollment.JoinForm(role=role, topics=["genai"], department=None)
    )


def _end_pause(pauses: dict[str, list[list[datetime | None]]], user: str, now: datetime) -> None:
    for window in pauses.get(user, []):
        if window[1] is None or window[1] > now:
            window[1] = now


def _open_pair(bot: Bot, user: str) -> int | None:
    with bot.ctx.db.transaction(write=False) as session:
        pair = queries.open_pair_of(session, user)
        return pair.id if pair is not None and pair.status == "active" else None


def _rejoin(bot: Bot, users: list[str], pauses: dict[str, list[list[datetime | None]]]) -> None:
    """Whoever of ``users`` left joins again; a matching round; everyone proposed says yes."""
    for user, role in zip(users, ("mentor", "mentee"), strict=True):
        with bot.ctx.db.transaction(write=False) as session:
            participant = queries.participant_of(session, user)
            left = participant is None or participant.status == "left"
        if left:
            _join(bot, user, role)
    for cohort in pairing.cohorts_to_match(bot.ctx, None):
        pairing.match_cohort(bot.ctx, cohort)
    with bot.ctx.db.transaction(write=False) as session:
        proposed = list(session.exec(select(Pair).where(Pair.status == "proposed")))
    for pair in proposed:
        for person in (pair.mentor_id, pair.mentee_id):
            pairing.answer(bot.ctx, pair.id or 0, person or "", accept=True)


def _crash_and_restart(bot: Bot, seconds: int) -> None:
    """A dispatcher dies in the middle of a batch, and a new process takes over.

    It had leased the due rows, and (for odd ``seconds``) the first row's message reached
    Slack before it could write the outcome. The new process starts ``seconds`` later.
    """
    old = bot.ctx
    rows, _token = leases.claim_batch(old, bot.clock.now)
    if rows and seconds % 2 and rows[0].kind not in GROUP_KINDS:
        row = rows[0]
        with old.slack.tagged(leases.reference(row)), contextlib.suppress(Exception):
            kind = outbox.of(old).kinds[row.kind]
            kind.send(old, row, bot.clock.now, kind.prepare(old, [row], bot.clock.now))
        hypothesis.event("a dispatcher died after Slack had a message")
    bot.ctx = Context.create(old.settings, outbox=old.outbox, db=old.db, clock=bot.clock)
    bot.clock.advance(seconds=seconds)
    _pass(bot)


def _pass(bot: Bot) -> None:
    """What the scheduler (or ``mentor-bot dispatch``) does once."""
    sessions.plan(bot.ctx)
    outbox.dispatch(bot.ctx)


def _sessions(bot: Bot, pair_id: int) -> list[MentoringSession]:
    with bot.ctx.db.transaction(write=False) as session:
        return list(
            session.exec(
                select(MentoringSession)
                .where(MentoringSession.pair_id == pair_id)
                .order_by(col(MentoringSession.number))
            )
        )


def _check(
    bot: Bot,
    pauses: dict[str, list[list[datetime | None]]],
    caplog: pytest.LogCaptureFixture,
    *,
    passed: bool,
) -> None:
    """What must hold after every step; ``passed``: the step ended with a dispatch pass."""
    ctx, fake, now = bot.ctx, bot.fake, bot.clock.now
    assert "Traceback" not in caplog.text
    assert "planning pair" not in caplog.text
    with ctx.db.transaction(write=False) as session:
        rows = list(session.exec(select(Notification)))
        pair_rows = {p.id: p for p in session.exec(select(Pair))}
    if passed:  # a pass sends everything due that no (dead) dispatcher still holds
        stuck = [
            row
            for row in rows
            if row.status == "pending"
            and row.due_at <= now
            and (row.claimed_until is None or row.claimed_until <= now)
        ]
        assert not stuck, stuck
    by_session: dict[int, list[Notification]] = {}
    for row in rows:
        if row.session_id is not None and row.kind in sessions.SESSION_KINDS:
            by_session.setdefault(row.session_id, []).append(row)
    for pair_id, pair in pair_rows.items():
        planned = _sessions(bot, pair_id or 0)
        if pair.status == "active":  # every active pair is planned
            assert planned
        slot = (
            schedule.Slot(pair.slot_weekday, time.fromisoformat(pair.slot_time), pair.slot_tz)
            if pair.slot_time and pair.slot_weekday is not None and pair.slot_tz
            else None
        )
        country = countries.country_of(pair.slot_tz)
        members = [u for u in (pair.mentor_id, pair.mentee_id) if u]
        for meeting in planned:
            assert slot is not None and meeting.series_date
            if meeting.sequence == 0:  # never moved: the slot's wall clock, never a holiday
                local = meeting.starts_at.astimezone(schedule.zone(slot.tz))
                expected = schedule.local_start(local.date(), slot.local_time, slot.tz)
                assert meeting.starts_at == expected
                assert not countries.is_public_holiday(local.date(), country)
                series_day = date.fromisoformat(meeting.series_date)
                assert schedule.on_weekday(local.date(), slot.weekday) == series_day
            if meeting.status == "scheduled":  # no session while either person is paused
                for user in members:
                    for begun, until in pauses.get(user, []):
                        assert not (
                            begun is not None
                            and begun < meeting.starts_at
                            and (until is None or meeting.starts_at < until)
                        ), (user, meeting, begun, until)
            notes = by_session.get(meeting.id or 0, [])
            for user in members:
                mine = [n for n in notes if n.user_id == user]
                sent_reminders = [n for n in mine if n.kind == "reminder" and n.status == "sent"]
                assert len(sent_reminders) <= 1 + meeting.sequence
                for n in sent_reminders:  # before the start, at the time it was for
                    assert (
                        n.sent_at is not None
                        and n.sent_at < meeting.starts_at
                        or (meeting.sequence > 0)
                    )
                prompts = [n for n in mine if n.kind == "reflect" and n.status == "sent"]
                assert len(prompts) <= 1
                if (
                    passed
                    and meeting.status == "scheduled"
                    and pair.status == "active"
                    and meeting.starts_at < now - timedelta(hours=1)
                ):  # its time passed: the latest reminder was sent, missed, or not owed
                    latest = [n for n in mine if n.kind == "reminder"]
                    assert all(
                        n.status != "pending" or (n.claimed_until or now) > now for n in latest
                    ), latest
            if pair.ended_at is not None:
                for n in notes:
                    if n.status == "sent" and n.sent_at is not None:
                        assert n.sent_at <= pair.ended_at
    # What the people received: at most one reflection prompt per person and session, and
    # no message in a person's DM twice (each carries its outbox row's reference).
    for user in {u for p in pair_rows.values() for u in (p.mentor_id, p.mentee_id) if u}:
        opened = Counter(
            str(m.blocks) for m in fake.messages_for(user) if ids.REFLECT_OPEN in m.action_ids()
        )
        assert all(count == 1 for count in opened.values()), user
    tags = Counter(
        (m.channel, json.dumps(m.params["metadata"], sort_keys=True))
        for m in fake.messages()
        if m.channel.startswith("D") and isinstance(m.params.get("metadata"), dict)
    )
    assert [tag for tag, count in tags.items() if count > 1] == []
