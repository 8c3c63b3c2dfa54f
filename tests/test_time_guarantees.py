"""A program keeps running through holidays, moves, pauses, outages and restarts.

Each test here is about one way time broke a running program: what a person (or the
operator) would notice, on the real bot, databases and outbox, with Slack's stand-in.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlmodel import col, select

from bot.core.i18n import t
from bot.delivery import leases, outbox
from bot.enrollment import service as enrollment
from bot.journal import goals, reflections
from bot.journal.reflections import ReflectionForm
from bot.sessions import planning as sessions
from bot.slack import ids
from storage import queries
from storage.db import Database
from storage.models import Goal, MentoringSession, Notification, Pair
from tests.harness import Bot, make_pair, running_bot

BERLIN = ZoneInfo("Europe/Berlin")


def enroll(
    bot: Bot,
    user: str,
    role: str,
    *,
    tz: str = "Europe/Berlin",
    weekdays: tuple[int, ...] = (),
    confirm: bool = True,
) -> None:
    bot.fake.add_user(user, name=user.lower(), tz=tz, locale="en-US")
    bot.ctx.people.get(user, patient=True)  # as the join command caches the profile
    enrollment.enroll(
        bot.ctx,
        user,
        enrollment.JoinForm(role=role, topics=["genai"], department=None, weekdays=list(weekdays)),
    )
    if confirm:  # the join confirmation goes out, as after the join modal
        outbox.dispatch(bot.ctx)


def monday_pair(bot: Bot, mentor: str = "UM", mentee: str = "UE") -> int:
    """A Berlin pair whose slot is on Mondays, active, with its first sessions planned."""
    enroll(bot, mentor, "mentor", weekdays=(0,))
    enroll(bot, mentee, "mentee", weekdays=(0,))
    pair_id = make_pair(bot, mentor, mentee)
    sessions.plan(bot.ctx)
    return pair_id


def sessions_of(bot: Bot, pair_id: int | None = None) -> list[MentoringSession]:
    with bot.ctx.db.transaction(write=False) as session:
        query = select(MentoringSession).order_by(col(MentoringSession.number))
        if pair_id is not None:
            query = query.where(MentoringSession.pair_id == pair_id)
        return list(session.exec(query))


def notifications(bot: Bot, **where: Any) -> list[Notification]:
    with bot.ctx.db.transaction(write=False) as session:
        rows = list(session.exec(select(Notification).order_by(col(Notification.id))))
    return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def reminders(bot: Bot, user: str) -> list[Any]:
    return [m for m in bot.fake.messages_for(user) if ids.SESSION_SKIP in m.action_ids()]


def prompts(bot: Bot, user: str) -> list[Any]:
    return [m for m in bot.fake.messages_for(user) if ids.REFLECT_OPEN in m.action_ids()]


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


# --- 1. a first session on a public holiday -----


def test_a_first_session_on_easter_monday_moves_and_the_series_goes_on(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 3, 24, 9, tzinfo=UTC)  # Wednesday
    pair_id = monday_pair(bot)
    first = sessions_of(bot, pair_id)[0]
    assert local(first.starts_at).date() == date(2027, 3, 30)  # Easter Monday -> Tuesday
    # Planning and sending go on for months, past Whit Monday (2027-05-17) too.
    for _ in range(16 * 7):  # daily, as the scheduler would (it runs every 30 s)
        bot.clock.advance(days=1)
        sessions.plan(bot.ctx)
        outbox.dispatch(bot.ctx)
    days = [local(s.starts_at).date() for s in sessions_of(bot, pair_id)]
    german = holidays.country_holidays("DE", years=[2027])
    assert not [d for d in days if d in german]
    assert date(2027, 3, 29) not in days
    series = [d for d in days if d != date(2027, 3, 30)]
    assert len(series) >= 8 and all(d.weekday() == 0 for d in series)  # Mondays again
    assert all((b - a).days in (13, 14) for a, b in zip(days, days[1:], strict=False))
    assert len(reminders(bot, "UE")) >= 8


def test_an_anchor_stored_on_the_moved_day_no_longer_stops_planning(bot: Bot) -> None:
    """A database written before the fix holds the Tuesday as the series' anchor."""
    bot.clock.now = datetime(2027, 3, 24, 9, tzinfo=UTC)
    pair_id = monday_pair(bot)
    with bot.ctx.db.transaction() as session:
        pair = session.get(Pair, pair_id)
        assert pair is not None
        pair.slot_anchor = "2027-03-30"
        session.add(pair)
        for meeting in session.exec(select(MentoringSession)):
            meeting.series_date = None  # as planned before series dates were kept
            session.add(meeting)
    bot.clock.advance(weeks=6)
    assert sessions.plan(bot.ctx) > 0
    days = [local(s.starts_at).date() for s in sessions_of(bot, pair_id)]
    assert days[-1].weekday() == 0 and len(set(days)) == len(days)


