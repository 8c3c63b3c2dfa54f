"""Calendars over weeks of simulated time, with random zones, dates and events
(Hypothesis): whatever happens, every person's feed, read as a calendar application reads
it (icalendar + recurring_ical_events), shows exactly the sessions the bot holds, at the
instants its reminders announce, the same instant for both people of a pair.

Zones with daylight saving (Berlin, New York, Sydney), without it (Kolkata, at +5:30),
start dates over two years (so DST changes and public holidays fall inside), and events:
scheduler passes, moves, skips, pauses with and without an end, resumes, leaving and
``/mentor forget``.

``MENTOR_CALENDAR_EXAMPLES=100 pytest tests/test_calendar_time.py`` runs longer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import icalendar
import recurring_ical_events
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.calendar import feed
from bot.core.i18n import fmt_datetime
from bot.delivery import outbox
from bot.enrollment import privacy
from bot.enrollment import service as enrollment
from bot.journal import goals
from bot.sessions import planning as sessions
from bot.slack import ids
from storage.db import Database, make_engine
from storage.models import Cohort, MentoringSession, Notification, Pair
from tests.harness import Bot, make_pair, running_bot

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
EXAMPLES = int(os.environ.get("MENTOR_CALENDAR_EXAMPLES", "10"))
GOAL = "Secret goal text: learn to use TikTok without telling my board"

event = st.one_of(
    st.tuples(st.just("tick"), st.integers(1, 60)),  # hours to the next scheduler pass
    st.tuples(st.just("move"), st.integers(-30, 60)),  # hours, the next session
    st.tuples(st.just("skip"), st.integers(0, 0)),
    st.tuples(st.just("pause"), st.integers(0, 3)),  # weeks; 0 = until resume
    st.tuples(st.just("resume"), st.integers(0, 0)),
    st.tuples(st.just("leave"), st.integers(0, 0)),
    st.tuples(st.just("forget"), st.integers(0, 0)),  # the mentee's data deleted
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=tuple(Phase) if EXAMPLES > 10 else (Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=2),
    start=st.dates(date(2026, 1, 1), date(2027, 12, 1)),
    cadence=st.sampled_from(["weekly", "biweekly"]),
    events=st.lists(st.tuples(st.integers(0, 1), event), min_size=6, max_size=24),
)
def test_every_calendar_shows_what_the_bot_holds_whatever_time_brings(
    zones: list[str],
    start: date,
    cadence: str,
    events: list[tuple[int, tuple[str, int]]],
    _sqlite_template: Path,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(_sqlite_template, f"{folder}/calendar.db")
        database = Database(make_engine(f"sqlite:///{folder}/calendar.db"))
        try:
            with running_bot(database) as bot:
                _run(bot, zones, start, cadence, events)
        finally:
            database.dispose()


def _run(
    bot: Bot, zones: list[str], start: date, cadence: str, events: list[tuple[int, tuple[str, int]]]
) -> None:
    bot.clock.now = datetime.combine(start, time(8), tzinfo=UTC)
    people = []
    for n, (mentor_tz, mentee_tz) in enumerate(zip(zones, reversed(zones), strict=True)):
        mentor, mentee = f"UM{n}", f"UE{n}"
        bot.fake.add_user(mentor, name=f"mentor{n}", tz=mentor_tz, locale="en-US")
        bot.fake.add_user(mentee, name=f"mentee{n}", tz=mentee_tz, locale="de-DE")
        for user, role in ((mentor, "mentor"), (mentee, "mentee")):
            bot.ctx.people.get(user, patient=True)
            enrollment.enroll(
                bot.ctx, user, enrollment.JoinForm(role=role, topics=["genai"], department=None)
            )
        goals.save(bot.ctx, mentee, [], [GOAL])  # agendas will name it: to the mentee only
        make_pair(bot, mentor, mentee)
        people.append((mentor, mentee))
    with bot.ctx.db.transaction() as session:
        for cohort in session.exec(select(Cohort)):
            cohort.cadence = cadence
            session.add(cohort)
    _pass(bot)
    _check(bot, people)
    for who, (kind, amount) in events:
        assert bot.ctx.background.wait_idle()
        mentor, mentee = people[who]
        if kind == "tick":
            bot.clock.advance(hours=amount)
            _pass(bot)
        elif kind == "pause":
            enrollment.pause(bot.ctx, mentee, amount or None)
        elif kind == "resume":
            enrollment.resume(bot.ctx, mentee)
        elif kind == "leave":
            enrollment.leave(bot.ctx, mentor)
        elif kind == "forget":
            privacy.forget(bot.ctx, mentee)
        else:
            upcoming = [
                s
                for s in _sessions(bot, mentor)
                if s.status == "scheduled" and s.starts_at > bot.clock.now
            ]
            if upcoming and kind == "skip":
                sessions.skip(bot.ctx, upcoming[0].id or 0, mentee)
            elif upcoming:
                with contextlib.suppress(sessions.MoveError):  # refused: out of bounds
                    new = upcoming[0].starts_at + timedelta(hours=amount)
                    sessions.move(bot.ctx, upcoming[0].id or 0, mentor, new)
        assert bot.ctx.background.wait_idle()
        _check(bot, people)


def _pass(bot: Bot) -> None:
    sessions.plan(bot.ctx)
    outbox.dispatch(bot.ctx)


def _sessions(bot: Bot, user: str) -> list[MentoringSession]:
    with bot.ctx.db.transaction(write=False) as session:
        pair_ids = [
            p.id
            for p in session.exec(select(Pair))
            if user in (p.mentor_id, p.mentee_id) and p.status == "active"
        ]
        return list(
            session.exec(
                select(MentoringSession)
                .where(col(MentoringSession.pair_id).in_(pair_ids))
                .order_by(col(MentoringSession.number))
            )
        )


def _calendar(bot: Bot, user: str) -> tuple[bytes, list[icalendar.cal.Component]]:
    """The person's feed as a calendar application reads it."""
    with bot.ctx.db.transaction(write=False) as session:
        ics = feed.calendar_of(session, user, bot.clock.now).ics()
    calendar = icalendar.Calendar.from_ical(ics)
    around = bot.clock.now
    found = recurring_ical_events.of(calendar).between(
        around - timedelta(weeks=8), around + timedelta(weeks=60)
    )
    return ics, found


