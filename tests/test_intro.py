"""The intro of a proposed pair: who is who, what each role asks of them, and why these
two were matched, in each person's language."""

from __future__ import annotations

from bot.slack import ids
from tests.harness import ADMIN, Bot


def test_the_intro_says_the_roles_and_why_these_two_in_both_languages(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"], department="IT", weekdays=["1", "3"])
    bot.join("UDE", role="mentee", topics=["genai"], department="Finanzen", weekdays=["3"])
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    [intro] = [m for m in bot.fake.messages_for("UEN") if ids.PAIR_ACCEPT in m.action_ids()]
    text = intro.all_text
    assert "the mentor leads the agenda" in text and "Die Mentor:in führt" in text
    assert "keep what is said between you" in text
    assert "Why you two: you work in different departments; you both prefer Thursday" in text
    assert (
        "Warum ihr zwei: ihr arbeitet in verschiedenen Abteilungen; ihr bevorzugt beide Donnerstag"
        in text
    )
    assert "IT" not in text and "Finanzen" not in text  # which departments stays theirs


def test_without_departments_or_common_weekdays_the_intro_gives_only_the_topics(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("U2", role="mentee", topics=["genai"])
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    [intro] = [m for m in bot.fake.messages_for("UEN") if ids.PAIR_ACCEPT in m.action_ids()]
    assert "Why you two" not in intro.all_text and "Generative AI" in intro.all_text
    assert "Your roles" in intro.all_text
