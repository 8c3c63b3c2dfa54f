"""A person's rights over their data: export and forget."""

from __future__ import annotations

import json

from sqlalchemy import text

from bot import ids
from storage import queries
from tests.harness import Bot, make_pair


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
    # The command itself cached the person's Slack profile, so there is data to delete.
    assert bot.fake.wait_for(
        lambda: any("wurden gelöscht" in m.text for m in bot.fake.messages_for("UDE"))
    )
