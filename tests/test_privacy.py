"""A person's rights over their data: export and forget."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core.people import People
from bot.enrollment import privacy
from bot.slack import ids
from storage import queries
from storage.models import Pair, SlackUser
from tests.harness import Bot, Clock, activate_pairs, make_pair


def _every_text_value(bot: Bot) -> str:
    """Every value of every row of every table, as one string."""
    parts: list[str] = []
    with bot.ctx.db.engine.connect() as connection:
        tables = [t for t in bot.ctx.db.engine.dialect.get_table_names(connection)]
        for table in tables:
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_export_sends_the_persons_data_as_a_json_file(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai", "data"], department="Sales")
    response = bot.command("UEN", "export")
    assert response.status == 200
    assert bot.fake.wait_for(lambda: any(f.completed for f in bot.fake.files()))
    assert len(bot.fake.files()) == 1
    file = bot.fake.files()[0]
    assert file.name.endswith(".json")
    data = json.loads(file.content)
    assert data["slack_user_id"] == "UEN"
    assert data["enrollment"]["role"] == "mentor"
    assert data["enrollment"]["topics"] == ["genai", "data"]
    assert data["enrollment"]["department"] == "Sales"
    assert data["slack_profile_cache"]["locale"] == "en-US"
    shared = [m for m in bot.fake.messages_for("UEN") if m.files]
    assert len(shared) == 1  # the file reached only the person's own DM
    assert bot.fake.wait_for(
        lambda: any("sent you a direct message" in m.text for m in bot.fake.messages_for("UEN"))
    )
    for other in ("UDE", "U2"):
        assert bot.fake.messages_for(other) == []


def test_export_when_slack_refuses_the_upload_says_so(bot: Bot) -> None:
    bot.fake.fail_next("files.completeUploadExternal", error="file_upload_failed")
    bot.command("UDE", "export")
    assert bot.fake.wait_for(
        lambda: any("file_upload_failed" in m.text for m in bot.fake.messages_for("UDE"))
    )


def test_forget_asks_first_then_deletes_everything(bot: Bot) -> None:
    bot.join("UEN", role="mentor", department="Marketing-Unique-Dept")
    bot.join("UDE", role="mentee")
    make_pair(bot, "UEN", "UDE")

    answer = bot.command("UEN", "forget").json()
    buttons = [
        e for b in answer["blocks"] for e in b.get("elements", []) if e.get("type") == "button"
    ]
    assert [b["action_id"] for b in buttons] == [ids.FORGET_CONFIRM]
    with bot.ctx.db.transaction() as session:
        assert queries.participant_of(session, "UEN") is not None  # nothing deleted yet

    before = len(bot.fake.messages_for("UDE"))
    response = bot.slack.block_action("UEN", ids.FORGET_CONFIRM, value="confirm")
    assert response.status == 200
    assert bot.fake.wait_for(
        lambda: any("All your data was deleted" in m.text for m in bot.fake.messages_for("UEN"))
    )
    told = bot.fake.wait_for_messages("UDE", before + 1)[-1]
    assert "beendet" in told.text and "UEN" not in told.all_text

    bot.slack.block_action("UEN", ids.FORGET_CONFIRM, value="confirm")  # a double click
    assert bot.fake.wait_for(
        lambda: any("no data about you" in m.text for m in bot.fake.messages_for("UEN"))
    )
    assert len(bot.fake.messages_for("UDE")) == before + 1  # the partner is told once

    everything = _every_text_value(bot)
    assert "UEN" not in everything
    assert "Marketing-Unique-Dept" not in everything
    assert bot.ctx.vault.user_key("UEN") in everything  # the pair's keyed hash remains
    assert "not enrolled" in bot.reply("UEN", "status")


def test_forget_in_german(bot: Bot) -> None:
    answer = bot.command("UDE", "forget").json()
    assert "Alle deine Daten löschen?" in answer["text"]
    bot.slack.block_action("UDE", ids.FORGET_CONFIRM, value="confirm")
    # Someone who never enrolled has nothing stored, not even their Slack profile.
    assert bot.fake.wait_for(
        lambda: any("keine Daten über dich" in m.text for m in bot.fake.messages_for("UDE"))
    )


# --- what forget and the profile cache leave behind -----------------------------------

PASSERBY = "U0PASSERBY7"  # never enrolls
LEAVER = "U0LEAVER42"  # enrolls, then forgets


def _stored_profiles(bot: Bot) -> dict[str, str | None]:
    with bot.ctx.db.transaction(write=False) as session:
        return {row.user_id: row.locale for row in session.exec(select(SlackUser))}


def _open_home(bot: Bot, user_id: str) -> None:
    bot.slack.event({"type": "app_home_opened", "user": user_id, "tab": "home"})
    assert bot.fake.wait_for(lambda: bot.fake.home_view(user_id) is not None)
    assert bot.ctx.background.wait_idle()


def test_someone_who_never_enrolled_gets_their_language_but_no_stored_profile(bot: Bot) -> None:
    bot.fake.add_user(PASSERBY, name="passerby", locale="de-DE", tz="Europe/Berlin")
    assert "das kannst du tun" in bot.reply(PASSERBY, "help")
    assert "noch nicht angemeldet" in bot.reply(PASSERBY, "status")
    _open_home(bot, PASSERBY)
    assert bot.ctx.background.wait_idle()
    assert PASSERBY not in _stored_profiles(bot)
    assert PASSERBY not in _every_text_value(bot)
    # The answer is remembered in memory: the next command asks Slack nothing.
    asked = len(bot.fake.calls_to("users.info"))
    assert "das kannst du tun" in bot.reply(PASSERBY, "help")
    assert len(bot.fake.calls_to("users.info")) == asked


def test_joining_stores_the_profile(bot: Bot) -> None:
    bot.fake.add_user(PASSERBY, name="passerby", locale="de-DE", tz="Europe/Berlin")
    assert "das kannst du tun" in bot.reply(PASSERBY, "help")
    assert PASSERBY not in _stored_profiles(bot)
    bot.join(PASSERBY)
    assert _stored_profiles(bot)[PASSERBY] == "de-DE"


def test_after_forget_and_more_commands_nothing_holds_the_persons_id(bot: Bot) -> None:
    bot.fake.add_user(LEAVER, name="leaver", locale="de-DE", tz="Europe/Berlin")
    bot.join(LEAVER, role="mentor")
    bot.join("UEN", role="mentee")
    make_pair(bot, LEAVER, "UEN")
    assert _stored_profiles(bot)[LEAVER] == "de-DE"

    bot.command(LEAVER, "forget")
    bot.slack.block_action(LEAVER, ids.FORGET_CONFIRM, value="confirm")
    assert bot.fake.wait_for(
        lambda: any("wurden gelöscht" in m.text for m in bot.fake.messages_for(LEAVER))
    )
    assert bot.ctx.background.wait_idle()

    assert "noch nicht angemeldet" in bot.reply(LEAVER, "status")  # still in German
    assert "das kannst du tun" in bot.reply(LEAVER, "help")
    _open_home(bot, LEAVER)
    bot.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": bot.fake.open_im(LEAVER),
            "user": LEAVER,
            "text": "hallo",
        }
    )
    assert bot.fake.wait_for(
        lambda: any("/mentor help" in m.text for m in bot.fake.messages_for(LEAVER))
    )
    assert bot.ctx.background.wait_idle()
    assert LEAVER not in _every_text_value(bot)


def test_forget_clears_the_group_dm_and_intro_of_the_persons_pairs(bot: Bot) -> None:
    activate_pairs(bot, 2)
    mentor = "UM0"
    with bot.ctx.db.transaction(write=False) as session:
        pairs = {p.id: (p.mentor_id, p.channel_id, p.intro_ts) for p in session.exec(select(Pair))}
    assert all(channel and intro for _, channel, intro in pairs.values())  # intros went out
    theirs = {pair_id for pair_id, (m, _, _) in pairs.items() if m == mentor}
    assert len(theirs) == 1 and len(pairs) == 2

    assert privacy.forget(bot.ctx, mentor)
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction(write=False) as session:
        after = {p.id: (p.mentor_id, p.channel_id, p.intro_ts) for p in session.exec(select(Pair))}
    for pair_id, (mentor_id, channel, intro) in after.items():
        if pair_id in theirs:
            assert (mentor_id, channel, intro) == (None, None, None)
        else:  # the other pair keeps its conversation
            assert (mentor_id, channel, intro) == pairs[pair_id]


@pytest.mark.real_slack_time  # forget comes during the Retry-After
def test_a_refresh_that_lands_after_forget_stores_nothing(bot: Bot) -> None:
    bot.fake.add_user(LEAVER, name="leaver", locale="de-DE", tz="Europe/Berlin")
    bot.join(LEAVER)
    assert LEAVER in _stored_profiles(bot)
    bot.clock.advance(days=1, minutes=1)
    # The stale entry answers at once; its refresh meets a 429 and waits 2 s.
    bot.fake.fail_next("users.info", status=429, retry_after=2)
    asked = len(bot.fake.calls_to("users.info"))
    assert "Status" in bot.reply(LEAVER, "status")
    assert bot.fake.wait_for(lambda: len(bot.fake.calls_to("users.info")) > asked)
    assert bot.fake.calls_to("users.info")[-1].http_status == 429
    assert privacy.forget(bot.ctx, LEAVER)  # while the refresh waits
    assert bot.ctx.background.wait_idle()
    assert bot.fake.calls_to("users.info")[-1].http_status == 200  # it did land
    assert LEAVER not in _stored_profiles(bot)
    assert LEAVER not in _every_text_value(bot)


def test_a_profile_change_of_someone_not_enrolled_stays_in_memory(bot: Bot) -> None:
    bot.fake.add_user(PASSERBY, name="passerby", locale="en-US", tz="Europe/Berlin")
    assert "here is what you can do" in bot.reply(PASSERBY, "help")
    bot.fake.set_user(PASSERBY, locale="de-DE")
    bot.slack.event({"type": "user_change", "user": {"id": PASSERBY}})
    assert bot.fake.wait_for(lambda: "das kannst du tun" in bot.reply(PASSERBY, "help"))
    assert bot.ctx.background.wait_idle()
    assert PASSERBY not in _stored_profiles(bot)


def test_the_memory_of_someone_not_enrolled_lasts_a_day(bot: Bot) -> None:
    bot.fake.add_user(PASSERBY, name="passerby", locale="en-US", tz="Europe/Berlin")
    assert "here is what you can do" in bot.reply(PASSERBY, "help")
    bot.fake.set_user(PASSERBY, locale="de-DE")
    bot.clock.advance(hours=23)
    assert "here is what you can do" in bot.reply(PASSERBY, "help")
    bot.clock.advance(hours=1, minutes=1)
    assert len(bot.ctx.people.recent) == 0  # nothing held past a day
    assert "das kannst du tun" in bot.reply(PASSERBY, "help")


def test_the_memory_holds_a_bounded_number_of_people() -> None:
    from bot.core.people import Recent

    clock = Clock()
    recent = Recent(clock, size=3)
    for n in range(5):
        recent.put(SlackUser(user_id=f"U{n}", locale="de-DE", fetched_at=clock()))
    assert len(recent) == 3
    assert recent.get("U0") is None and recent.get("U1") is None
    assert recent.get("U4") is not None
    old = SlackUser(user_id="UOLD", fetched_at=clock() - timedelta(days=2))
    recent.put(old)  # an answer older than a day is not kept
    assert recent.get("UOLD") is None


def test_an_admin_who_is_not_enrolled_keeps_a_stored_profile(bot: Bot) -> None:
    # A workspace owner: the admin check must not depend on Slack answering in time.
    assert "Admin-Befehle" in bot.reply("UOWNER", "admin")
    assert _stored_profiles(bot)["UOWNER"] == "de-AT"
    # After a restart (nothing in memory), with Slack not answering, still an admin.
    restarted = People(
        bot.ctx.db, bot.ctx.slack, admin_ids=frozenset(), clock=bot.clock, later=bot.ctx.later
    )
    bot.fake.fail_next("users.info", error="ratelimited", times=3)
    owner = restarted.get("UOWNER")
    assert owner.is_admin and owner.lang == "de"


def test_a_stored_profile_of_someone_not_enrolled_is_deleted_when_they_come_back(
    bot: Bot,
) -> None:
    with bot.ctx.db.transaction() as session:  # stored before only participants were
        session.add(SlackUser(user_id="UDE", locale="de-DE", fetched_at=bot.clock()))
    assert "das kannst du tun" in bot.reply("UDE", "help")
    assert bot.ctx.background.wait_idle()
    assert "UDE" not in _stored_profiles(bot)
    assert "das kannst du tun" in bot.reply("UDE", "help")  # from memory


def test_an_intro_that_lands_after_a_forget_leaves_no_conversation_on_the_pair(
    bot: Bot,
) -> None:
    from bot.delivery import outbox
    from bot.enrollment import service as enrollment
    from bot.matching import consent as pairing

    for user, role in [("UM0", "mentor"), ("UE0", "mentee")]:
        bot.fake.add_user(user, name=user.lower(), tz="Europe/Berlin")
        enrollment.enroll(
            bot.ctx, user, enrollment.JoinForm(role=role, topics=["genai"], department=None)
        )
    outbox.dispatch(bot.ctx)  # the join confirmations
    posts = len(bot.fake.calls_to("chat.postMessage"))
    held = bot.fake.stall_after("chat.postMessage", 0)  # the intro reaches Slack, unanswered
    [cohort] = pairing.cohorts_to_match(bot.ctx, None)
    pairing.match_cohort(bot.ctx, cohort)
    assert bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.postMessage")) > posts)
    assert privacy.forget(bot.ctx, "UM0")
    held.set()
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction(write=False) as session:
        [pair] = session.exec(select(Pair)).all()
    assert (pair.mentor_id, pair.channel_id, pair.intro_ts) == (None, None, None)
