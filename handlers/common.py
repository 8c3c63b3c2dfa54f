"""Helpers shared by the handler modules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk.errors import SlackApiError

from bot.core.context import Context
from bot.core.i18n import t
from bot.core.people import Person

#: A number typed or picked in a modal: ASCII digits only (``str.isdigit`` takes "²").
DIGITS = re.compile(r"[0-9]{1,18}")


def field_of(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """An input's state in a modal's ``state.values`` (its block's element), or {}."""
    block = values.get(block_id) or {}
    return block.get(block_id) or next(iter(block.values()), {}) or {}


def selected(values: dict[str, Any], block_id: str) -> str | None:
    """The value of the option picked in a radio button group or select, if any."""
    option = field_of(values, block_id).get("selected_option") or {}
    return option.get("value") if isinstance(option, dict) else None


def selected_many(values: dict[str, Any], block_id: str) -> list[str]:
    """The values of the options picked in checkboxes or a multi-select."""
    options = field_of(values, block_id).get("selected_options") or []
    return [o.get("value", "") for o in options if isinstance(o, dict)]


def services(context: BoltContext) -> Context:
    """The bot's services, put into Bolt's context by the app factory's middleware."""
    ctx: Context = context["mentor"]
    return ctx


def answer_click(
    ctx: Context,
    user_id: str,
    response_url: str | None,
    text: str,
    *,
    blocks: list[dict[str, Any]] | None = None,
    replace_original: bool = False,
) -> None:
    """Answer the person who clicked: through the interaction's ``response_url`` (to them
    alone, or in place of the message), or in their DM when there is none."""
    if response_url:
        ctx.slack.respond(response_url, text, blocks=blocks, replace_original=replace_original)
    else:
        ctx.slack.post_dm(user_id, text, blocks)


def count_text(lang: str, n: int) -> str:
    """A count of people or pairs for admins: 1 to 4 read "fewer than 5" (never a group
    that small)."""
    return t(lang, "report.fewer") if 0 < n < 5 else str(n)


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
