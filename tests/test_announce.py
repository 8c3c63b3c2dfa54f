"""``/mentor admin announce``: once per member and channel, asked before a duplicate,
progress and failures shown to the author as counts only."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.delivery import outbox
from bot.enrollment import service as enrollment
from bot.fakeslack import RateLimits
from bot.fakeslack.records import Message
from bot.slack import ids
from storage import queries
from storage.models import Announcement, Participant
from tests.harness import ADMIN, Bot

HEADER_EN = "📣 Announcement from the reverse mentoring program"
HEADER_DE = "📣 Ankündigung des Reverse-Mentoring-Programms"
USER_ID = re.compile(r"\bU[A-Z0-9]{2,}\b")


def enroll(bot: Bot, users: list[str], *, cohort: str | None = None, add: bool = True) -> None:
    cohort_id = None
    if cohort is not None:
        with bot.ctx.db.transaction() as session:
            found = queries.cohort_by_name(session, cohort)
            assert found is not None
            cohort_id = found.id
    for n, user in enumerate(users):
        if add:
            bot.fake.add_user(user, name=user.lower())
        enrollment.enroll(
            bot.ctx,
            user,
            enrollment.JoinForm(
                role="mentor" if n % 2 else "mentee",
                topics=["genai"],
                department=None,
                cohort_id=cohort_id,
            ),
        )
    outbox.dispatch(bot.ctx)  # the join confirmations, as after the join modal


def announcements(bot: Bot, user: str) -> list[Message]:
    return [
        m for m in bot.fake.messages_for(user) if HEADER_EN in m.all_text or HEADER_DE in m.all_text
    ]


def progress(bot: Bot) -> Message:
    """The author's progress message (the last DM to the admin that reports on one)."""
    found = [m for m in bot.fake.messages_for(ADMIN) if "Your announcement to" in m.text]
    assert found, "no progress message"
    return found[-1]


def settle(bot: Bot) -> None:
    assert bot.ctx.background.wait_idle(timeout=120)


def make_board(bot: Bot) -> None:
    bot.fake.add_channel("C0BOARD", name="rm-board", members=[bot.fake.bot_user_id])
    answer = bot.reply(ADMIN, "admin cohort create board <#C0BOARD|rm-board> weekly")
    assert "board" in answer


def test_a_cohort_of_300_gets_it_once_each_under_rate_limits(bot: Bot) -> None:
    make_board(bot)
    members = [f"UM{n:04d}" for n in range(300)]
    enroll(bot, members, cohort="board")
    bot.fake.rate_limits = RateLimits(
        workspace_per_minute={"chat.postMessage": 100}, window_seconds=1.0, retry_after=1
    )
    # However fast this machine sends, some calls are answered 429 with Retry-After.
    bot.fake.fail_next("chat.postMessage", status=429, times=2, channel="UM0150")
    answer = bot.reply(ADMIN, "admin announce board Kick-off *Monday* at 10:00.\nSee you there!")
    assert "300 active members of *board*" in answer and "<#C0BOARD>" in answer
    settle(bot)
    for member in members:
        [dm] = announcements(bot, member)
        assert "Kick-off *Monday* at 10:00.\nSee you there!" in dm.all_text
    [post] = [m for m in bot.fake.messages("C0BOARD") if HEADER_EN in m.all_text]
    assert "Kick-off" in post.all_text
    limited = [c for c in bot.fake.calls_to("chat.postMessage") if c.http_status == 429]
    assert limited, "the workspace limit was never reached"
    final = progress(bot)
    assert "delivered to every active member (300)" in final.text
    assert "Posted in <#C0BOARD>" in final.all_text
    assert final.revisions, "the progress message was never updated"
    for version in [final.text, final.all_text, *(r.text for r in final.revisions)]:
        assert not USER_ID.search(version), version


def test_a_command_slack_delivers_twice_is_sent_once(bot: Bot) -> None:
    enroll(bot, ["U2", "U3"], add=False)
    trigger = bot.fake.new_trigger_id(ADMIN)
    first = bot.slack.command(ADMIN, "admin announce Hello all", trigger_id=trigger)
    again = bot.slack.command(ADMIN, "admin announce Hello all", trigger_id=trigger)
    assert "Sending your announcement" in first.json()["text"]
    assert again.status == 200 and again.body == ""  # a replay: acknowledged, not acted on
    settle(bot)
    assert len(announcements(bot, "U2")) == 1 and len(announcements(bot, "U3")) == 1