def _check(bot: Bot, people: list[tuple[str, str]]) -> None:
    now = bot.clock.now
    with bot.ctx.db.transaction(write=False) as session:
        pairs = {p.id: p for p in session.exec(select(Pair))}
        meetings = {m.id: m for m in session.exec(select(MentoringSession))}
        sent = list(
            session.exec(
                select(Notification)
                .where(Notification.kind == "reminder")
                .where(Notification.status == "sent")
            )
        )
    by_uid: dict[str, datetime] = {}
    for pair_people in people:
        for user in pair_people:
            ics, occurrences = _calendar(bot, user)
            assert GOAL.encode() not in ics  # a goal's text is in nobody's calendar
            shown = {str(e["UID"]): e for e in occurrences}
            assert len(shown) == len(occurrences), "one event per session"
            expected = _expected(user, pairs, meetings, now)
            assert {uid: cancelled for uid, (_, cancelled) in expected.items()} == {
                uid: str(e.get("STATUS")) == "CANCELLED" for uid, e in shown.items()
            }
            for uid, event in shown.items():
                meeting, _ = expected[uid]
                start = event["DTSTART"].dt
                pair = pairs[meeting.pair_id]
                assert str(start.tzinfo) == pair.slot_tz  # in the mentee's zone
                assert start.astimezone(UTC) == meeting.starts_at
                assert event["DTEND"].dt - start == timedelta(minutes=45)
                cancelled = expected[uid][1]
                assert int(event.get("SEQUENCE", 0)) == meeting.sequence + cancelled
                # Both people's calendars show the same instant.
                assert by_uid.setdefault(uid, meeting.starts_at) == meeting.starts_at
            _reminders_agree(bot, user, sent, meetings, shown)


def _expected(
    user: str,
    pairs: dict[int | None, Pair],
    meetings: dict[int | None, MentoringSession],
    now: datetime,
) -> dict[str, tuple[MentoringSession, bool]]:
    """What the person's calendar must show: uid -> (session, cancelled)."""
    found = {}
    for meeting in meetings.values():
        pair = pairs[meeting.pair_id]
        if user not in (pair.mentor_id, pair.mentee_id) or meeting.starts_at < now - feed.PAST:
            continue
        if pair.status == "active":
            if meeting.status == "cancelled":
                continue  # a pause: left out
            cancelled = meeting.status == "skipped"
        else:
            cancelled = meeting.status != "scheduled" or meeting.starts_at >= (pair.ended_at or now)
        uid = feed.uid_of(meeting.id or 0, pair.mentee_key)
        found[uid] = (meeting, cancelled)
    return found


def _reminders_agree(
    bot: Bot,
    user: str,
    sent: list[Notification],
    meetings: dict[int | None, MentoringSession],
    shown: dict[str, icalendar.cal.Component],
) -> None:
    """The newest reminder of a session, sent for its current time, names the instant the
    calendar shows, in the person's language and zone."""
    person = bot.ctx.people.get(user, patient=True)
    messages = [m for m in bot.fake.messages_for(user) if ids.SESSION_SKIP in m.action_ids()]
    for row in sent:
        meeting = meetings.get(row.session_id)
        if row.user_id != user or meeting is None or meeting.status != "scheduled":
            continue
        current = f":m{meeting.sequence}" if meeting.sequence else ""
        if not row.key.endswith(f"{user}{current}"):
            continue  # a reminder for a time the session has since moved from
        [event] = [e for uid, e in shown.items() if uid.startswith(f"session-{meeting.id}-")]
        skip = [m.find_element(ids.SESSION_SKIP) or {} for m in messages]
        newest = [
            m for m, b in zip(messages, skip, strict=True) if b.get("value") == str(meeting.id)
        ][-1]
        when = fmt_datetime(event["DTSTART"].dt.astimezone(UTC), person.lang, person.tz)
        assert when in newest.all_text, (when, newest.all_text)
