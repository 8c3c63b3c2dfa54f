"""Configuration read once from the environment (and a `.env` file), validated up front.

:class:`Settings` is a pydantic-settings model: each field is validated (and normalised)
whether it comes from the environment through :func:`load_settings` or is passed by name,
as tests do. The tokens, the signing secret and the encryption key are
:class:`~pydantic.SecretStr` (code that needs one calls ``.get_secret_value()``), and the
database URL's password is masked, so none of them reaches a repr, a log line, a
traceback or a validation error.

A missing or malformed variable raises :class:`ConfigError` whose message is one line naming
the variable and how to fix it; the CLI prints that line and exits.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///mentor.db"
DEFAULT_PORT = 3000

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message says how to fix it."""


# The placeholders in .env.example: a bot started with them could never reach Slack.
PLACEHOLDERS = {"xoxb-your-bot-token", "your-signing-secret", "xapp-your-app-token"}

# Each setting's environment variable, in the order they are checked.
ENV_NAMES = {
    "bot_token": "SLACK_BOT_TOKEN",
    "signing_secret": "SLACK_SIGNING_SECRET",
    "app_token": "SLACK_APP_TOKEN",
    "api_url": "SLACK_API_URL",
    "port": "PORT",
    "admin_ids": "MENTOR_ADMIN_IDS",
    "scheduler": "MENTOR_SCHEDULER",
    "database_url": "DATABASE_URL",
    "encryption_key": "MENTOR_ENCRYPTION_KEY",
    "public_url": "MENTOR_PUBLIC_URL",
}

_SLACK_BOT_UNSET = (
    "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your "
    "Slack app's 'OAuth & Permissions' page into .env"
)
_KEY_HINT = "run `mentor-bot keygen` and put the printed key in .env as MENTOR_ENCRYPTION_KEY"


