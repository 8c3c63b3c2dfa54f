"""Helpers shared by the handler modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk.errors import SlackApiError

from bot.core.context import Context
from bot.core.i18n import t
from bot.core.people import Person


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


@dataclass(frozen=True)
class Invocation:
    """One ``/mentor`` call: who, the words after the subcommand, the payload, and ack."""

    ctx: Context
    person: Person
    name: str
    args: list[str]
    command: dict[str, Any]
    ack: Ack

    def answer(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Acknowledge with an ephemeral answer only the person sees."""
        self.ack(text=text, blocks=blocks, response_type="ephemeral")


Subcommand = Callable[[Invocation], None]
