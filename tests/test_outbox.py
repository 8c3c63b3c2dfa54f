"""The outbox under faults: each message once, transient failures retried, dead ends undone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.delivery import leases, outbox
from bot.slack import ids
from storage.models import Notification, Pair
from tests.harness import ADMIN, Bot, make_pair


def enroll(bot: Bot, *people: tuple[str, str]) -> None:
    from bot.enrollment import service as enrollment

    for user, role in people:
        enrollment.enroll(
            bot.ctx, user, enrollment.JoinForm(role=role, topics=["genai"], department=None)
        )
    outbox.dispatch(bot.ctx)  # the join confirmations, as after the join modal


def notifications(bot: Bot) -> list[Notification]:
    with bot.ctx.db.transaction() as session:
        return list(session.exec(select(Notification).order_by(Notification.id)))  # type: ignore[arg-type]


def pairs(bot: Bot) -> list[Pair]:
    with bot.ctx.db.transaction() as session:
        return list(session.exec(select(Pair).order_by(Pair.id)))  # type: ignore[arg-type]


def intros(bot: Bot, user: str) -> list[object]:
    return [m for m in bot.fake.messages_for(user) if ids.PAIR_ACCEPT in m.action_ids()]


def test_a_5xx_beyond_the_retries_is_sent_later_exactly_once(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"), ("U2", "mentee"))
    bot.fake.fail_next("chat.postMessage", status=500, times=4)  # slack_sdk retries 3 times
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    [intro_row] = [n for n in notifications(bot) if n.kind == "intro"]
    assert intro_row.status == "pending" and intro_row.due_at > bot.clock.now
    assert intros(bot, "UEN") == []
    assert outbox.dispatch(bot.ctx).sent == 0  # not due again yet
    bot.clock.advance(minutes=2)
    summary = outbox.dispatch(bot.ctx)
    assert summary.sent == 1
    assert len(intros(bot, "UEN")) == 1 and len(intros(bot, "U2")) == 1
    bot.clock.advance(hours=2)
    assert outbox.dispatch(bot.ctx).sent == 0


def test_an_intro_slack_refuses_for_good_frees_both_people(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"), ("U2", "mentee"))
    bot.fake.fail_next("chat.postMessage", error="channel_not_found")
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    assert [p.status for p in pairs(bot)] == ["cancelled"]
    assert "not matched yet" in bot.reply("UEN", "status")
    bot.reply(ADMIN, "admin match")  # a cancelled proposal is not a former pair
    assert bot.ctx.background.wait_idle()
    assert [p.status for p in pairs(bot)] == ["cancelled", "proposed"]
    assert len(intros(bot, "UEN")) == 1


def test_a_lease_taken_over_cannot_mark_the_row(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"))
    with bot.ctx.db.transaction() as session:
        outbox.enqueue(session, key="t:1", kind="waiting", due_at=bot.clock.now, user_id="UEN")
    claimed = _claim_one(bot.ctx, bot.clock.now)
    assert claimed is not None
    row, stale_token = claimed
    assert _claim_one(bot.ctx, bot.clock.now) is None  # leased: nobody else takes it
    bot.clock.advance(minutes=16)  # the first dispatcher died; its lease ran out
    again = _claim_one(bot.ctx, bot.clock.now)
    assert again is not None and again[1] != stale_token
    assert not leases.finish(bot.ctx, row, stale_token, {"status": "sent"})
    assert leases.finish(bot.ctx, again[0], again[1], {"status": "cancelled"})
    assert [n.status for n in notifications(bot) if n.key == "t:1"] == ["cancelled"]


def test_two_dispatchers_at_once_send_each_message_once(bot: Bot) -> None:
    people = [(f"UM{n}", "mentor") for n in range(6)] + [(f"UE{n}", "mentee") for n in range(6)]
    for user, _ in people:
        bot.fake.add_user(user, name=user.lower())
    enroll(bot, *people)
    from bot.matching import consent as pairing

    [cohort] = pairing.cohorts_to_match(bot.ctx, None)
    with bot.ctx.background._idle:  # hold kicks back: the two dispatchers below race alone
        bot.ctx.background._running.add("dispatch")
    pairing.match_cohort(bot.ctx, cohort)
    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(lambda _: outbox.dispatch(bot.ctx), range(2)))
    assert sum(s.sent for s in summaries) == 6
    for user, _ in people:
        assert len(intros(bot, user)) == 1


def test_a_decline_cannot_undo_an_active_pair(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"), ("U2", "mentee"))
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    [intro] = intros(bot, "UEN")
    bot.slack.block_action("UEN", ids.PAIR_ACCEPT, message=intro)
    bot.slack.block_action("U2", ids.PAIR_ACCEPT, message=intro)
    assert bot.ctx.background.wait_idle()
    pair_id = pairs(bot)[0].id
    bot.slack.block_action("U2", ids.PAIR_DECLINE, value=str(pair_id))  # a late, stale click
    assert bot.ctx.background.wait_idle()
    assert [p.status for p in pairs(bot)] == ["active"]
    assert any("no longer open" in m.text for m in bot.fake.messages_for("U2"))


def test_leaving_during_a_proposal_closes_the_intro(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"), ("U2", "mentee"))
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    [intro] = intros(bot, "UEN")
    bot.reply("UEN", "leave")
    assert bot.ctx.background.wait_idle()
    closed = next(m for m in bot.fake.messages_for("U2") if m.ts == intro.ts)
    assert closed.action_ids() == [] and "introduction is closed" in closed.all_text


def test_people_who_come_back_are_told_about_the_waiting_list_again(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"))
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    bot.reply("UEN", "leave")
    enroll(bot, ("UEN", "mentor"))
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    told = [m for m in bot.fake.messages_for("UEN") if "waiting list" in m.text]
    assert len(told) == 2


def test_two_matching_runs_at_once_propose_each_person_once(bot: Bot) -> None:
    people = [(f"UM{n}", "mentor") for n in range(5)] + [(f"UE{n}", "mentee") for n in range(5)]
    for user, _ in people:
        bot.fake.add_user(user, name=user.lower())
    enroll(bot, *people)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: bot.command(ADMIN, "admin match"), range(2)))
    assert [a.status for a in answers] == [200, 200]
    assert bot.ctx.background.wait_idle()
    assert len(pairs(bot)) == 5
    for user, _ in people:
        assert len(intros(bot, user)) == 1
    reports = [m.text for m in bot.fake.messages_for(ADMIN) if m.method == "response_url"]
    assert sorted(r.split(":")[1].strip()[:16] for r in reports) == [
        "0 pairs proposed",
        "5 pairs proposed",
    ]


def test_forget_clears_who_said_yes(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"), ("U2", "mentee"))
    pair_id = make_pair(bot, "UEN", "U2", status="proposed")
    with bot.ctx.db.transaction() as session:
        pair = session.get(Pair, pair_id)
        assert pair is not None
        pair.mentor_accepted = True
        session.add(pair)
    bot.slack.block_action("UEN", ids.FORGET_CONFIRM, value="confirm")
    assert bot.ctx.background.wait_idle()
    [pair] = pairs(bot)
    assert (pair.mentor_id, pair.mentor_accepted, pair.mentee_accepted) == (None, False, False)
    assert bot.ctx.vault.user_key("UEN") == pair.mentor_key
    assert bot.clock.now - timedelta(minutes=1) < (pair.ended_at or bot.clock.now)


def test_a_cohort_whose_matching_fails_is_reported_and_the_others_still_run(bot: Bot) -> None:
    from bot.matching import consent as pairing

    bot.reply(ADMIN, "admin cohort create board")
    bot.reply(ADMIN, "admin cohort create heads")
    real = pairing.match_cohort

    def failing_for_board(ctx: object, cohort: object) -> object:
        if getattr(cohort, "name", "") == "board":
            raise RuntimeError("database went away")
        return real(ctx, cohort)  # type: ignore[arg-type]

    pairing.match_cohort = failing_for_board  # type: ignore[assignment]
    try:
        bot.reply(ADMIN, "admin match")
        assert bot.ctx.background.wait_idle()
    finally:
        pairing.match_cohort = real  # type: ignore[assignment]
    report = [m.text for m in bot.fake.messages_for(ADMIN) if m.method == "response_url"][-1]
    assert "*board*: matching failed and changed nothing" in report
    assert "*heads*: 0 pairs proposed" in report


def test_batches_are_leased_to_one_dispatcher_and_can_be_handed_back(bot: Bot) -> None:
    enroll(bot, ("UEN", "mentor"))
    with bot.ctx.db.transaction() as session:
        for n in range(5):
            outbox.enqueue(
                session, key=f"t:{n}", kind="waiting", due_at=bot.clock.now, user_id="UEN"
            )
    first, token = leases.claim_batch(bot.ctx, bot.clock.now, 3)
    second, _ = leases.claim_batch(bot.ctx, bot.clock.now, 3)
    assert len(first) == 3 and len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}
    assert leases.claim_batch(bot.ctx, bot.clock.now, 3)[0] == []
    leases.release(bot.ctx, first, token)  # handed back: due again at once, no attempt used
    again, _ = leases.claim_batch(bot.ctx, bot.clock.now, 5)
    assert sorted(r.id for r in again) == sorted(r.id for r in first)
    assert {n.attempts for n in notifications(bot) if n.id in {r.id for r in first}} == {1}


def test_a_message_whose_answer_was_lost_is_not_posted_again(bot: Bot) -> None:
    # Slack posts the join confirmation, but the connection drops before its answer: the
    # bot cannot know. It must not post blindly again (the person would see it twice),
    # nor give up (the person might see nothing): it tries again later and looks first.
    from bot.enrollment import service as enrollment

    enrollment.enroll(
        bot.ctx, "UEN", enrollment.JoinForm(role="mentee", topics=["genai"], department=None)
    )
    bot.fake.lose_answer_next("chat.postMessage")
    summary = outbox.dispatch(bot.ctx)
    assert (summary.sent, summary.retry_later) == (0, 1)
    assert len(bot.fake.messages_for("UEN")) == 1  # Slack has it
    [row] = [n for n in notifications(bot) if n.kind == "enrolled"]
    assert row.status == "pending" and row.in_flight
    bot.clock.advance(minutes=2)
    assert outbox.dispatch(bot.ctx).sent == 1
    assert len(bot.fake.messages_for("UEN")) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == 1
    assert len(bot.fake.calls_to("conversations.history")) == 1


def test_a_post_slack_refused_is_posted_again_without_looking(bot: Bot) -> None:
    from bot.enrollment import service as enrollment

    enrollment.enroll(
        bot.ctx, "UEN", enrollment.JoinForm(role="mentee", topics=["genai"], department=None)
    )
    bot.fake.fail_next("chat.postMessage", status=500, times=4)  # slack_sdk retries 3 times
    assert outbox.dispatch(bot.ctx).retry_later == 1
    [row] = [n for n in notifications(bot) if n.kind == "enrolled"]
    assert not row.in_flight  # Slack answered each time: nothing of it is there
    bot.clock.advance(minutes=2)
    assert outbox.dispatch(bot.ctx).sent == 1
    assert len(bot.fake.messages_for("UEN")) == 1
    assert bot.fake.calls_to("conversations.history") == []


def _claim_one(ctx: Any, now: datetime) -> tuple[Notification, str] | None:
    """Lease the next due row alone, as a dispatcher's claim does; None when none is due."""
    rows, token = leases.claim_batch(ctx, now, 1)
    return (rows[0], token) if rows else None
