"""Configuration: read once, validated, one clear line per problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.core.config import ConfigError, load_settings, read_environment
from bot.core.crypto import generate_key

KEY = generate_key()
GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    "SLACK_SIGNING_SECRET": "secret",
    "MENTOR_ENCRYPTION_KEY": KEY,
}


def test_defaults() -> None:
    settings = load_settings(GOOD)
    assert settings.api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///mentor.db"
    assert settings.port == 3000
    assert settings.scheduler is True
    assert settings.socket_mode is False
    assert settings.admin_ids == frozenset()


def test_all_variables() -> None:
    settings = load_settings(
        {
            **GOOD,
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "DATABASE_URL": "postgresql://u@h/db",
            "PORT": "8080",
            "MENTOR_ADMIN_IDS": "U111AAA, W222BBB",
            "MENTOR_SCHEDULER": "off",
        }
    )
    assert settings.socket_mode
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.port == 8080
    assert settings.admin_ids == {"U111AAA", "W222BBB"}
    assert settings.scheduler is False


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"MENTOR_ENCRYPTION_KEY": ""}, "mentor-bot keygen"),
        ({"MENTOR_ENCRYPTION_KEY": "too-short"}, "mentor-bot keygen"),
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"MENTOR_ADMIN_IDS": "alice"}, "MENTOR_ADMIN_IDS"),
        ({"MENTOR_SCHEDULER": "maybe"}, "MENTOR_SCHEDULER"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
    ],
)
def test_bad_values_name_the_variable(change: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**GOOD, **change})
    assert named in str(error.value)
    assert "\n" not in str(error.value)


def test_socket_mode_needs_no_signing_secret() -> None:
    env = {**GOOD, "SLACK_APP_TOKEN": "xapp-1-2"}
    del env["SLACK_SIGNING_SECRET"]
    assert load_settings(env).socket_mode


def test_env_file_is_read_and_environment_wins(tmp_path: object) -> None:
    env_file = f"{tmp_path}/.env"
    with open(env_file, "w") as handle:
        handle.write("PORT=4000\nMENTOR_SCHEDULER=off\n")
    merged = read_environment({"PORT": "5000"}, env_file=env_file)
    assert merged["PORT"] == "5000"
    assert merged["MENTOR_SCHEDULER"] == "off"


def test_cli_fails_fast_with_one_line(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=str(tmp_path),
        env={"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "MENTOR_ENCRYPTION_KEY" in lines[0] and "mentor-bot keygen" in lines[0]


def test_keygen_prints_a_usable_key() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "keygen"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = result.stdout.strip()
    assert load_settings({**GOOD, "MENTOR_ENCRYPTION_KEY": key}).encryption_key == key


def test_settings_and_context_never_show_a_secret() -> None:
    # What a log line or a traceback prints of the settings or the context.
    from bot.core.context import Context

    secrets = {
        **GOOD,
        "SLACK_APP_TOKEN": "xapp-1-A0-very-secret",
        "SLACK_SIGNING_SECRET": "signing-very-secret",
        "DATABASE_URL": "postgresql+psycopg://mentor:db-very-secret@127.0.0.1:1/mentor",
    }
    settings = load_settings(secrets)
    context = Context.create(settings)
    try:
        for shown in (repr(settings), str(settings), repr(context), f"{settings}"):
            for secret in ("xoxb-1-2-3", KEY, "signing-very-secret", "xapp-1-A0", "db-very"):
                assert secret not in shown
        assert "127.0.0.1:1/mentor" in repr(settings)  # the rest still helps an operator
    finally:
        context.db.dispose()
