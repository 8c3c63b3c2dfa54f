"""Helpers shared by the handler modules."""

from __future__ import annotations

import logging
import sys
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot.core.context import Context
from bot.core.i18n import t
from storage.db import unreachable


def services(context: BoltContext) -> Context:
    """The bot's services, put into Bolt's context by the app factory's middleware."""
    ctx: Context = context["mentor"]
    return ctx


def failed(log: logging.Logger, what: str, *args: object) -> None:
    """Log the exception being handled: one line when the database cannot be reached
    (an outage, not a bug), with its traceback otherwise."""
    reason = unreachable(sys.exc_info()[1] or Exception())
    if reason is None:
        log.exception(what + " failed", *args)
    else:
        log.warning(what + ": database unreachable (%s)", *args, reason)


def slack_error_text(lang: str, error: Exception) -> str:
    """A message telling the person Slack refused something, with Slack's error code."""
    code: Any = "unknown"
    if isinstance(error, SlackApiError):
        code = error.response.get("error", "unknown")
    return t(lang, "error.slack", error=str(code)[:60])
