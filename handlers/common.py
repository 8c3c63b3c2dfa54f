"""Helpers shared by the handler modules."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot.core.context import Context
from bot.core.i18n import t


def services(context: BoltContext) -> Context:
    """The bot's services, put into Bolt's context by the app factory's middleware."""
    ctx: Context = context["mentor"]
    return ctx


def slack_error_text(lang: str, error: Exception) -> str:
    """A message telling the person Slack refused something, with Slack's error code."""
    code: Any = "unknown"
    if isinstance(error, SlackApiError):
        code = error.response.get("error", "unknown")
    return t(lang, "error.slack", error=str(code)[:60])
