"""Whole programs on a simulated clock, with random zones, dates and events (Hypothesis).

Each example enrolls a few pairs in random zones (southern DST and half-hour offsets
among them), starts on a random day of 2026-2030, and then lets weeks pass in random
steps: the scheduler's passes (sometimes two dispatchers at once), outages of several
days, pauses, resumes, moves (also back and forth), skips and leaves. Afterwards it
checks what the people received and what the database says.

``MENTOR_YEAR_EXAMPLES=200 pytest tests/test_year.py`` runs a longer profile by hand.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot import enrollment, ids, outbox, schedule, sessions
from storage.db import Database, make_engine
from storage.migrate import upgrade
from storage.models import MentoringSession, Notification, Pair
from tests.harness import make_pair, running_bot

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
)


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
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/year.db")
        upgrade(engine)
        database = Database(engine)
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
                enrollment.enroll(
                    bot.ctx,
                    user,
                    enrollment.JoinForm(role=role, topics=["genai"], department=None),
                )
            people.append((mentor, mentee))
        with bot.ctx.db.transaction() as session:
            from storage.models import Cohort

            for cohort in session.exec(select(Cohort)):
                cohort.cadence = cadence
                session.add(cohort)
        pairs = [make_pair(bot, mentor, mentee) for mentor, mentee in people]
        sessions.plan(bot.ctx)
        moved: Counter[int] = Counter()
        for who, (kind, amount) in events:
            mentor, mentee = people[who % len(people)]
            pair_id = pairs[who % len(people)]
            if kind == "tick":
                bot.clock.advance(hours=amount)
                sessions.plan(bot.ctx)
                outbox.dispatch(bot.ctx)
            elif kind == "outage":
                bot.clock.advance(days=amount)
            elif kind == "twin":
                bot.clock.advance(hours=amount)
                twins = [
                    threading.Thread(
                        target=lambda: (sessions.plan(bot.ctx), outbox.dispatch(bot.ctx))
                    )
                    for _ in range(2)
                ]
                for thread in twins:
                    thread.start()
                for thread in twins:
                    thread.join()
            elif kind == "pause":
                enrollment.pause(bot.ctx, mentee, amount or None)
            elif kind == "resume":
                enrollment.resume(bot.ctx, mentee)
            elif kind in ("move", "skip"):
                upcoming = [
                    s
                    for s in _sessions(bot, pair_id)
                    if s.status == "scheduled" and s.starts_at > bot.clock.now
                ]
                if upcoming:
                    target = upcoming[0]
                    if kind == "skip":
                        sessions.skip(bot.ctx, target.id or 0, mentor)
                    else:
                        try:
                            sessions.move(
                                bot.ctx,
                                target.id or 0,
                                mentor,
                                target.starts_at + timedelta(hours=amount),
                            )
                            moved[target.id or 0] += 1
                        except sessions.MoveError:
                            pass  # refused with a message, as a person would see
            elif kind == "leave":
                enrollment.leave(bot.ctx, mentor)
        bot.clock.advance(hours=1)  # the bot is up again: one more pass
        sessions.plan(bot.ctx)
        outbox.dispatch(bot.ctx)
        bot.ctx.background.wait_idle()
        _check(bot, pairs, caplog)


def _pass(bot: object) -> None:
    """What the scheduler (or ``mentor-bot dispatch``) does once."""
    sessions.plan(bot.ctx)  # type: ignore[attr-defined]
    outbox.dispatch(bot.ctx)  # type: ignore[attr-defined]


def _sessions(bot: object, pair_id: int) -> list[MentoringSession]:
    with bot.ctx.db.transaction(write=False) as session:  # type: ignore[attr-defined]
        return list(
            session.exec(
                select(MentoringSession)
                .where(MentoringSession.pair_id == pair_id)
                .order_by(col(MentoringSession.number))
            )
        )


def _check(bot: object, pairs: list[int], caplog: pytest.LogCaptureFixture) -> None:
    ctx = bot.ctx  # type: ignore[attr-defined]
    fake = bot.fake  # type: ignore[attr-defined]
    now = bot.clock.now  # type: ignore[attr-defined]
    assert "Traceback" not in caplog.text
    assert "planning pair" not in caplog.text
    with ctx.db.transaction(write=False) as session:
        rows = list(session.exec(select(Notification)))
        pair_rows = {p.id: p for p in session.exec(select(Pair))}
    by_session: dict[int, list[Notification]] = {}
    for row in rows:
        if row.session_id is not None and row.kind in sessions.SESSION_KINDS:
            by_session.setdefault(row.session_id, []).append(row)
    for pair_id in pairs:
        pair = pair_rows[pair_id]
        planned = _sessions(bot, pair_id)
        if pair.status == "active":  # every active pair is planned
            assert planned
        slot = (
            schedule.Slot(pair.slot_weekday, time.fromisoformat(pair.slot_time), pair.slot_tz)
            if pair.slot_time and pair.slot_weekday is not None and pair.slot_tz
            else None
        )
        country = schedule.country_of(pair.slot_tz)
        for meeting in planned:
            assert slot is not None and meeting.series_date
            if meeting.sequence == 0:  # never moved: the slot's wall clock, never a holiday
                local = meeting.starts_at.astimezone(schedule.zone(slot.tz))
                expected = schedule.local_start(local.date(), slot.local_time, slot.tz)
                assert meeting.starts_at == expected
                assert not schedule.is_public_holiday(local.date(), country)
                series_day = date.fromisoformat(meeting.series_date)
                assert schedule.on_weekday(local.date(), slot.weekday) == series_day
            notes = by_session.get(meeting.id or 0, [])
            for user in (pair.mentor_id, pair.mentee_id):
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
                    meeting.status == "scheduled"
                    and pair.status == "active"
                    and meeting.starts_at < now - timedelta(hours=1)
                ):  # its time passed: the latest reminder was sent, missed, or not owed
                    latest = [n for n in mine if n.kind == "reminder"]
                    assert all(n.status != "pending" for n in latest), latest
            if pair.ended_at is not None:
                for n in notes:
                    if n.status == "sent" and n.sent_at is not None:
                        assert n.sent_at <= pair.ended_at
    # What the people received: at most one reflection prompt per person and session.
    for user in {u for p in pair_rows.values() for u in (p.mentor_id, p.mentee_id) if u}:
        opened = Counter(
            str(m.blocks) for m in fake.messages_for(user) if ids.REFLECT_OPEN in m.action_ids()
        )
        assert all(count == 1 for count in opened.values()), user