def test_the_same_announcement_within_a_minute_is_asked_about_first(bot: Bot) -> None:
    enroll(bot, ["U2", "U3"], add=False)
    bot.reply(ADMIN, "admin announce Hello   all")
    settle(bot)
    response = bot.command(ADMIN, "admin announce Hello all")
    body = response.json()
    assert "You sent this same announcement" in body["text"]
    question = {"text": body["text"], "blocks": body["blocks"]}
    settle(bot)
    assert len(announcements(bot, "U2")) == 1  # nothing more went out

    bot.slack.block_action(ADMIN, ids.ANNOUNCE_CANCEL, message=question)
    settle(bot)
    assert len(announcements(bot, "U2")) == 1
    assert any(m.text == "Not sent again." for m in bot.fake.messages_for(ADMIN))

    body = bot.command(ADMIN, "admin announce Hello all").json()
    question = {"text": body["text"], "blocks": body["blocks"]}
    bot.slack.block_action(ADMIN, ids.ANNOUNCE_CONFIRM, message=question)
    bot.slack.block_action(ADMIN, ids.ANNOUNCE_CONFIRM, message=question)  # double click
    settle(bot)
    assert len(announcements(bot, "U2")) == 2 and len(announcements(bot, "U3")) == 2

    bot.clock.advance(seconds=61)  # a minute later it is a new announcement
    assert "Sending your announcement" in bot.reply(ADMIN, "admin announce Hello all")
    settle(bot)
    assert len(announcements(bot, "U2")) == 3


def test_only_active_members_get_it_each_in_their_language(bot: Bot) -> None:
    enroll(bot, ["UEN", "UDE", "U2", "U3"], add=False)
    bot.reply("U2", "pause 2")
    bot.reply("U3", "leave")
    settle(bot)
    with bot.ctx.db.transaction() as session:
        states = {p.user_id: p.status for p in session.exec(select(Participant))}
    assert states["U2"] == "paused" and states["U3"] == "left"
    bot.reply(ADMIN, "admin announce Our *summer* meetup")
    settle(bot)
    [en] = announcements(bot, "UEN")
    [de] = announcements(bot, "UDE")
    assert HEADER_EN in en.all_text and "Our *summer* meetup" in en.all_text
    assert HEADER_DE in de.all_text and "Our *summer* meetup" in de.all_text
    assert announcements(bot, "U2") == [] and announcements(bot, "U3") == []
    # Two people: a group under 5 is never counted exactly.
    assert "delivered to every active member (fewer than 5)" in progress(bot).text


def test_failures_are_counted_by_reason_and_name_nobody(bot: Bot) -> None:
    # A private channel the bot was never invited to.
    bot.fake.add_channel("C0GONE", name="old", is_private=True, members=["U2"])
    bot.reply(ADMIN, "admin cohort create gone <#C0GONE|old>")
    people = ["U2", "U3", "U4", "U5", "UF1", "UF2", "UF3", "UF4"]
    for user in people[4:]:
        bot.fake.add_user(user, name=user.lower())
    enroll(bot, people, cohort="gone", add=False)
    bot.fake.fail_next("chat.postMessage", error="account_inactive", channel="U4")
    bot.fake.fail_next("chat.postMessage", status=500, times=4, channel="U5")  # later
    bot.reply(ADMIN, "admin announce gone Last call")
    settle(bot)
    assert [len(announcements(bot, u)) for u in people] == [1, 1, 0, 0, 1, 1, 1, 1]
    assert "sent 6 of 8" in progress(bot).text  # U5 is still owed it
    bot.clock.advance(minutes=5)  # the retry after a 5xx
    from bot.delivery import outbox

    outbox.dispatch(bot.ctx)
    settle(bot)
    assert len(announcements(bot, "U5")) == 1
    text = progress(bot).all_text
    assert "delivered to all but fewer than 5 of 8 active members" in text
    assert "fewer than 5 not delivered: the account is deactivated." in text
    assert "Not posted in <#C0GONE>: the bot is not in the channel" in text
    assert not USER_ID.search(text)


