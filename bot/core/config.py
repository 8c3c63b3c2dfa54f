"""Configuration read once from the environment (and a `.env` file), validated up front.

A missing or malformed variable raises :class:`ConfigError` whose message is one line naming
the variable and how to fix it; the CLI prints that line and exits.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///mentor.db"
DEFAULT_PORT = 3000

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message says how to fix it."""


# The placeholders in .env.example: a bot started with them could never reach Slack.
PLACEHOLDERS = {"xoxb-your-bot-token", "your-signing-secret", "xapp-your-app-token"}


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment.

    Attributes:
        bot_token: ``SLACK_BOT_TOKEN`` (xoxb-).
        signing_secret: ``SLACK_SIGNING_SECRET``; required in HTTP mode.
        app_token: ``SLACK_APP_TOKEN`` (xapp-); when set the bot uses Socket Mode.
        api_url: ``SLACK_API_URL``, always ending with a slash.
        database_url: ``DATABASE_URL`` as an SQLAlchemy URL.
        port: ``PORT`` for the HTTP server.
        admin_ids: ``MENTOR_ADMIN_IDS`` as a frozen set of Slack user IDs.
        encryption_key: ``MENTOR_ENCRYPTION_KEY``, a Fernet key.
        scheduler: ``MENTOR_SCHEDULER`` as a boolean.
    """

    bot_token: str
    encryption_key: str
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = DEFAULT_PORT
    admin_ids: frozenset[str] = field(default_factory=frozenset)
    scheduler: bool = True

    def __repr__(self) -> str:
        """Every setting but the secrets (tokens, signing secret, key, database password),
        so a log line or traceback that shows the settings gives nothing away."""
        shown = {
            "bot_token": _masked(self.bot_token),
            "encryption_key": _masked(self.encryption_key),
            "signing_secret": _masked(self.signing_secret),
            "app_token": _masked(self.app_token),
            "api_url": self.api_url,
            "database_url": _without_password(self.database_url),
            "port": self.port,
            "admin_ids": sorted(self.admin_ids),
            "scheduler": self.scheduler,
        }
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @property
    def socket_mode(self) -> bool:
        """True when the bot connects to Slack over Socket Mode instead of HTTP."""
        return bool(self.app_token)


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


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def database_url_from(env: Mapping[str, str]) -> str:
    """Return ``DATABASE_URL`` (or the SQLite default), checked for a known scheme."""
    url = _get(env, "DATABASE_URL") or DEFAULT_DATABASE_URL
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


def check_encryption_key(value: str | None) -> str:
    """Validate a Fernet key (32 url-safe base64 bytes) and return it."""
    hint = "run `mentor-bot keygen` and put the printed key in .env as MENTOR_ENCRYPTION_KEY"
    if not value:
        raise ConfigError(f"MENTOR_ENCRYPTION_KEY is not set: {hint}")
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(f"MENTOR_ENCRYPTION_KEY is not a valid key: {hint}")
    return value


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build :class:`Settings` from a mapping of environment variables.

    Args:
        environ: The variables, usually :func:`read_environment`'s result.

    Returns:
        The validated settings.

    Raises:
        ConfigError: A variable is missing or malformed.
    """
    bot_token = _get(environ, "SLACK_BOT_TOKEN")
    if not bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your "
            "Slack app's 'OAuth & Permissions' page into .env"
        )
    if not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        if _get(environ, name) in PLACEHOLDERS:
            raise ConfigError(
                f"{name} is still the example value from .env.example: put your Slack app's "
                "real value in .env (see README, Quick start)"
            )

    app_token = _get(environ, "SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token starting with xapp- "
            "(or unset it to use HTTP mode)"
        )
    signing_secret = _get(environ, "SLACK_SIGNING_SECRET")
    if not app_token and not signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's "
            "'Basic Information' page into .env (or set SLACK_APP_TOKEN for Socket Mode)"
        )

    api_url = _get(environ, "SLACK_API_URL") or DEFAULT_API_URL
    if not re.match(r"^https?://", api_url):
        raise ConfigError("SLACK_API_URL must start with http:// or https://")
    if not api_url.endswith("/"):
        api_url += "/"

    port_text = _get(environ, "PORT") or str(DEFAULT_PORT)
    if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 0 < int(port_text) < 65536:
        raise ConfigError(f"PORT must be a number from 1 to 65535, not {port_text!r}")

    admin_ids = frozenset(
        part.strip()
        for part in (_get(environ, "MENTOR_ADMIN_IDS") or "").split(",")
        if part.strip()
    )
    for admin_id in admin_ids:
        if not _USER_ID.match(admin_id):
            raise ConfigError(
                f"MENTOR_ADMIN_IDS must be comma-separated Slack user IDs like U012ABCDEF, "
                f"not {admin_id!r}"
            )

    scheduler_text = (_get(environ, "MENTOR_SCHEDULER") or "on").lower()
    if scheduler_text not in {"on", "off"}:
        raise ConfigError(f"MENTOR_SCHEDULER must be on or off, not {scheduler_text!r}")

    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api_url,
        database_url=database_url_from(environ),
        port=int(port_text),
        admin_ids=admin_ids,
        encryption_key=check_encryption_key(_get(environ, "MENTOR_ENCRYPTION_KEY")),
        scheduler=scheduler_text == "on",
    )


def _masked(secret: str | None) -> str | None:
    """``***`` for a secret that is set (None stays None, so a missing one shows)."""
    return None if secret is None else "***"


def _without_password(url: str) -> str:
    """The database URL with its password (if any) replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show nothing of it
        return "***"