class Settings(BaseSettings):
    """Everything the bot reads from its environment.

    Built by :func:`load_settings` from the variables (named as below), or directly with
    the field names as keyword arguments; either way every value is checked, and a secret
    may be given as a plain string.

    Attributes:
        bot_token: ``SLACK_BOT_TOKEN`` (xoxb-).
        signing_secret: ``SLACK_SIGNING_SECRET``; required in HTTP mode.
        app_token: ``SLACK_APP_TOKEN`` (xapp-); when set the bot uses Socket Mode.
        api_url: ``SLACK_API_URL``, always ending with a slash.
        database_url: ``DATABASE_URL`` as an SQLAlchemy URL (its password masked in repr).
        port: ``PORT`` for the HTTP server.
        admin_ids: ``MENTOR_ADMIN_IDS`` as a frozen set of Slack user IDs.
        encryption_key: ``MENTOR_ENCRYPTION_KEY``, a Fernet key.
        scheduler: ``MENTOR_SCHEDULER`` as a boolean.
        public_url: ``MENTOR_PUBLIC_URL``, the bot's public base URL (``https://…``, no
            trailing slash), for calendar feed links; None when unset.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        # A validation error shows no input: it could be a token, a key or the whole
        # mapping of variables.
        hide_input_in_errors=True,
    )

    bot_token: SecretStr = Field(validation_alias=ENV_NAMES["bot_token"])
    signing_secret: SecretStr | None = Field(
        default=None, validation_alias=ENV_NAMES["signing_secret"]
    )
    app_token: SecretStr | None = Field(default=None, validation_alias=ENV_NAMES["app_token"])
    api_url: str = Field(default=DEFAULT_API_URL, validation_alias=ENV_NAMES["api_url"])
    port: int = Field(default=DEFAULT_PORT, validation_alias=ENV_NAMES["port"])
    admin_ids: frozenset[str] = Field(default=frozenset(), validation_alias=ENV_NAMES["admin_ids"])
    scheduler: bool = Field(default=True, validation_alias=ENV_NAMES["scheduler"])
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias=ENV_NAMES["database_url"]
    )
    encryption_key: SecretStr = Field(validation_alias=ENV_NAMES["encryption_key"])
    public_url: str | None = Field(default=None, validation_alias=ENV_NAMES["public_url"])

    if TYPE_CHECKING:
        # What a caller may pass by name: a secret as a plain string too.
        def __init__(
            self,
            *,
            bot_token: SecretStr | str,
            encryption_key: SecretStr | str,
            signing_secret: SecretStr | str | None = None,
            app_token: SecretStr | str | None = None,
            api_url: str = DEFAULT_API_URL,
            port: int = DEFAULT_PORT,
            admin_ids: frozenset[str] = frozenset(),
            scheduler: bool = True,
            database_url: str = DEFAULT_DATABASE_URL,
            public_url: str | None = None,
        ) -> None: ...

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only what is passed in: the environment is read once, by :func:`read_environment`
        (a `.env` file under the process environment) and handed to :func:`load_settings`,
        so settings built directly (tests, benchmarks) never pick up the shell's variables."""
        return (init_settings,)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _check_bot_token(cls, value: object) -> object:
        token = _text(value)
        if token is None:
            raise ConfigError(_SLACK_BOT_UNSET)
        if isinstance(token, str):
            if not token.startswith("xoxb-"):
                raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
            _not_a_placeholder("SLACK_BOT_TOKEN", token)
        return token

    @field_validator("signing_secret", mode="before")
    @classmethod
    def _check_signing_secret(cls, value: object) -> object:
        secret = _text(value)
        if isinstance(secret, str):
            _not_a_placeholder("SLACK_SIGNING_SECRET", secret)
        return secret

    @field_validator("app_token", mode="before")
    @classmethod
    def _check_app_token(cls, value: object) -> object:
        token = _text(value)
        if isinstance(token, str):
            _not_a_placeholder("SLACK_APP_TOKEN", token)
            if not token.startswith("xapp-"):
                raise ConfigError(
                    "SLACK_APP_TOKEN must be an app-level token starting with xapp- "
                    "(or unset it to use HTTP mode)"
                )
        return token

    @field_validator("api_url", mode="before")
    @classmethod
    def _check_api_url(cls, value: object) -> object:
        url = _text(value)
        if url is None:
            return DEFAULT_API_URL
        if isinstance(url, str):
            if not re.match(r"^https?://", url):
                raise ConfigError("SLACK_API_URL must start with http:// or https://")
            if not url.endswith("/"):
                url += "/"
        return url

    @field_validator("public_url", mode="before")
    @classmethod
    def _check_public_url(cls, value: object) -> object:
        url = _text(value)
        if url is None or not isinstance(url, str):
            return url
        if not re.match(r"^https://[^\s/?#@]+(/[^\s?#]*)?$", url):
            raise ConfigError(
                "MENTOR_PUBLIC_URL must be the bot's public https:// address, "
                "like https://mentor.example.com"
            )
        return url.rstrip("/")

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_database_url(cls, value: object) -> object:
        url = _text(value)
        return _database_url(url) if url is None or isinstance(url, str) else url

    @field_validator("port", mode="before")
    @classmethod
    def _check_port(cls, value: object) -> int:
        text = _text(value) if isinstance(value, str) else value
        if text is None:
            return DEFAULT_PORT
        if isinstance(text, int) and not isinstance(text, bool):
            text = str(text)
        if (
            not isinstance(text, str)
            or not re.fullmatch(r"[0-9]{1,5}", text)
            or not 0 < int(text) < 65536
        ):
            raise ConfigError(f"PORT must be a number from 1 to 65535, not {text!r}")
        return int(text)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _check_admin_ids(cls, value: object) -> object:
        parts: Iterable[object]
        if value is None:
            parts = ()
        elif isinstance(value, str):
            parts = value.split(",")
        elif isinstance(value, Iterable):
            parts = value
        else:
            return value
        admin_ids = frozenset(p.strip() if isinstance(p, str) else p for p in parts)
        admin_ids -= {""}
        for admin_id in admin_ids:
            if not isinstance(admin_id, str) or not _USER_ID.match(admin_id):
                raise ConfigError(
                    f"MENTOR_ADMIN_IDS must be comma-separated Slack user IDs like U012ABCDEF, "
                    f"not {admin_id!r}"
                )
        return admin_ids

    @field_validator("encryption_key", mode="before")
    @classmethod
    def _check_encryption_key(cls, value: object) -> object:
        key = _text(value)
        return check_encryption_key(key) if key is None or isinstance(key, str) else key

    @field_validator("scheduler", mode="before")
    @classmethod
    def _check_scheduler(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip().lower() or "on"
        if text not in {"on", "off"}:
            raise ConfigError(f"MENTOR_SCHEDULER must be on or off, not {text!r}")
        return text == "on"

    @model_validator(mode="after")
    def _http_mode_needs_a_signing_secret(self) -> Settings:
        if self.app_token is None and self.signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's "
                "'Basic Information' page into .env (or set SLACK_APP_TOKEN for Socket Mode)"
            )
        return self

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """Every setting, the secrets masked (``SecretStr``) and the database URL without its
        password, so a log line or traceback that shows the settings gives nothing away."""
        for name, value in super().__repr_args__():
            if name == "database_url":
                yield name, _without_password(self.database_url)
            elif name == "admin_ids":
                yield name, sorted(self.admin_ids)
            else:
                yield name, value

    @property
    def socket_mode(self) -> bool:
        """True when the bot connects to Slack over Socket Mode instead of HTTP."""
        return self.app_token is not None


