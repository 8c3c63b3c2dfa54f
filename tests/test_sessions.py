"""Sessions of an active pair: slot, reminders, reflection prompts, pause, skip, exactly once."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.app.kinds import build_outbox
from bot.delivery import outbox
from bot.fakeslack import RateLimits
from bot.sessions import planning as sessions
from bot.slack import ids
from storage.models import Cohort, MentoringSession, Notification
from tests.harness import Bot, activate_pairs, dispatch_env, match_and_accept


def sessions_of(bot: Bot) -> list[MentoringSession]:
    with bot.ctx.db.transaction() as session:
        return list(session.exec(select(MentoringSession).order_by(MentoringSession.id)))  # type: ignore[arg-type]


def activate(bot: Bot) -> None:
    """UEN (New York, mornings) mentors UDE (Berlin, afternoons); both prefer Tuesdays."""
    bot.join("UEN", role="mentor", topics=["genai", "data"], weekdays=["1"], time_window="morning")
    bot.join("UDE", role="mentee", topics=["genai"], weekdays=["1"], time_window="afternoon")
    match_and_accept(bot)


def messages(bot: Bot, user: str, action_id: str) -> list[Any]:
    return [m for m in bot.fake.messages_for(user) if action_id in m.action_ids()]


def test_an_active_pair_gets_a_slot_both_can_make(bot: Bot) -> None:
    activate(bot)
    planned = sessions_of(bot)
    assert len(planned) == sessions.HORIZON
    first = planned[0]
    berlin = first.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert (berlin.weekday(), berlin.hour, berlin.minute) == (1, 15, 0)  # Tue 15:00 Berlin
    assert first.starts_at - bot.clock.now >= timedelta(days=2)  # notice
    assert [s.starts_at - planned[0].starts_at for s in planned] == [
        timedelta(0),
        timedelta(days=14),
        timedelta(days=28),
    ]  # every two weeks
    assert "Next session: Tuesday, December 1, 2026, 9:00" in bot.reply("UEN", "status")
    assert "Nächster Termin: Dienstag, 1. Dezember 2026, 15:00" in bot.reply("UDE", "status")


def test_reminders_24_hours_before_in_each_persons_zone_exactly_once(bot: Bot) -> None:
    activate(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24, minutes=1)
    assert outbox.dispatch(bot.ctx).by_kind.get("reminder") is None  # not yet due
    bot.clock.now = first.starts_at - timedelta(hours=24)
    summary = outbox.dispatch(bot.ctx)
    assert summary.by_kind == {"reminder": 2}
    [en] = messages(bot, "UEN", ids.SESSION_SKIP)
    [de] = messages(bot, "UDE", ids.SESSION_SKIP)
    assert "is on Tuesday, December 1, 2026, 9:00" in en.all_text
    assert "<@UDE>" in en.all_text and "Agenda: *Generative AI*" in en.all_text
    assert "Dienstag, 1. Dezember 2026, 15:00" in de.all_text
    assert "Thema: *Generative KI*" in de.all_text and "<@UEN>" in de.all_text
    assert en.all_text.count("• ") == 3 and de.all_text.count("• ") == 3
    assert outbox.dispatch(bot.ctx).sent == 0  # a second pass sends nothing again


def test_a_reminder_whose_session_started_is_missed_not_sent(bot: Bot) -> None:
    activate(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at + timedelta(minutes=5)
    summary = outbox.dispatch(bot.ctx, first.starts_at + timedelta(minutes=5))
    assert summary.missed == 2 and messages(bot, "UEN", ids.SESSION_SKIP) == []
    with bot.ctx.db.transaction() as session:
        kinds = {
            (n.kind, n.status)
            for n in session.exec(select(Notification))
            if n.session_id == first.id
        }
    assert ("reminder", "missed") in kinds


def test_a_paused_person_gets_no_session_messages_until_the_pause_ends(bot: Bot) -> None:
    activate(bot)
    first, second, _ = sessions_of(bot)
    bot.reply("UDE", "pause 3")  # covers the first session, not the second
    bot.clock.now = first.starts_at + timedelta(hours=3)
    outbox.dispatch(bot.ctx)
    assert messages(bot, "UEN", ids.SESSION_SKIP) == []
    assert messages(bot, "UEN", ids.REFLECT_OPEN) == []
    bot.clock.now = second.starts_at - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    assert len(messages(bot, "UEN", ids.SESSION_SKIP)) == 1  # the rhythm resumes


def test_a_reflection_prompt_an_hour_after_the_end_opens_the_modal(bot: Bot) -> None:
    activate(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at + timedelta(minutes=45 + 59)
    outbox.dispatch(bot.ctx)
    assert messages(bot, "UDE", ids.REFLECT_OPEN) == []
    bot.clock.now = first.starts_at + timedelta(minutes=45 + 60)
    outbox.dispatch(bot.ctx)
    [prompt] = messages(bot, "UDE", ids.REFLECT_OPEN)
    assert "nur du wirst es sehen" in prompt.all_text
    assert set(prompt.recipients) == {"UDE"}  # privately
    bot.slack.block_action("UDE", ids.REFLECT_OPEN, message=prompt)
    assert bot.fake.wait_for(
        lambda: any(v["callback_id"] == ids.REFLECTION for v in bot.fake.opened_views("UDE"))
    )
    view = [v for v in bot.fake.opened_views("UDE") if v["callback_id"] == ids.REFLECTION][-1]
    assert view["private_metadata"] == str(first.id)


def test_skipping_a_session_cancels_its_messages_and_tells_the_partner(bot: Bot) -> None:
    activate(bot)
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    [reminder] = messages(bot, "UDE", ids.SESSION_SKIP)
    bot.slack.block_action("UDE", ids.SESSION_SKIP, message=reminder)
    assert bot.ctx.background.wait_idle()
    assert sessions_of(bot)[0].status == "skipped"
    assert any("fällt aus" in m.text for m in bot.fake.messages_for("UDE"))
    told = [m for m in bot.fake.messages_for("UEN") if "is skipped" in m.text]
    assert len(told) == 1 and "9:00" in told[0].text
    bot.clock.now = first.starts_at + timedelta(hours=2)
    outbox.dispatch(bot.ctx)
    assert messages(bot, "UEN", ids.REFLECT_OPEN) == []
    bot.slack.block_action("UEN", ids.SESSION_SKIP, value=str(first.id))
    assert bot.ctx.background.wait_idle()
    assert any("already started" in m.text for m in bot.fake.messages_for("UEN"))


def test_a_pair_that_ended_gets_nothing_more(bot: Bot) -> None:
    activate(bot)
    bot.reply("UEN", "leave")
    assert bot.ctx.background.wait_idle()
    bot.clock.advance(days=60)
    summary = outbox.dispatch(bot.ctx)
    assert summary.sent == 0
    assert messages(bot, "UDE", ids.SESSION_SKIP) == []


def test_two_dispatch_processes_at_once_send_every_reminder_once(bot: Bot) -> None:
    people = activate_pairs(bot, 4)
    first = min(s.starts_at for s in sessions_of(bot))
    at = (first - timedelta(hours=23)).isoformat()
    env = dispatch_env(bot)
    command = [sys.executable, "-m", "bot", "dispatch", "--at", at]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [json.loads(run.communicate(timeout=120)[0]) for run in runs]
    assert sum(o["by_kind"].get("reminder", 0) for o in outputs) == 8
    for user, _ in people:
        assert len(messages(bot, user, ids.SESSION_SKIP)) == 1, user


def test_two_dispatch_processes_that_both_plan_ahead_plan_each_session_once(bot: Bot) -> None:
    """Months later, two `mentor-bot dispatch` runs at once both find every pair short of
    planned sessions: both exit 0, and each pair's sessions stay numbered once each."""
    activate_pairs(bot, 6)
    with bot.ctx.db.transaction() as session:  # no session is reported held: never lapse
        for cohort in session.exec(select(Cohort)):
            cohort.nudge_days = cohort.close_days = 1000
            session.add(cohort)
    env = dispatch_env(bot)
    at = max(s.starts_at for s in sessions_of(bot))
    for _ in range(3):
        at += timedelta(days=45)
        command = [sys.executable, "-m", "bot", "dispatch", "--at", at.isoformat()]
        runs = [
            subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = [(run.communicate(timeout=120), run.returncode) for run in runs]
        for (_, errors), code in results:
            assert code == 0 and "Traceback" not in errors, errors
        by_pair: dict[int, list[int]] = {}
        for meeting in sessions_of(bot):
            by_pair.setdefault(meeting.pair_id, []).append(meeting.number)
        assert len(by_pair) == 6
        for numbers in by_pair.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert all(
            any(s.starts_at > at for s in sessions_of(bot) if s.pair_id == pair) for pair in by_pair
        )  # planned ahead of the dispatch time


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_repeats_nothing(
    bot: Bot,
) -> None:
    """SIGKILL while Slack has delivered a reminder but not yet answered: the restart
    finds that reminder in the person's DM instead of posting it again, sends the rest,
    and loses none."""
    import signal
    import time

    people = activate_pairs(bot, 5)
    at = (min(s.starts_at for s in sessions_of(bot)) - timedelta(hours=23)).isoformat()
    env = dispatch_env(bot)
    command = [sys.executable, "-m", "bot", "dispatch", "--at", at]
    before = len(bot.fake.calls_to("chat.postMessage"))
    stall = bot.fake.stall_after("chat.postMessage", 4)  # the 5th reminder hangs
    doomed = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert bot.fake.wait_for(
        lambda: len(bot.fake.calls_to("chat.postMessage")) - before >= 5, timeout=60
    )
    time.sleep(0.2)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)
    stall.set()
    # The killed run still holds a lease on the unanswered row; restart once it has run
    # out (as 15 minutes later). Whatever was not marked sent is what the restart sends.
    with bot.ctx.db.transaction() as session:
        unsent = len(
            session.exec(
                select(Notification)
                .where(Notification.kind == "reminder")
                .where(Notification.status == "pending")
                .where(col(Notification.due_at) <= datetime.fromisoformat(at))
            ).all()
        )
    assert unsent >= 1  # at least the one whose answer never came
    with bot.ctx.db.transaction() as session:
        for row in session.exec(
            select(Notification).where(col(Notification.claimed_until).is_not(None))
        ):
            row.claimed_until = datetime.now(UTC) - timedelta(minutes=1)
            session.add(row)
    rerun = subprocess.run(
        [*command], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(rerun.stdout)["sent"] == unsent
    counts = {user: len(messages(bot, user, ids.SESSION_SKIP)) for user, _ in people}
    assert all(count >= 1 for count in counts.values()), counts  # none lost
    assert sorted(counts.values()) == [1] * 10, counts  # none twice, not even the unanswered
    # Only a row each worker had started on was in doubt and looked for, not the rest.
    assert 1 <= len(bot.fake.calls_to("conversations.history")) <= outbox.WORKERS


def test_moving_one_session_moves_its_messages_and_tells_the_partner(bot: Bot) -> None:
    activate(bot)
    first, second, _ = sessions_of(bot)
    bot.clock.now = first.starts_at - timedelta(hours=30)
    bot.slack.block_action("UEN", ids.SESSION_MOVE, value=str(first.id))
    assert bot.fake.wait_for(
        lambda: any(v["callback_id"] == "session_move" for v in bot.fake.opened_views("UEN"))
    )
    view = [v for v in bot.fake.opened_views("UEN") if v["callback_id"] == "session_move"][-1]
    assert "America/New_York" in json.dumps(view)
    date_block = next(b for b in view["blocks"] if b.get("block_id") == "move_date")
    assert date_block["element"]["initial_date"] == "2026-12-01"  # in the mover's zone

    too_late = bot.slack.view_submission(
        "UEN",
        view,
        bot.slack.state_from(view, {"move_date": "2026-12-20", "move_time": "10:00"}),
        apply=False,
    )
    assert "before the next session" in json.dumps(too_late.json())
    moved = bot.slack.view_submission(
        "UEN", view, bot.slack.state_from(view, {"move_date": "2026-12-02", "move_time": "10:00"})
    )
    assert moved.json() is None
    assert bot.ctx.background.wait_idle()
    new_start = sessions_of(bot)[0].starts_at
    assert new_start.isoformat() == "2026-12-02T15:00:00+00:00"  # 10:00 in New York
    told = [m for m in bot.fake.messages_for("UDE") if "verschoben" in m.text]
    assert len(told) == 1 and "Mittwoch, 2. Dezember 2026, 16:00" in told[0].text

    bot.clock.now = first.starts_at - timedelta(hours=24)  # the old reminder time
    outbox.dispatch(bot.ctx)
    assert messages(bot, "UDE", ids.SESSION_SKIP) == []
    bot.clock.now = new_start - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    [reminder] = messages(bot, "UDE", ids.SESSION_SKIP)
    assert "Mittwoch, 2. Dezember 2026, 16:00" in reminder.all_text
    assert sessions_of(bot)[1].starts_at == second.starts_at  # the rhythm stays


def test_a_batch_of_reminders_shows_each_pair_one_agenda(bot: Bot) -> None:
    people = activate_pairs(bot, 6)
    first = min(s.starts_at for s in sessions_of(bot))
    bot.clock.now = first - timedelta(hours=24)
    summary = outbox.dispatch(bot.ctx, workers=2)
    assert summary.by_kind == {"reminder": 12}
    agendas = {s.pair_id: s.agenda_ref for s in sessions_of(bot) if s.number == 1}
    assert set(agendas.values()) == {"genai"}
    for user, _ in people:
        [reminder] = messages(bot, user, ids.SESSION_SKIP)
        assert "Agenda: *Generative AI*" in reminder.all_text


def test_reminders_go_out_when_preparing_their_batch_fails(bot: Bot, monkeypatch: Any) -> None:
    activate(bot)

    kinds = outbox.of(bot.ctx).kinds
    prepare = kinds["reminder"].prepare
    hiccups = []

    def broken(ctx: Any, rows: list[Any], now: Any) -> Any:
        if not hiccups:  # the batch's preparation hits a database hiccup
            hiccups.append(len(rows))
            raise RuntimeError("database hiccup")
        return prepare(ctx, rows, now)

    monkeypatch.setitem(kinds, "reminder", dataclasses.replace(kinds["reminder"], prepare=broken))
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    assert outbox.dispatch(bot.ctx).by_kind == {"reminder": 2}
    assert len(hiccups) == 1  # a batch failed to prepare; its reminders were prepared alone
    assert len(messages(bot, "UEN", ids.SESSION_SKIP)) == 1
    assert len(messages(bot, "UDE", ids.SESSION_SKIP)) == 1


def test_planning_tops_up_only_the_pairs_short_of_the_horizon(bot: Bot) -> None:
    activate_pairs(bot, 3)
    assert sessions.plan(bot.ctx) == 0  # everyone has HORIZON sessions ahead
    first = min(s.starts_at for s in sessions_of(bot))
    bot.clock.now = first + timedelta(hours=1)
    assert sessions.plan(bot.ctx) == 3  # one more for each pair
    assert sessions.plan(bot.ctx) == 0
    by_pair: dict[int, list[MentoringSession]] = {}
    for meeting in sessions_of(bot):
        by_pair.setdefault(meeting.pair_id, []).append(meeting)
    for planned in by_pair.values():
        assert [m.number for m in planned] == [1, 2, 3, 4]
        assert sum(m.starts_at > bot.clock.now for m in planned) == sessions.HORIZON


def test_a_pair_that_ends_cancels_its_sessions_still_to_come(bot: Bot) -> None:
    activate(bot)
    assert [s.status for s in sessions_of(bot)] == ["scheduled"] * sessions.HORIZON
    bot.reply("UDE", "leave")
    assert bot.ctx.background.wait_idle()
    assert [s.status for s in sessions_of(bot)] == ["cancelled"] * sessions.HORIZON


def test_a_stopping_bot_hands_back_what_it_has_not_sent_and_the_next_start_sends_it_once(
    bot: Bot,
) -> None:
    """Shutting down during a slow pass (rate limits) starts no further send; the rest is
    due again at once (not leased for a minute), and the next start sends it, once each."""
    people = activate_pairs(bot, 6)
    bot.clock.now = min(s.starts_at for s in sessions_of(bot)) - timedelta(hours=23)
    bot.fake.rate_limits = RateLimits(
        workspace_per_minute={"chat.postMessage": 120}, window_seconds=1.0, retry_after=1
    )
    stopping = outbox.of(bot.ctx)
    before = len(bot.fake.calls_to("chat.postMessage"))
    done: list[Any] = []
    pass_ = threading.Thread(target=lambda: done.append(stopping.dispatch(bot.ctx)))
    pass_.start()
    assert bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.postMessage")) >= before + 2)
    stopping.stop()
    pass_.join(30)
    [summary] = done
    assert 0 < summary.sent < 12 and summary.retry_later == 12 - summary.sent
    with bot.ctx.db.transaction(write=False) as session:
        left = list(
            session.exec(
                select(Notification)
                .where(Notification.kind == "reminder")
                .where(Notification.status == "pending")
                .where(col(Notification.due_at) <= bot.clock.now)
            )
        )
    assert len(left) == 12 - summary.sent
    assert all(row.claimed_until is None for row in left)  # due again at once
    assert stopping.dispatch(bot.ctx).sent == 0  # a stopped outbox sends nothing more
    bot.ctx.outbox = fresh = build_outbox()  # the next start
    assert fresh.dispatch(bot.ctx).by_kind == {"reminder": 12 - summary.sent}
    for user, _ in people:
        assert len(messages(bot, user, ids.SESSION_SKIP)) == 1, user
