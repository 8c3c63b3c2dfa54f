"""Learning goals: set privately by mentees, on the agenda, checked in every third session."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.delivery import outbox
from bot.slack import ids
from storage.models import Goal, MentoringSession
from tests.test_sessions import activate, messages, sessions_of

GOAL = "Understand how our customers find us on TikTok (secret-goal-4411)"


def open_goals_modal(bot: Any, user: str) -> dict[str, Any]:
    def goal_views() -> list[dict[str, Any]]:
        return [v for v in bot.fake.opened_views(user) if v["callback_id"] == ids.GOALS]

    before = len(goal_views())
    bot.command(user, "goals")
    assert bot.fake.wait_for(lambda: len(goal_views()) > before)
    return goal_views()[-1]


def set_goals(bot: Any, user: str, **answers: str) -> Any:
    view = open_goals_modal(bot, user)
    return bot.slack.view_submission(user, view, bot.slack.state_from(view, answers))


def test_only_enrolled_mentees_set_goals(bot: Any) -> None:
    assert "not enrolled" in bot.reply("UEN", "goals")
    bot.join("UEN", role="mentor")
    assert "Learning goals are for mentees" in bot.reply("UEN", "goals")
    bot.join("UDE", role="mentee")
    view = open_goals_modal(bot, "UDE")
    assert view["title"]["text"] == "Lernziele" and "Ziel 1" in json.dumps(view)


def test_goals_are_stored_encrypted_and_prefilled_for_their_owner(bot: Any) -> None:
    bot.join("UDE", role="mentee")
    response = set_goals(bot, "UDE", goal_1=GOAL, goal_2="Run a meeting in Teams well")
    assert response.status == 200 and response.json() is None
    assert bot.fake.wait_for(
        lambda: any("2 offene Lernziele" in m.text for m in bot.fake.messages_for("UDE"))
    )
    with bot.ctx.db.transaction() as session:
        rows = session.exec(select(Goal)).all()
    assert len(rows) == 2 and all("secret-goal" not in g.text for g in rows)
    view = open_goals_modal(bot, "UDE")
    assert view["blocks"][1]["element"]["initial_value"] == GOAL
    set_goals(bot, "UDE", goal_1="", goal_2="Run a meeting in Teams well")  # remove one
    with bot.ctx.db.transaction() as session:
        texts = [bot.ctx.vault.decrypt(g.text) for g in session.exec(select(Goal))]
    assert texts == ["Run a meeting in Teams well"]


def test_a_goal_on_the_agenda_is_shown_only_to_the_mentee(bot: Any) -> None:
    activate(bot)
    set_goals(bot, "UDE", goal_1=GOAL)
    assert bot.ctx.background.wait_idle()
    first = sessions_of(bot)[0]
    bot.clock.now = first.starts_at - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    [mine] = messages(bot, "UDE", ids.SESSION_SKIP)
    [theirs] = messages(bot, "UEN", ids.SESSION_SKIP)
    assert "dein Lernziel _Understand how our customers" in mine.all_text
    assert "one of <@UDE>'s learning goals" in theirs.all_text
    for call in bot.fake.calls:
        if "secret-goal" in json.dumps(call.params):
            assert call.method in {"views.open", "chat.postMessage"}
            if call.method == "chat.postMessage":
                assert call.params["channel"] == "UDE"
    second = sessions_of(bot)[1]
    bot.clock.now = second.starts_at - timedelta(hours=24)
    outbox.dispatch(bot.ctx)
    assert "Agenda: *Generative AI*" in messages(bot, "UEN", ids.SESSION_SKIP)[-1].all_text


def test_every_third_session_the_mentee_checks_in(bot: Any) -> None:
    activate(bot)
    set_goals(bot, "UDE", goal_1=GOAL, goal_2="Write a LinkedIn post")
    assert bot.ctx.background.wait_idle()
    planned = sessions_of(bot)
    bot.clock.now = planned[1].starts_at + timedelta(hours=2)
    outbox.dispatch(bot.ctx)
    assert messages(bot, "UDE", ids.GOAL_CHECKIN_OPEN) == []  # not after the second
    bot.clock.now = planned[2].starts_at + timedelta(hours=2)
    outbox.dispatch(bot.ctx)
    [prompt] = messages(bot, "UDE", ids.GOAL_CHECKIN_OPEN)
    assert messages(bot, "UEN", ids.GOAL_CHECKIN_OPEN) == []  # the mentor gets none
    bot.slack.block_action("UDE", ids.GOAL_CHECKIN_OPEN, message=prompt)
    assert bot.fake.wait_for(
        lambda: any(v["callback_id"] == ids.GOAL_CHECKIN for v in bot.fake.opened_views("UDE"))
    )
    view = [v for v in bot.fake.opened_views("UDE") if v["callback_id"] == ids.GOAL_CHECKIN][-1]
    with bot.ctx.db.transaction() as session:
        first_goal, second_goal = session.exec(select(Goal).order_by(Goal.id)).all()  # type: ignore[arg-type]
    answers = {f"progress_{first_goal.id}": "4", "done": [str(second_goal.id)]}
    bot.slack.view_submission("UDE", view, bot.slack.state_from(view, answers))
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction() as session:
        first_goal, second_goal = session.exec(select(Goal).order_by(Goal.id)).all()  # type: ignore[arg-type]
    assert (first_goal.progress, first_goal.done) == (4, False)
    assert (second_goal.done, second_goal.progress) == (True, 5)
    assert any("Fortschritt ist notiert" in m.text for m in bot.fake.messages_for("UDE"))
    with bot.ctx.db.transaction() as session:
        assert session.exec(select(MentoringSession)).first() is not None
