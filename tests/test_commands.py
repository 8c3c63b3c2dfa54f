"""Every /mentor command through the real app over HTTP, in English and German."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.slack import ids
from storage import queries
from storage.models import Cohort
from tests.harness import Bot, make_pair


def participant(bot: Bot, user_id: str) -> Any:
    with bot.ctx.db.transaction() as session:
        return queries.participant_of(session, user_id)


# --- help and unknown input -----------------------------------------------------------


def test_help_lists_what_this_person_may_use(bot: Bot) -> None:
    text = bot.reply("UEN", "help")
    for command in ("/mentor join", "/mentor status", "/mentor export", "/mentor forget"):
        assert command in text
    for command in ("/mentor pause", "/mentor leave", "admin cohort create"):
        assert command not in text  # not enrolled, not an admin
    assert bot.reply("UEN", "") == text  # bare /mentor is help
    bot.join("UEN")
    enrolled = bot.reply("UEN", "help")
    assert "/mentor pause [weeks]" in enrolled and "/mentor leave" in enrolled


def test_help_in_german_for_a_german_locale(bot: Bot) -> None:
    text = bot.reply("UDE", "help")
    assert text.startswith("*Reverse Mentoring* – das kannst du tun:")
    assert "`/mentor join` – mitmachen" in text


def test_admins_see_admin_commands_in_help(bot: Bot) -> None:
    assert "/mentor admin cohort create" in bot.reply("UADMIN01", "help")
    assert "/mentor admin cohort create" in bot.reply("UOWNER", "help")  # workspace owner


def test_unknown_subcommand_says_what_to_type(bot: Bot) -> None:
    text = bot.reply("UEN", "dance")
    assert "/mentor dance" in text and "/mentor help" in text
    assert "kenne ich nicht" in bot.reply("UDE", "tanzen")


def test_unknown_subcommand_is_escaped(bot: Bot) -> None:
    text = bot.reply("UEN", "<!channel>")
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text


# --- join -----------------------------------------------------------------------------


def test_join_opens_the_modal_and_enrolls(bot: Bot) -> None:
    response = bot.command("UEN", "join")
    assert response.status == 200
    assert bot.fake.wait_for(lambda: bool(bot.fake.opened_views("UEN")))
    view = bot.fake.opened_views("UEN")[-1]
    assert view["callback_id"] == ids.JOIN
    role = next(b for b in view["blocks"] if b.get("block_id") == ids.ROLE)
    assert [o["value"] for o in role["element"]["options"]] == ["mentor", "mentee"]

    result = bot.slack.view_submission(
        "UEN",
        view,
        bot.slack.state_from(
            view,
            {
                "role": "mentor",
                "topics": ["genai", "social_media"],
                "department": "Sales",
                "weekdays": ["1", "3"],
                "time_window": "morning",
            },
        ),
    )
    assert result.status == 200
    enrolled = participant(bot, "UEN")
    assert enrolled.role == "mentor"
    assert enrolled.topics == ["genai", "social_media"]
    assert enrolled.department == "Sales"
    assert enrolled.weekdays == [1, 3]
    assert enrolled.time_window == "morning"

    dm = bot.fake.wait_for_messages("UEN")[-1]
    assert "mentor" in dm.text and "Generative AI" in dm.text and "general" in dm.text
    assert bot.fake.wait_for(lambda: "Change my enrollment" in str(bot.fake.home_view("UEN")))

    status = bot.reply("UEN", "status")
    assert "Role: mentor" in status
    assert "Cohort: general" in status
    assert "not matched yet" in status


def test_join_modal_and_confirmation_in_german(bot: Bot) -> None:
    bot.join("UDE", role="mentee", topics=["platform_economy"])
    view = bot.fake.opened_views("UDE")[-1]
    assert view["title"]["text"] == "Reverse Mentoring"
    assert view["submit"]["text"] == "Anmelden"
    assert "Deine Rolle" in str(view["blocks"])
    assert "Montag" in str(view["blocks"])
    dm = bot.fake.wait_for_messages("UDE")[-1]
    assert "Du bist als *Mentee*" in dm.text and "Plattformökonomie" in dm.text
    assert "Rolle: Mentee" in bot.reply("UDE", "status")


def test_submitting_again_updates_the_enrollment(bot: Bot) -> None:
    bot.join("UEN", role="mentee", topics=["genai"])
    bot.join("UEN", role="mentor", topics=["data"], department="IT")
    view = bot.fake.opened_views("UEN")[-1]
    role = next(b for b in view["blocks"] if b.get("block_id") == ids.ROLE)
    assert role["element"]["initial_option"]["value"] == "mentee"  # pre-filled
    assert view["submit"]["text"] == "Save"
    enrolled = participant(bot, "UEN")
    assert (enrolled.role, enrolled.topics, enrolled.department) == ("mentor", ["data"], "IT")
    assert "updated" in bot.fake.wait_for_messages("UEN", 2)[-1].text


def test_join_without_topics_shows_the_error_in_the_modal(bot: Bot) -> None:
    response = bot.join("UEN", role="mentor", topics=[])
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert "topic" in body["errors"]["topics"]
    assert participant(bot, "UEN") is None


def test_overlong_department_is_refused_not_truncated(bot: Bot) -> None:
    response = bot.join("UEN", department="x" * 81)
    assert response.json()["errors"]["department"].startswith("Keep the department")
    assert participant(bot, "UEN") is None


def test_user_text_is_escaped_everywhere_it_is_echoed(bot: Bot) -> None:
    bot.join("UEN", department="<!channel> <@U2>")
    assert participant(bot, "UEN").department == "<!channel> <@U2>"  # stored as typed
    status = bot.reply("UEN", "status")
    assert "<!channel>" not in status and "<@U2>" not in status
    assert "Department: &lt;!channel&gt; &lt;@U2&gt;" in status
    for message in bot.fake.wait_for_messages("UEN", 1):
        assert "<!channel>" not in message.all_text


def test_join_picks_among_several_open_cohorts(bot: Bot) -> None:
    bot.reply("UADMIN01", "admin cohort create board")
    bot.reply("UADMIN01", "admin cohort create heads")
    bot.command("UEN", "join")
    assert bot.fake.wait_for(lambda: bool(bot.fake.opened_views("UEN")))
    view = bot.fake.opened_views("UEN")[-1]
    cohort_block = next(b for b in view["blocks"] if b.get("block_id") == ids.COHORT)
    options = {o["text"]["text"]: o["value"] for o in cohort_block["element"]["options"]}
    assert set(options) == {"board", "heads"}
    bot.slack.view_submission(
        "UEN",
        view,
        bot.slack.state_from(
            view, {"role": "mentor", "topics": ["genai"], "cohort": options["heads"]}
        ),
    )
    assert "Cohort: heads" in bot.reply("UEN", "status")


def test_status_when_not_enrolled(bot: Bot) -> None:
    assert "not enrolled" in bot.reply("UEN", "status")
    assert "noch nicht angemeldet" in bot.reply("UDE", "status")


# --- pause, resume, leave -------------------------------------------------------------


def test_pause_for_weeks_then_it_ends_by_itself(bot: Bot) -> None:
    bot.join("UEN")
    text = bot.reply("UEN", "pause 3")
    assert text.startswith("Paused until Dec 15, 2026")
    assert "paused until Dec 15, 2026" in bot.reply("UEN", "status")
    bot.clock.advance(weeks=3, hours=1)
    assert "Status: active" in bot.reply("UEN", "status")


def test_pause_until_resume_in_german(bot: Bot) -> None:
    bot.join("UDE")
    assert bot.reply("UDE", "pause").startswith("Pausiert.")
    assert "pausiert, bis du" in bot.reply("UDE", "status")
    assert bot.reply("UDE", "resume").startswith("Willkommen zurück")
    assert "Status: aktiv" in bot.reply("UDE", "status")
    assert "nicht pausiert" in bot.reply("UDE", "resume")


@pytest.mark.parametrize("args", ["abc", "0", "53", "2 weeks", "-1", "²", "3.5"])
def test_pause_with_a_wrong_argument_says_what_to_type(bot: Bot, args: str) -> None:
    bot.join("UEN")
    assert "`/mentor pause 3`" in bot.reply("UEN", f"pause {args}")
    assert "Status: active" in bot.reply("UEN", "status")


def test_pause_usage_in_german(bot: Bot) -> None:
    assert "nimmt eine Zahl von Wochen" in bot.reply("UDE", "pause drei")


@pytest.mark.parametrize(
    "sub", ["join", "status", "resume", "leave", "export", "forget", "reflect", "goals"]
)
def test_words_after_a_command_without_arguments_are_refused(bot: Bot, sub: str) -> None:
    bot.join("UEN")
    bot.fake.reset_calls()
    text = bot.reply("UEN", f"{sub} now please")
    assert f"`/mentor {sub}` takes nothing after it" in text
    assert "Status: active" in bot.reply("UEN", "status")  # nothing happened
    assert bot.fake.calls_to("views.open") == [] and bot.fake.files() == []


def test_pause_resume_leave_when_not_enrolled(bot: Bot) -> None:
    for sub in ("pause", "resume", "leave"):
        assert "/mentor join" in bot.reply("UEN", sub)


def test_leave_tells_the_partner_without_a_reason(bot: Bot) -> None:
    bot.join("UEN", role="mentor")
    bot.join("UDE", role="mentee")
    make_pair(bot, "UEN", "UDE")
    assert "<@UEN>" in bot.reply("UDE", "status")
    before = len(bot.fake.messages_for("UDE"))

    text = bot.reply("UEN", "leave")
    assert "You left the program" in text and "partner was told" in text
    told = bot.fake.wait_for_messages("UDE", before + 1)[-1]
    assert "Tandem ist beendet" in told.text  # in the partner's language
    assert "UEN" not in told.all_text and "erin" not in told.all_text
    assert "you left the program" in bot.reply("UEN", "status")
    assert "noch keins" in bot.reply("UDE", "status")
    assert "not in the program" in bot.reply("UEN", "leave")
    assert "nothing to pause" in bot.reply("UEN", "pause")

    bot.join("UEN", role="mentor")  # coming back
    assert "Status: active" in bot.reply("UEN", "status")


# --- admin ----------------------------------------------------------------------------


def test_non_admins_are_refused_every_admin_subcommand(bot: Bot) -> None:
    for text in ("admin", "admin cohort create board", "admin report", "admin whatever"):
        assert "Only program admins" in bot.reply("UEN", text)
    assert "Nur Programm-Admins" in bot.reply("UDE", "admin cohort create vorstand")
    with bot.ctx.db.transaction() as session:
        assert queries.open_cohorts(session) == []


def test_admin_creates_a_cohort_with_channel_and_cadence(bot: Bot) -> None:
    text = bot.reply("UADMIN01", "admin cohort create board <#C0BOARD|rm-board> monthly")
    assert "Cohort *board* created" in text and "every month" in text and "<#C0BOARD>" in text
    with bot.ctx.db.transaction() as session:
        cohort = queries.cohort_by_name(session, "board")
        assert cohort is not None
        assert (cohort.channel_id, cohort.cadence) == ("C0BOARD", "monthly")
    assert "already exists" in bot.reply("UADMIN01", "admin cohort create BOARD")


def test_workspace_owner_creates_a_cohort_in_german(bot: Bot) -> None:
    text = bot.reply("UOWNER", "admin cohort create vorstand weekly")
    assert "Kohorte *vorstand* angelegt" in text and "jede Woche" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("admin cohort create", "Usage: `/mentor admin cohort create NAME"),
        ("admin cohort create bad/name", "A cohort name is 1–40"),
        ("admin cohort create board daily", "I don't understand `daily`"),
        ("admin cohort create board <!here>", "&lt;!here&gt;"),
        ("admin cohort", "Admin commands"),
        ("admin frobnicate", "Admin commands"),
    ],
)
def test_admin_mistakes_get_usage(bot: Bot, text: str, expected: str) -> None:
    answer = bot.reply("UADMIN01", text)
    assert expected in answer
    with bot.ctx.db.transaction() as session:
        assert list(session.exec(select(Cohort))) == []


def test_role_cannot_change_while_paired(bot: Bot) -> None:
    bot.join("UEN", role="mentor")
    bot.join("UDE", role="mentee")
    make_pair(bot, "UEN", "UDE", status="proposed")
    response = bot.join("UEN", role="mentee")
    assert "`/mentor leave` first" in response.json()["errors"]["role"]
    assert participant(bot, "UEN").role == "mentor"
    response = bot.join("UEN", role="mentor", topics=["data"])  # other answers may change
    assert response.json() is None
    assert participant(bot, "UEN").topics == ["data"]
    assert "<@UDE> (mentee), waiting until you both accept" in bot.reply("UEN", "status")


def test_german_answers_for_leave_and_export(bot: Bot) -> None:
    bot.join("UDE")
    assert bot.reply("UDE", "leave").startswith("Du hast das Programm verlassen.")
    bot.command("UDE", "export")
    assert bot.fake.wait_for(
        lambda: any("JSON-Datei" in m.text for m in bot.fake.messages_for("UDE"))
    )


def test_the_word_payload_in_a_command_or_its_channel_changes_nothing(bot: Bot) -> None:
    # (before, any form body containing "payload" was read as an empty interaction)
    assert "here is what you can do" in bot.reply("UEN", "help payload")
    bot.fake.add_channel("C0PAYLOAD", name="payload-team", members=["UEN"])
    answer = bot.slack.command("UEN", "status", channel_id="C0PAYLOAD")
    assert answer.status == 200
    assert "not enrolled" in answer.json()["text"]
