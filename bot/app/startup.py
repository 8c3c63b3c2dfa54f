"""Checks before the bot starts: the database answers, and Slack accepts the bot token.

Each failure becomes a :class:`StartupError` whose message is one line naming the fix;
``mentor-bot`` prints it instead of a traceback.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

#: Slack's answers to ``auth.test`` that mean the token itself is wrong.
_TOKEN_ERRORS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
    "missing_scope",
}


class StartupError(RuntimeError):
    """The bot cannot start; the message says why and what to check."""


@dataclass(frozen=True)
class Workspace:
    """The workspace and app the bot token belongs to (from ``auth.test``).

    Attributes:
        team_id: The workspace's id (``T…``).
        enterprise_id: The Enterprise Grid organization, if any.
        app_id: The app's id (``A…``), when Slack names it.
        bot_user_id: The bot's own user id.
        org_install: Installed for the whole organization (Enterprise Grid), so every
            workspace of ``enterprise_id`` is served; otherwise only ``team_id``.
    """

    team_id: str
    enterprise_id: str | None = None
    app_id: str | None = None
    bot_user_id: str | None = None
    org_install: bool = False

    @classmethod
    def from_auth_test(cls, answer: dict[str, Any]) -> Workspace:
        """Read ``auth.test``'s answer."""
        return cls(
            team_id=str(answer.get("team_id") or ""),
            enterprise_id=answer.get("enterprise_id") or None,
            app_id=answer.get("app_id") or None,
            bot_user_id=answer.get("user_id") or None,
            org_install=answer.get("is_enterprise_install") is True,
        )

    def foreign(self, team_id: Any, enterprise_id: Any, app_id: Any) -> str | None:
        """Why a request naming these ids is not for this workspace and app, or None.

        A request must name this workspace, or, for an organization-wide install, this
        organization; where it names an app, this app. Another workspace of the same
        organization is another install, with its own token.
        """
        if app_id and self.app_id and app_id != self.app_id:
            return "another app"
        if self.org_install:
            return None if enterprise_id == self.enterprise_id else "another organization"
        if team_id == self.team_id:
            return None
        return "another workspace" if team_id else "no workspace"


def _location(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def check_database(engine: Engine) -> None:
    """Connect once; an unreachable or missing database raises :class:`StartupError`."""
    url = make_url(engine.url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folder = Path(url.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StartupError(
                f"cannot open the SQLite database {url.database}: the folder {folder} does not "
                "exist; create it or fix DATABASE_URL"
            )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        raise StartupError(_database_problem(engine, error)) from error
    except SQLAlchemyError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StartupError(
            f"cannot use the database at {_location(engine)} ({first}): check DATABASE_URL"
        ) from error


def _database_problem(engine: Engine, error: DBAPIError) -> str:
    where = _location(engine)
    original = error.orig
    lines = str(original).strip().splitlines() if original is not None else []
    detail = lines[0] if lines else type(original).__name__
    if isinstance(original, sqlite3.Error):
        return (
            f"cannot open the SQLite database {where} ({detail}): check DATABASE_URL and that "
            "the bot may write to its folder"
        )
    lowered = str(original).lower()
    database = engine.url.database or ""
    if "does not exist" in lowered and "database" in lowered:
        return (
            f'the database "{database}" does not exist on {where.rsplit("/", 1)[0]}: create it '
            f"(createdb {database}) or fix DATABASE_URL"
        )
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return (
            f"the database at {where} refused the login ({detail}): check the user and "
            "password in DATABASE_URL"
        )
    return (
        f"cannot reach the database at {where} ({detail}): check that PostgreSQL is running "
        "there and DATABASE_URL"
    )


def check_slack(client: Any, api_url: str) -> Workspace:
    """Ask ``auth.test`` who the bot token belongs to; a refused token or an unreachable
    Slack raises :class:`StartupError`."""
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if code in _TOKEN_ERRORS:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token "
                "(xoxb-...) from your app's 'OAuth & Permissions' page into .env; reinstall "
                "the app if the token was revoked"
            ) from error
        raise StartupError(
            f"Slack answered auth.test with {code}: check SLACK_BOT_TOKEN and SLACK_API_URL"
        ) from error
    except (SlackClientError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StartupError(
            f"cannot reach Slack at {api_url} ({reason}): check the network, a proxy, "
            "or SLACK_API_URL"
        ) from error
    workspace = Workspace.from_auth_test(dict(answer.data) if hasattr(answer, "data") else answer)
    if not (workspace.team_id or (workspace.org_install and workspace.enterprise_id)):
        raise StartupError("Slack's auth.test named no workspace: check SLACK_BOT_TOKEN")
    return workspace
