"""Configuration: read once, validated, one clear line per problem."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from bot.core.config import ConfigError, Settings, load_settings, read_environment
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
    assert (
        load_settings({**GOOD, "MENTOR_ENCRYPTION_KEY": key}).encryption_key.get_secret_value()
        == key
    )


def test_settings_and_context_never_show_a_secret() -> None:
    # What a log line, a traceback or a validation error prints of the settings or the
    # context, for settings read from variables and for settings built directly.
    from bot.app.kinds import build_outbox
    from bot.core.context import Context

    secrets = {
        **GOOD,
        "SLACK_APP_TOKEN": "xapp-1-A0-very-secret",
        "SLACK_SIGNING_SECRET": "signing-very-secret",
        "DATABASE_URL": "postgresql+psycopg://mentor:db-very-secret@127.0.0.1:1/mentor",
    }
    hidden = ("xoxb-1-2-3", KEY, "signing-very-secret", "xapp-1-A0", "db-very")
    direct: dict[str, Any] = {
        "bot_token": "xoxb-1-2-3",
        "signing_secret": "signing-very-secret",
        "app_token": "xapp-1-A0-very-secret",
        "database_url": "postgresql://mentor:db-very-secret@127.0.0.1:1/mentor",
        "encryption_key": KEY,
    }
    for settings in (load_settings(secrets), Settings(**direct)):
        context = Context.create(settings, outbox=build_outbox())
        try:
            for shown in (repr(settings), str(settings), repr(context), f"{settings}"):
                for secret in hidden:
                    assert secret not in shown
            assert "127.0.0.1:1/mentor" in repr(settings)  # the rest still helps an operator
        finally:
            context.db.dispose()

    # A bad or missing other field: the error names it, and shows none of the inputs.
    for broken in (
        {**direct, "port": "http"},
        {k: v for k, v in direct.items() if k != "encryption_key"},
    ):
        with pytest.raises(ValidationError) as error:
            Settings(**broken)
        for shown in (
            str(error.value),
            repr(error.value),
            repr(error.value.errors(include_input=False)),
        ):
            for secret in hidden:
                assert secret not in shown
    with pytest.raises(ConfigError) as config_error:
        load_settings({**secrets, "PORT": "http"})
    assert config_error.value.__cause__ is None and config_error.value.__suppress_context__
    assert not any(secret in str(config_error.value) for secret in hidden)


def test_settings_take_plain_strings_for_secrets_and_check_every_field() -> None:
    settings = Settings(
        bot_token="xoxb-1-2-3",
        signing_secret="secret",
        api_url="http://127.0.0.1:9/api",
        database_url="postgresql://u@h/db",
        admin_ids=frozenset({"U111AAA"}),
        encryption_key=KEY,
        scheduler=False,
    )
    assert isinstance(settings.bot_token, SecretStr)
    assert settings.bot_token.get_secret_value() == "xoxb-1-2-3"
    assert settings.signing_secret is not None
    assert settings.signing_secret.get_secret_value() == "secret"
    assert settings.encryption_key.get_secret_value() == KEY
    assert settings.app_token is None and not settings.socket_mode
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings == load_settings(
        {
            **GOOD,
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "DATABASE_URL": "postgresql://u@h/db",
            "MENTOR_ADMIN_IDS": "U111AAA",
            "MENTOR_SCHEDULER": "off",
        }
    )
    with pytest.raises(ValidationError, match="MENTOR_ADMIN_IDS must be"):
        Settings(**{**dict(settings), "admin_ids": frozenset({"alice"})})
    with pytest.raises(ValidationError, match="SLACK_SIGNING_SECRET is not set"):
        Settings(bot_token="xoxb-1", encryption_key=KEY)


def test_settings_built_directly_ignore_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The environment is read once, by read_environment; a test's settings stay its own.
    monkeypatch.setenv("PORT", "4000")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-from-the-shell")
    settings = Settings(bot_token="xoxb-1", signing_secret="s", encryption_key=KEY)
    assert settings.port == 3000
    assert settings.app_token is None