def test_one_pair_that_cannot_be_planned_does_not_stop_the_others(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.clock.now = datetime(2027, 3, 24, 9, tzinfo=UTC)
    broken = monday_pair(bot, "UM1", "UE1")
    fine = monday_pair(bot, "UM2", "UE2")
    with bot.ctx.db.transaction() as session:
        pair = session.get(Pair, broken)
        assert pair is not None
        pair.slot_time = "25:99"  # a value no code path writes
        session.add(pair)
    bot.clock.advance(weeks=3)
    with caplog.at_level(logging.ERROR, logger="bot.sessions.planning"):
        assert sessions.plan(bot.ctx) >= 1
    assert f"planning pair {broken} failed" in caplog.text
    assert "Traceback" not in caplog.text
    assert len([s for s in sessions_of(bot, fine) if s.starts_at > bot.clock.now]) == 3
    outbox.dispatch(bot.ctx)  # and sending goes on
    bot.clock.now = sessions_of(bot, fine)[-1].starts_at - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    assert reminders(bot, "UE2")


# --- 2. and 3. moves -----


def move(bot: Bot, session_id: int, user: str, to: datetime) -> None:
    sessions.move(bot.ctx, session_id, user, to)


def test_moving_back_and_forth_still_reminds_once_at_the_last_time(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    pair_id = monday_pair(bot)
    first = sessions_of(bot, pair_id)[0]
    a = first.starts_at
    b = a + timedelta(days=1, hours=2)
    for to in (b, a, b):
        move(bot, first.id or 0, "UE", to)
    bot.clock.now = b - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    for user in ("UM", "UE"):
        [reminder] = reminders(bot, user)
        assert f"{local(b):%-d, %Y}" in reminder.all_text  # the final day
    outbox.dispatch(bot.ctx)
    assert len(reminders(bot, "UE")) == 1
    # Each move told both people once: three moves, three notices each.
    assert len([m for m in bot.fake.messages_for("UM") if "moved your" in m.text]) == 3
    assert len([m for m in bot.fake.messages_for("UE") if "the session is now" in m.text]) == 3


def test_a_move_stays_before_the_next_regular_session(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    pair_id = monday_pair(bot)
    planned = sessions_of(bot, pair_id)
    last = planned[-1]
    next_regular = last.starts_at + timedelta(days=14)
    with pytest.raises(sessions.MoveError) as refused:
        move(bot, last.id or 0, "UE", last.starts_at + timedelta(days=60))
    assert refused.value.key == "move.error.far"
    assert refused.value.next_start == next_regular
    move(bot, last.id or 0, "UE", next_regular - timedelta(days=3))
    bot.clock.now = last.starts_at + timedelta(days=1)
    sessions.plan(bot.ctx)
    days = [local(s.starts_at).date() for s in sessions_of(bot, pair_id)]
    assert local(next_regular).date() in days  # no slot in between was dropped
    assert len(days) == len(set(days))


def test_a_move_into_a_pause_is_refused_and_a_move_after_it_is_taken(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    pair_id = monday_pair(bot)
    enrollment.pause(bot.ctx, "UE", 2)  # the mentee takes two weeks off
    with bot.ctx.db.transaction(write=False) as session:
        paused_until = queries.participant_of(session, "UE").paused_until  # type: ignore[union-attr]
    assert paused_until is not None
    later = [s for s in sessions_of(bot, pair_id) if s.starts_at >= paused_until]
    assert later, "no session after the pause"
    target = later[0]
    for mover in ("UM", "UE"):  # neither of the two can move it into the pause
        with pytest.raises(sessions.MoveError) as refused:
            move(bot, target.id or 0, mover, paused_until - timedelta(hours=2))
        assert refused.value.key == "move.error.away"
    assert t("en", "move.error.away").startswith("One of you is paused then")
    assert t("de", "move.error.away").startswith("Einer von euch pausiert")
    move(bot, target.id or 0, "UM", paused_until + timedelta(hours=2))
    [moved] = [s for s in sessions_of(bot, pair_id) if s.id == target.id]
    assert moved.starts_at == paused_until + timedelta(hours=2)


# --- 4. goals -----


def test_a_check_in_leaves_goals_it_did_not_change_in_their_month(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 10, 9, tzinfo=UTC)
    monday_pair(bot)
    goals.save(bot.ctx, "UE", [], ["Use a chatbot weekly", "Post on LinkedIn", None])
    with bot.ctx.db.transaction(write=False) as session:
        first, second = session.exec(select(Goal).order_by(col(Goal.id))).all()
    goals.check_in(bot.ctx, "UE", {}, {first.id or 0})  # reached in January
    bot.clock.now = datetime(2027, 3, 10, 9, tzinfo=UTC)
    goals.check_in(bot.ctx, "UE", {first.id or 0: 5, second.id or 0: 3}, set())
    with bot.ctx.db.transaction(write=False) as session:
        by_id = {g.id: g for g in session.exec(select(Goal))}
    assert by_id[first.id].updated_at.month == 1  # still reached in January
    assert by_id[second.id].updated_at.month == 3


# --- 5. pauses -----


def test_a_pause_cancels_its_sessions_and_the_rhythm_resumes_after_it(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    pair_id = monday_pair(bot)
    before = sessions_of(bot, pair_id)
    assert enrollment.pause(bot.ctx, "UM", 3).outcome == "paused"
    until = bot.clock.now + timedelta(weeks=3)
    after = {s.id: s for s in sessions_of(bot, pair_id)}
    for meeting in before:
        expected = "cancelled" if meeting.starts_at < until else "scheduled"
        assert after[meeting.id].status == expected
    live = [s for s in after.values() if s.status == "scheduled"]
    assert len(live) == sessions.HORIZON and all(s.starts_at > until for s in live)
    # Weeks later nothing was sent for the cancelled sessions, and none counts as held.
    bot.clock.now = until + timedelta(hours=1)
    outbox.dispatch(bot.ctx)
    assert reminders(bot, "UE") == [] and prompts(bot, "UE") == []
    from bot.reporting import data, figures

    for meeting in sessions_of(bot, pair_id):  # as the admin report reads them
        row = data._Session(
            meeting.id or 0,
            meeting.pair_id,
            meeting.starts_at,
            meeting.starts_at + timedelta(minutes=meeting.minutes),
            meeting.status,
        )
        state = figures._session_state(row, [], bot.clock.now)
        assert state is None or meeting.starts_at > until, meeting


def test_an_open_ended_pause_plans_nothing_until_resume(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    pair_id = monday_pair(bot)
    enrollment.pause(bot.ctx, "UE", None)
    bot.clock.advance(weeks=10)
    sessions.plan(bot.ctx)
    assert all(s.status == "cancelled" for s in sessions_of(bot, pair_id))
    assert enrollment.resume(bot.ctx, "UE") == "resumed"
    ahead = [s for s in sessions_of(bot, pair_id) if s.status == "scheduled"]
    assert len(ahead) == sessions.HORIZON
    assert ahead[0].starts_at - bot.clock.now >= sessions.REMIND_BEFORE
    assert all(local(s.starts_at).weekday() == 0 for s in ahead)


# --- 6. failures that are not Slack's -----


def test_a_message_that_can_never_be_sent_ends_failed_with_its_reason(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot)
    goals.save(bot.ctx, "UE", [], ["Learn prompting", None, None])
    with bot.ctx.db.transaction() as session:
        goal = session.exec(select(Goal)).one()
        goal.text = "gAAAAA-not-a-token"  # e.g. written under another MENTOR_ENCRYPTION_KEY
        session.add(goal)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    passes = 0
    with caplog.at_level(logging.WARNING):
        while passes < 40:
            passes += 1
            outbox.dispatch(bot.ctx)
            [row] = notifications(bot, kind="reminder", user_id="UE", session_id=first.id)
            if row.status != "pending":
                break
            bot.clock.now = max(bot.clock.now, row.due_at)
    assert row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS  # tried every time
    assert row.error is not None and "InvalidToken" in row.error
    assert "Traceback" not in caplog.text
    assert len(reminders(bot, "UM")) == 1  # the mentor's reminder went out as usual


# --- 7. what a person is owed survives a restart -----


def test_the_partner_is_told_after_a_restart_right_after_a_leave(db: Database) -> None:
    """The notice is written with the change: a process that dies right after the
    commit (nothing in the background ran) still owes it, and a restart sends it once."""
    with running_bot(db) as first:
        first.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
        monday_pair(first)
        first.ctx.background.later = lambda *a, **k: None  # type: ignore[method-assign]
        first.ctx.background.coalesce = lambda *a, **k: None  # type: ignore[method-assign]
        assert enrollment.leave(first.ctx, "UM") == "left"
        assert not [m for m in first.fake.messages_for("UE") if "has ended" in m.text]
    with running_bot(db) as restarted:
        restarted.fake.add_user("UE", name="ue", tz="Europe/Berlin", locale="en-US")
        restarted.clock.now = datetime(2027, 1, 4, 9, 1, tzinfo=UTC)
        outbox.dispatch(restarted.ctx)
        outbox.dispatch(restarted.ctx)
        told = [m for m in restarted.fake.messages_for("UE") if "has ended" in m.text]
        assert len(told) == 1


def test_the_join_confirmation_survives_a_restart_right_after_the_join(db: Database) -> None:
    """Joining owes the confirmation DM in the join's commit; a process that dies before
    any background work ran still owes it, and a restart sends it once, with the home tab."""
    with running_bot(db) as first:
        first.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
        first.ctx.background.later = lambda *a, **k: None  # type: ignore[method-assign]
        first.ctx.background.coalesce = lambda *a, **k: None  # type: ignore[method-assign]
        enroll(first, "UJ", "mentee", confirm=False)
        assert first.fake.messages_for("UJ") == []
    with running_bot(db) as restarted:
        restarted.fake.add_user("UJ", name="uj", tz="Europe/Berlin", locale="en-US")
        restarted.clock.now = datetime(2027, 1, 4, 9, 1, tzinfo=UTC)
        outbox.dispatch(restarted.ctx)
        outbox.dispatch(restarted.ctx)
        told = restarted.fake.messages_for("UJ")
        assert len(told) == 1 and "enrolled as" in told[0].text
        assert restarted.fake.home_view("UJ") is not None


def test_skip_and_move_notices_are_owed_in_the_same_commit(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot)
    first, second, _ = sessions_of(bot)
    sessions.skip(bot.ctx, first.id or 0, "UM")
    move(bot, second.id or 0, "UM", second.starts_at + timedelta(hours=2))
    owed = {(n.user_id, (n.args or {}).get("text")) for n in notifications(bot, kind="notice")}
    assert owed == {
        ("UE", "session.skipped_partner"),
        ("UE", "move.partner"),
        ("UM", "move.done"),
    }


# --- 8. decide at send time -----


def test_a_pause_during_a_batch_stops_the_reminders_still_in_it(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot, "UM1", "UE1")
    monday_pair(bot, "UM2", "UE2")
    first = min(s.starts_at for s in sessions_of(bot))
    bot.clock.now = first - timedelta(hours=24)
    kinds = outbox.of(bot.ctx).kinds
    prepare = kinds["reminder"].prepare

    def then_pause(ctx: Any, rows: list[Notification], now: datetime) -> Any:
        done = prepare(ctx, rows, now)
        enrollment.pause(bot.ctx, "UE2", 2)  # after the batch was loaded
        return done

    monkeypatch.setitem(
        kinds, "reminder", dataclasses.replace(kinds["reminder"], prepare=then_pause)
    )
    outbox.dispatch(bot.ctx, workers=1)
    assert len(reminders(bot, "UE1")) == 1 and len(reminders(bot, "UM1")) == 1
    assert reminders(bot, "UE2") == [] and reminders(bot, "UM2") == []


@pytest.mark.real_slack_time  # the pause comes during the Retry-After
def test_a_pause_while_a_reminder_waits_out_a_rate_limit_stops_it(bot: Bot) -> None:
    """Slack answers 429 with Retry-After: 2; the mentee pauses during that wait. The
    reminder whose send was waiting is not posted after the wait, nor is the partner's."""
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=2, times=1)
    pause = threading.Timer(0.5, enrollment.pause, (bot.ctx, "UE", 2))
    pause.start()
    try:
        summary = outbox.dispatch(bot.ctx, workers=1)
    finally:
        pause.join()
    assert reminders(bot, "UE") == [] and reminders(bot, "UM") == []
    assert summary.sent == 0
    rows = notifications(bot, kind="reminder", session_id=first.id)
    assert rows and {r.status for r in rows} == {"cancelled"}


# --- 9. and 13. leases -----


def test_a_send_held_up_by_rate_limits_gives_up_within_its_lease(db: Database) -> None:
    with running_bot(db, real_slack_time=True) as bot:
        bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
        monday_pair(bot)
        first = sessions_of(bot)[0]
        bot.clock.now = first.starts_at - timedelta(hours=24)
        bot.fake.fail_next("chat.postMessage", status=429, retry_after=600, times=1)
        started = datetime.now(UTC)
        summary = outbox.dispatch(bot.ctx, workers=1)
        assert datetime.now(UTC) - started < timedelta(seconds=30)
        assert summary.sent == 0 and summary.retry_later >= 1
        rows = notifications(bot, kind="reminder", session_id=first.id)
        assert {r.status for r in rows} == {"pending"}
        assert all(r.claimed_until is None for r in rows)  # handed back, due at once
        assert reminders(bot, "UE") == [] and reminders(bot, "UM") == []


def test_the_work_of_a_dead_dispatcher_is_taken_over_within_a_minute(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    rows, _ = leases.claim_batch(bot.ctx, bot.clock.now)  # then it was killed
    assert len(rows) == 2
    bot.clock.advance(seconds=30)
    assert outbox.dispatch(bot.ctx).sent == 0  # still leased
    bot.clock.advance(seconds=31)
    assert outbox.dispatch(bot.ctx).by_kind == {"reminder": 2}
    assert len(reminders(bot, "UE")) == 1 and len(reminders(bot, "UM")) == 1


def test_a_lease_is_over_at_the_moment_it_runs_out(bot: Bot) -> None:
    """Found by tests/test_year.py: a restart exactly one lease after the crash found the
    dead dispatcher's rows neither held (a lease is renewed only before it runs out) nor
    free to claim, so that pass sent nothing."""
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    rows, _ = leases.claim_batch(bot.ctx, bot.clock.now)  # then it was killed
    assert len(rows) == 2
    bot.clock.now = rows[0].claimed_until or bot.clock.now
    assert outbox.dispatch(bot.ctx).by_kind == {"reminder": 2}
    assert len(reminders(bot, "UE")) == 1 and len(reminders(bot, "UM")) == 1


def test_a_working_dispatcher_keeps_its_lease(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    rows, token = leases.claim_batch(bot.ctx, bot.clock.now)
    held = leases.Leases(bot.ctx)
    held.hold(token, rows[0].claimed_until or bot.clock.now)
    for _ in range(5):  # five minutes of work, renewed as it goes
        bot.clock.advance(seconds=leases.RENEW_EVERY)
        held.renew()
    assert held.left(token) > leases.SEND_ALLOWANCE
    assert leases.claim_batch(bot.ctx, bot.clock.now)[0] == []  # nobody else takes them
    held.drop(token)
    bot.clock.advance(seconds=61)
    assert len(leases.claim_batch(bot.ctx, bot.clock.now)[0]) == 2


# --- 10. long texts -----


@pytest.mark.parametrize("character", ["漢", "😀"])
def test_the_longest_reflection_in_any_script_is_stored(bot: Bot, character: str) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    monday_pair(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at + timedelta(hours=2)
    text = character * reflections.LEARNED_MAX
    form = ReflectionForm(happened=True, learned=text, rating=5, share=True)
    reflections.save(bot.ctx, "UE", first.id or 0, form)
    [mine] = reflections.mine(bot.ctx, "UE")
    assert mine["learned"] == text


# --- 11. after an outage -----


def test_after_an_outage_only_the_newest_timely_prompt_is_sent(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    pair_id = monday_pair(bot)
    first, second, third = sessions_of(bot, pair_id)
    # The first session was moved next to the second; then the bot was down for days.
    move(bot, first.id or 0, "UE", second.starts_at - timedelta(days=1))
    bot.clock.now = second.starts_at + timedelta(days=2)
    outbox.dispatch(bot.ctx)
    for user in ("UM", "UE"):
        [prompt] = prompts(bot, user)  # one, about the newest session
        assert str(second.id) in str(prompt.blocks)
    # Down again, for more than three days after the third: its prompt is not sent late.
    bot.clock.now = third.starts_at + timedelta(days=5)
    outbox.dispatch(bot.ctx)
    assert len(prompts(bot, "UE")) == 1
    late = notifications(bot, kind="reflect", session_id=third.id)
    assert {r.status for r in late} == {"missed"}


# --- 12. planning under concurrency -----


def test_planners_running_at_once_plan_each_session_once(bot: Bot) -> None:
    bot.clock.now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    pairs = [monday_pair(bot, f"UM{n}", f"UE{n}") for n in range(6)]
    bot.clock.advance(weeks=5)  # every pair is short of the horizon now
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def planner() -> None:
        try:
            barrier.wait()
            sessions.plan(bot.ctx)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=planner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for pair_id in pairs:
        planned = sessions_of(bot, pair_id)
        assert [s.number for s in planned] == list(range(1, len(planned) + 1))
        assert len({s.series_date for s in planned}) == len(planned)
        assert sum(s.starts_at > bot.clock.now for s in planned) == sessions.HORIZON
