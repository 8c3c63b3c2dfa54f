"""Double clicks, repeated submissions and simultaneous first contacts, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlmodel import select

from bot.slack import ids
from storage import queries
from storage.models import Cohort, Participant, SlackUser
from tests.harness import Bot, make_pair


def at_once(count: int, action: Any) -> list[Any]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: action(), range(count)))


def test_simultaneous_first_commands_of_one_person_all_answer(bot: Bot) -> None:
    # A workspace owner: an admin, whose Slack profile is stored (by each of the four).
    responses = at_once(4, lambda: bot.command("UOWNER", "help"))
    assert [r.status for r in responses] == [200] * 4
    assert all("das kannst du tun" in r.json()["text"] for r in responses)
    with bot.ctx.db.transaction() as session:
        assert len(list(session.exec(select(SlackUser)))) == 1


def test_simultaneous_first_joins_create_one_default_cohort(bot: Bot) -> None:
    people = ["UEN", "UDE", "U2", "U3"]
    views = {}
    for user in people:
        bot.command(user, "join")
        assert bot.fake.wait_for(lambda u=user: bool(bot.fake.opened_views(u)))
        views[user] = bot.fake.opened_views(user)[-1]
    with ThreadPoolExecutor(4) as pool:
        responses = list(
            pool.map(
                lambda u: bot.slack.view_submission(
                    u,
                    views[u],
                    bot.slack.state_from(views[u], {"role": "mentor", "topics": ["genai"]}),
                ),
                people,
            )
        )
    assert [r.status for r in responses] == [200] * 4
    assert all(r.json() is None for r in responses)  # closed, no errors
    with bot.ctx.db.transaction() as session:
        assert [c.name for c in session.exec(select(Cohort))] == ["general"]
        assert len(list(session.exec(select(Participant)))) == 4


def test_a_repeated_submission_enrolls_once_and_confirms_once(bot: Bot) -> None:
    bot.command("UEN", "join")
    assert bot.fake.wait_for(lambda: bool(bot.fake.opened_views("UEN")))
    view = bot.fake.opened_views("UEN")[-1]
    values = bot.slack.state_from(view, {"role": "mentee", "topics": ["data"]})
    responses = at_once(4, lambda: bot.slack.view_submission("UEN", view, values, apply=False))
    assert [r.status for r in responses] == [200] * 4
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction() as session:
        assert len(list(session.exec(select(Participant)))) == 1
    confirmations = [m for m in bot.fake.messages_for("UEN") if "enroll" in m.text]
    assert len(confirmations) == 1


def test_a_double_click_on_forget_tells_the_partner_once(bot: Bot) -> None:
    bot.join("UEN", role="mentor")
    bot.join("UDE", role="mentee")
    make_pair(bot, "UEN", "UDE")
    before = len(bot.fake.wait_for_messages("UDE", 1))
    at_once(2, lambda: bot.slack.block_action("UEN", ids.FORGET_CONFIRM, value="confirm"))
    assert bot.ctx.background.wait_idle()
    ended = [m for m in bot.fake.messages_for("UDE")[before:] if "beendet" in m.text]
    assert len(ended) == 1
    with bot.ctx.db.transaction() as session:
        assert queries.participant_of(session, "UEN") is None