def test_bad_input_gets_usage_and_sends_nothing(bot: Bot) -> None:
    enroll(bot, ["U2"], add=False)
    bot.reply(ADMIN, "admin cohort create board")
    assert "Usage: `/mentor admin announce [COHORT] MESSAGE`" in bot.reply(ADMIN, "admin announce")
    assert "Usage" in bot.reply(ADMIN, "admin announce board")  # a cohort but no message
    long = bot.reply(ADMIN, "admin announce " + "x" * 3001)
    assert "3,001 characters" in long or "3001 characters" in long
    assert "Only program admins" in bot.reply("U2", "admin announce Hello")
    settle(bot)
    assert announcements(bot, "U2") == []
    with bot.ctx.db.transaction() as session:
        assert list(session.exec(select(Announcement))) == []


def test_forget_clears_the_author(bot: Bot) -> None:
    enroll(bot, ["U2"], add=False)
    bot.reply(ADMIN, "admin announce Hello")
    settle(bot)
    from bot.enrollment import privacy

    assert privacy.forget(bot.ctx, ADMIN)
    with bot.ctx.db.transaction() as session:
        [row] = session.exec(select(Announcement))
    assert row.author_id is None and row.text == "Hello"
    assert row.progress_channel is None  # the bot no longer edits their DM


def test_forget_removes_mentions_from_announcements(bot: Bot) -> None:
    enroll(bot, ["U2", "U3"], add=False)
    bot.reply(ADMIN, "admin announce Congratulations <@U2|user2> and <@U3>!")
    settle(bot)
    from bot.enrollment import privacy

    assert privacy.forget(bot.ctx, "U2")
    with bot.ctx.db.transaction() as session:
        [row] = session.exec(select(Announcement))
    assert row.text == "Congratulations @… and <@U3>!"


def test_the_same_text_to_an_overlapping_audience_is_asked_about(bot: Bot) -> None:
    bot.reply(ADMIN, "admin cohort create board")
    enroll(bot, ["U2"], cohort="board", add=False)
    bot.reply(ADMIN, "admin announce Hello")  # every open cohort, board included
    settle(bot)
    assert "You sent this same announcement" in bot.reply(ADMIN, "admin announce board Hello")
    settle(bot)
    assert len(announcements(bot, "U2")) == 1


def _open_board(bot: Bot) -> None:
    # A public channel nobody invited the bot to.
    bot.fake.add_channel("C0OPEN", name="rm-open", members=["U2"])
    answer = bot.reply(ADMIN, "admin cohort create open <#C0OPEN|rm-open>")
    assert "For a private channel, invite me there first." in answer
    enroll(bot, ["U2"], cohort="open", add=False)


def test_a_public_channel_the_bot_was_never_invited_to_gets_the_announcement(bot: Bot) -> None:
    _open_board(bot)
    bot.reply(ADMIN, "admin announce open Kick-off on Monday")
    settle(bot)
    [post] = [m for m in bot.fake.messages("C0OPEN") if HEADER_EN in m.all_text]
    assert "Kick-off on Monday" in post.all_text
    assert "Posted in <#C0OPEN>" in progress(bot).all_text


def test_an_install_without_chat_write_public_tells_the_admin_to_invite_the_bot(
    bot: Bot,
) -> None:
    # An app installed from an older manifest, as Slack would treat it.
    bot.fake.scopes = bot.fake.scopes - {"chat:write.public"}
    _open_board(bot)
    bot.reply(ADMIN, "admin announce open Kick-off on Monday")
    settle(bot)
    assert bot.fake.messages("C0OPEN") == []
    assert len(announcements(bot, "U2")) == 1  # the members still get their DM
    text = progress(bot).all_text
    assert "Not posted in <#C0OPEN>: the bot is not in the channel (invite it with" in text


def test_a_channel_post_owed_by_an_earlier_release_still_reaches_its_channel(bot: Bot) -> None:
    """During a rolling upgrade an instance of the release before named the channel only
    in the row's key; the post still goes there, and the progress counts it."""
    make_board(bot)
    with bot.ctx.db.transaction() as session:
        row = Announcement(text="Hello board", digest="0" * 64, author_id=ADMIN)
        session.add(row)
        session.flush()
        outbox.enqueue(
            session,
            key=f"announce:{row.id}:channel:C0BOARD",
            kind="announcement",
            due_at=bot.clock.now,
            announcement_id=row.id,
        )
        announcement = row
    assert outbox.dispatch(bot.ctx).sent == 1
    [post] = [m for m in bot.fake.messages("C0BOARD") if HEADER_EN in m.all_text]
    assert "Hello board" in post.all_text
    from bot.announcements.sending import progress

    with bot.ctx.db.transaction(write=False) as session:
        assert progress(session, announcement).channels_sent == ["C0BOARD"]