def has_slack_token(env: Mapping[str, str]) -> bool:
    """Whether ``SLACK_BOT_TOKEN`` holds a token (not empty, not the example's placeholder):
    without one, ``./scripts/run`` starts the demo workspace instead of the bot."""
    token = (env.get(ENV_NAMES["bot_token"]) or "").strip()
    return bool(token) and token not in PLACEHOLDERS


def read_environment(
    environ: Mapping[str, str] | None = None, *, env_file: str | Path | None = ".env"
) -> dict[str, str]:
    """Merge a `.env` file (if present) under the process environment.

    Variables already set in the environment win over the file, as with python-dotenv's
    default behaviour.
    """
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return merged


def _text(value: object) -> object:
    """A string stripped, and None for an empty one (an empty variable counts as unset);
    anything else as it is."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        return value.strip() or None
    return value


def _not_a_placeholder(name: str, value: str) -> None:
    if value in PLACEHOLDERS:
        raise ConfigError(
            f"{name} is still the example value from .env.example: put your Slack app's "
            "real value in .env (see README, Quick start)"
        )


def _database_url(url: str | None) -> str:
    url = url or DEFAULT_DATABASE_URL
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not (url.startswith("sqlite:") or url.startswith("postgresql+")):
        raise ConfigError(
            "DATABASE_URL must be an sqlite:/// or postgresql:// URL, "
            "e.g. sqlite:///mentor.db or postgresql://user@host/dbname"
        )
    return url


def database_url_from(env: Mapping[str, str]) -> str:
    """Return ``DATABASE_URL`` (or the SQLite default), checked for a known scheme."""
    url = _text(env.get("DATABASE_URL", ""))
    return _database_url(url if isinstance(url, str) else None)


def check_encryption_key(value: str | None) -> str:
    """Validate a Fernet key (32 url-safe base64 bytes) and return it."""
    if not value:
        raise ConfigError(f"MENTOR_ENCRYPTION_KEY is not set: {_KEY_HINT}")
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(f"MENTOR_ENCRYPTION_KEY is not a valid key: {_KEY_HINT}")
    return value


# What an unset required variable says (the same as an empty one).
_UNSET = {
    "bot_token": _SLACK_BOT_UNSET,
    "encryption_key": f"MENTOR_ENCRYPTION_KEY is not set: {_KEY_HINT}",
}


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build :class:`Settings` from a mapping of environment variables.

    Args:
        environ: The variables, usually :func:`read_environment`'s result.

    Returns:
        The validated settings.

    Raises:
        ConfigError: A variable is missing or malformed (the first one, in the order of
            :data:`ENV_NAMES`; a missing signing secret only once the others are good).
    """
    values: dict[str, Any] = {n: environ[n] for n in ENV_NAMES.values() if n in environ}
    try:
        return Settings(**values)
    except ValidationError as error:
        raise _config_error(error) from None


def _config_error(error: ValidationError) -> ConfigError:
    """The one-line :class:`ConfigError` for the first problem ``error`` reports."""
    first = error.errors(include_url=False, include_input=False)[0]
    raised = (first.get("ctx") or {}).get("error")
    if isinstance(raised, ConfigError):
        return raised
    where = str(first["loc"][0]) if first["loc"] else ""
    field = next((f for f, name in ENV_NAMES.items() if where in (f, name)), where)
    if first["type"] == "missing" and field in _UNSET:
        return ConfigError(_UNSET[field])
    return ConfigError(f"{ENV_NAMES.get(field, field)} is not valid: {first['msg']}")


def _without_password(url: str) -> str:
    """The database URL with its password (if any) replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show nothing of it
        return "***"
