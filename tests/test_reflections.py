"""Private reflections: only the author ever sees what they wrote."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from bot.slack import ids
from storage.models import BestPractice, Reflection
from tests.harness import Bot, make_pair, make_session

SECRET = "I finally understood prompt chaining, thanks to the zebra example 7731"


def setup_pair(bot: Bot) -> int:
    bot.join("UEN", role="mentor", topics=["genai"])
    bot.join("UDE", role="mentee", topics=["genai"])
    pair_id = make_pair(bot, "UEN", "UDE")
    return make_session(bot, pair_id, bot.clock.now - timedelta(hours=2))


def reflect(bot: Bot, user: str, **answers: object) -> object:
    bot.command(user, "reflect")
    assert bot.fake.wait_for(
        lambda: any(v["callback_id"] == ids.REFLECTION for v in bot.fake.opened_views(user))
    )
    view = [v for v in bot.fake.opened_views(user) if v["callback_id"] == ids.REFLECTION][-1]
    return bot.slack.view_submission(user, view, bot.slack.state_from(view, answers))


def all_values(bot: Bot) -> str:
    parts = []
    with bot.ctx.db.engine.connect() as connection:
        for table in bot.ctx.db.engine.dialect.get_table_names(connection):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def test_reflect_without_a_session_says_so(bot: Bot) -> None:
    bot.join("UEN")
    assert "no session to reflect on yet" in bot.reply("UEN", "reflect")
    assert "keinen Termin" in bot.reply("UDE", "reflect")


def test_a_reflection_is_stored_encrypted_and_reaches_only_its_author(bot: Bot) -> None:
    session_id = setup_pair(bot)
    response = reflect(bot, "UEN", happened="yes", learned=SECRET, rating="4")
    assert response.status == 200 and response.json() is None
    assert bot.fake.wait_for(
        lambda: any("reflection is saved" in m.text for m in bot.fake.messages_for("UEN"))
    )
    with bot.ctx.db.transaction() as session:
        row = session.exec(select(Reflection)).one()
        assert (row.session_id, row.user_id, row.rating, row.happened) == (
            session_id,
            "UEN",
            4,
            True,
        )
    assert SECRET not in all_values(bot)  # not in the database as plaintext
    assert "zebra" not in all_values(bot)

    # Opening it again pre-fills it, for the author only.
    reflect(bot, "UEN", happened="yes", learned=SECRET + " (edited)", rating="5")
    bot.command("UEN", "export")
    assert bot.ctx.background.wait_idle()
    export = json.loads(bot.fake.files()[-1].content)
    assert export["reflections"][0]["learned"] == SECRET + " (edited)"
    for call in bot.fake.calls:
        if "zebra" in json.dumps(call.params):
            assert call.method in {"views.open", "file_upload"}, call.method
            if call.method == "views.open":
                assert bot.fake.opened_views("UEN"), "opened for the author"
    for person in ("UDE", "U2", "UADMIN01"):
        assert not any("zebra" in m.all_text for m in bot.fake.messages_for(person))
    bot.command("UDE", "export")
    assert bot.ctx.background.wait_idle()
    partner_export = bot.fake.files()[-1].content.decode()
    assert "zebra" not in partner_export


def test_sharing_anonymously_copies_the_learning_once_without_the_author(bot: Bot) -> None:
    setup_pair(bot)
    reflect(bot, "UDE", happened="yes", learned=SECRET, rating="5", share=["share"])
    assert bot.fake.wait_for(
        lambda: any("anonym geteilt" in m.text for m in bot.fake.messages_for("UDE"))
    )
    reflect(bot, "UDE", happened="yes", learned=SECRET, rating="5", share=["share"])
    with bot.ctx.db.transaction() as session:
        shared = session.exec(select(BestPractice)).all()
    assert len(shared) == 1
    assert shared[0].month == bot.clock.now.strftime("%Y-%m") and shared[0].topic == "genai"
    assert bot.ctx.vault.decrypt(shared[0].text) == SECRET
    assert "UDE" not in json.dumps(shared[0].model_dump(), default=str)


def test_the_reflect_button_refuses_someone_elses_session(bot: Bot) -> None:
    session_id = setup_pair(bot)
    bot.slack.block_action("U2", ids.REFLECT_OPEN, value=str(session_id))
    assert bot.fake.wait_for(
        lambda: any("not one of yours" in m.text for m in bot.fake.messages_for("U2"))
    )
    assert not any(v["callback_id"] == ids.REFLECTION for v in bot.fake.opened_views("U2"))
    bot.slack.block_action("UDE", ids.REFLECT_OPEN, value=str(session_id))
    assert bot.fake.wait_for(
        lambda: any(v["callback_id"] == ids.REFLECTION for v in bot.fake.opened_views("UDE"))
    )
    view = [v for v in bot.fake.opened_views("UDE") if v["callback_id"] == ids.REFLECTION][-1]
    assert view["title"]["text"] == "Reflexion" and "Nur du kannst das lesen" in str(view)


def test_a_forged_submission_for_another_session_is_refused(bot: Bot) -> None:
    session_id = setup_pair(bot)
    bot.command("UEN", "reflect")
    assert bot.fake.wait_for(
        lambda: any(v["callback_id"] == ids.REFLECTION for v in bot.fake.opened_views("UEN"))
    )
    view = dict([v for v in bot.fake.opened_views("UEN") if v["callback_id"] == ids.REFLECTION][-1])
    values = bot.slack.state_from(view, {"happened": "yes", "learned": "x"})
    view["private_metadata"] = str(session_id + 1000)
    response = bot.slack.view_submission("UEN", view, values, apply=False)
    assert "not one of yours" in json.dumps(response.json())
    with bot.ctx.db.transaction() as session:
        assert session.exec(select(Reflection)).all() == []
