"""Start-up as an operator meets it: a database that is not there, a token Slack refuses,
and requests signed with the right secret that name another workspace or app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.crypto import generate_key
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from storage.db import Database
from storage.models import Participant
from tests.conftest import POSTGRES_URL, require_postgres
from tests.harness import SIGNING_SECRET, Bot
from tests.test_cli_run import free_port


def _env(fake: FakeSlack | None, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": "xoxb-start",
        "SLACK_SIGNING_SECRET": "start-secret",
        "SLACK_API_URL": fake.api_url if fake else f"http://127.0.0.1:{free_port()}/api/",
        "MENTOR_ENCRYPTION_KEY": generate_key(),
        "PORT": str(free_port()),
    }
    env.update(extra)
    return env


def _mentor_bot(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("mentor-bot: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _postgres_url(host: str, port: int, database: str) -> str:
    scheme = POSTGRES_URL.split("://", 1)[0]
    return f"{scheme}://postgres@{host}:{port}/{database}"


@pytest.mark.parametrize("command", [["run"], ["dispatch"], ["db", "upgrade"]])
def test_a_database_nobody_listens_on_is_one_line(tmp_path: Path, command: list[str]) -> None:
    url = _postgres_url("127.0.0.1", free_port(), "mentor")
    with FakeSlack(bot_token="xoxb-start") as fake:
        line = _one_line(_mentor_bot(tmp_path, _env(fake, DATABASE_URL=url), *command))
    assert "cannot reach the database at 127.0.0.1" in line
    assert "PostgreSQL is running" in line and "DATABASE_URL" in line


def test_a_database_host_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    url = _postgres_url("db.invalid", 5432, "mentor")
    with FakeSlack(bot_token="xoxb-start") as fake:
        line = _one_line(_mentor_bot(tmp_path, _env(fake, DATABASE_URL=url), "run"))
    assert "cannot reach the database at db.invalid:5432" in line


def test_a_missing_database_says_how_to_create_it(tmp_path: Path) -> None:
    require_postgres()
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/no_such_mentor_db"
    with FakeSlack(bot_token="xoxb-start") as fake:
        line = _one_line(_mentor_bot(tmp_path, _env(fake, DATABASE_URL=url), "run"))
    assert 'the database "no_such_mentor_db" does not exist' in line
    assert "createdb no_such_mentor_db" in line


def test_an_sqlite_file_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/nowhere/mentor.db"
    with FakeSlack(bot_token="xoxb-start") as fake:
        line = _one_line(_mentor_bot(tmp_path, _env(fake, DATABASE_URL=url), "run"))
    assert f"the folder {tmp_path}/nowhere does not exist" in line
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("command", [["run"], ["dispatch"]])
def test_a_token_slack_refuses_is_noticed_at_start(tmp_path: Path, command: list[str]) -> None:
    with FakeSlack(bot_token="xoxb-the-real-one") as fake:
        result = _mentor_bot(tmp_path, _env(fake), *command)
        assert [c.method for c in fake.calls] == ["auth.test"]
    line = _one_line(result)
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in line
    assert "OAuth & Permissions" in line
    assert "listening" not in result.stderr


def test_a_slack_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    line = _one_line(_mentor_bot(tmp_path, _env(None), "run"))
    assert "cannot reach Slack at http://127.0.0.1:" in line
    assert "SLACK_API_URL" in line


def _participant(bot: Bot, user_id: str) -> Participant | None:
    with bot.ctx.db.transaction(write=False) as session:
        return session.exec(select(Participant).where(Participant.user_id == user_id)).first()


@pytest.mark.parametrize(
    "forged",
    [{"team_id": "T0OTHER"}, {"api_app_id": "A0OTHERAPP"}],
    ids=["workspace", "app"],
)
def test_a_signed_command_for_another_workspace_or_app_changes_nothing(
    bot: Bot, forged: dict[str, str]
) -> None:
    bot.join("UEN")
    other = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, bot.fake, **forged)
    assert other.command("UEN", "pause").status == 403
    assert other.command("UEN", "leave").status == 403
    participant = _participant(bot, "UEN")
    assert participant is not None and participant.paused_until is None
    assert "Status: active" in bot.reply("UEN", "status")


def test_an_event_for_another_workspace_is_refused(bot: Bot) -> None:
    bot.join("UEN")
    other = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, bot.fake, team_id="T0OTHER")
    before = len(bot.fake.calls)
    response = other.app_home_opened("UEN")
    assert response.status == 403
    assert bot.ctx.background.wait_idle()
    assert [c.method for c in bot.fake.calls[before:]] == []


# --- while running, the database goes away ---------------------------------------------


def test_while_the_database_is_down_nothing_is_acted_on_and_the_log_has_one_line_each(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import urllib.error
    import urllib.request

    from bot.app.scheduler import create_scheduler
    from storage.db import make_engine

    bot.join("UEN")
    published = len(bot.fake.calls_to("views.publish"))
    real = bot.ctx.db.engine
    bot.ctx.db.engine = make_engine(_postgres_url("127.0.0.1", free_port(), "gone"))
    try:
        with caplog.at_level(logging.INFO):
            answer = bot.reply("UEN", "pause")
            with pytest.raises(urllib.error.HTTPError) as health:
                urllib.request.urlopen(bot.url + "/healthz", timeout=10)  # noqa: S310
            home = bot.slack.app_home_opened("UEN")
            for job in create_scheduler(bot.ctx).get_jobs():  # what the scheduler would run
                job.func(*job.args)
            assert bot.ctx.background.wait_idle()
    finally:
        bot.ctx.db.engine.dispose()
        bot.ctx.db.engine = real
    assert "can't reach my database right now, so nothing was changed" in answer
    assert "Ich erreiche gerade meine Datenbank nicht" in answer
    assert health.value.code == 503
    assert home.status == 200  # an event is let go: Slack would turn off subscriptions
    assert len(bot.fake.calls_to("views.publish")) == published
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    outage = [r.getMessage() for r in caplog.records if "database unreachable" in r.getMessage()]
    assert len(outage) >= 5  # command, health, event and the three jobs, a line each
    # Back up: nothing was paused, and the bot answers as before.
    assert "Status: active" in bot.reply("UEN", "status")


def test_only_a_lost_database_counts_as_an_outage_not_a_bug_or_a_conflict(db: Database) -> None:
    from sqlalchemy import text as sql
    from sqlalchemy.exc import DBAPIError

    from storage.db import make_engine, unreachable

    with pytest.raises(DBAPIError) as bad_sql, db.engine.connect() as connection:
        connection.execute(sql("SELEC 1"))
    assert unreachable(bad_sql.value) is None  # a bug: logged with its traceback
    with pytest.raises(DBAPIError) as missing, db.engine.connect() as connection:
        connection.execute(sql("SELECT * FROM no_such_table"))
    assert unreachable(missing.value) is None
    gone = make_engine(_postgres_url("127.0.0.1", free_port(), "gone"))
    with pytest.raises(DBAPIError) as refused, gone.connect():
        pass
    assert unreachable(refused.value) is not None


def test_a_workspace_install_serves_its_workspace_only_an_org_install_its_organization() -> None:
    from bot.app.startup import Workspace

    single = Workspace.from_auth_test(
        {"team_id": "T1", "enterprise_id": "E1", "app_id": "A1", "is_enterprise_install": False}
    )
    assert single.foreign("T1", "E1", "A1") is None
    assert single.foreign("T2", "E1", "A1") == "another workspace"  # same org, own install
    assert single.foreign(None, "E1", "A1") == "no workspace"
    assert single.foreign("T1", "E1", "A2") == "another app"
    org = Workspace.from_auth_test(
        {"team_id": "T1", "enterprise_id": "E1", "app_id": "A1", "is_enterprise_install": True}
    )
    assert org.foreign("T2", "E1", "A1") is None
    assert org.foreign(None, "E1", "A1") is None  # an org-level surface names no workspace
    assert org.foreign("T9", "E2", "A1") == "another organization"
