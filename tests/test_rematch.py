"""No-fault re-pairing (``/mentor rematch``): the pair ends without blame or reason, both go
back into the pool, the two are never paired again, and the partner learns only that the
pair ended and that a new match will come."""

from __future__ import annotations

from sqlmodel import select

from storage.models import MentoringSession, Pair, Participant
from tests.harness import ADMIN, Bot, match_and_accept


def activate(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai", "data"])
    bot.join("UDE", role="mentee", topics=["genai"])
    match_and_accept(bot)


def pairs(bot: Bot) -> list[Pair]:
    with bot.ctx.db.transaction(write=False) as session:
        return list(session.exec(select(Pair).order_by(Pair.id)))  # type: ignore[arg-type]


def test_a_rematch_ends_the_pair_and_the_partner_learns_no_reason(bot: Bot) -> None:
    activate(bot)
    before = len(bot.fake.messages_for("UEN"))
    answer = bot.reply("UDE", "rematch")
    assert "Erledigt" in answer and "ohne Angabe von Gründen" in answer  # German Slack
    [pair] = pairs(bot)
    assert (pair.status, pair.end_reason) == ("ended", "rematch")
    with bot.ctx.db.transaction(write=False) as session:
        upcoming = session.exec(select(MentoringSession)).all()
        people = {p.user_id: p.status for p in session.exec(select(Participant))}
    assert upcoming and all(s.status == "cancelled" for s in upcoming)
    assert people == {"UEN": "active", "UDE": "active"}  # both stay, back in the pool
    told = bot.fake.wait_for_messages("UEN", before + 1)[before:]
    text = " ".join(m.all_text for m in told)
    assert "pair has ended" in text and "new match" in text
    assert "UDE" not in text and "rematch" not in text and "asked" not in text


def test_after_a_rematch_both_get_new_partners_never_each_other(bot: Bot) -> None:
    activate(bot)
    bot.reply("UEN", "rematch")
    bot.join("U2", role="mentee", topics=["genai"])
    bot.join("U3", role="mentor", topics=["genai"])
    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    proposed = {(p.mentor_id, p.mentee_id) for p in pairs(bot) if p.status == "proposed"}
    assert proposed == {("UEN", "U2"), ("U3", "UDE")}


def test_rematch_without_a_pair_or_enrollment_changes_nothing(bot: Bot) -> None:
    bot.join("UEN", role="mentor", topics=["genai"])
    assert "no pair right now" in bot.reply("UEN", "rematch")
    assert "join" in bot.reply("U2", "rematch")
    assert pairs(bot) == []
    assert "rematch" in bot.reply("UEN", "help")  # listed for people in the program
