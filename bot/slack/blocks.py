"""Block Kit helpers shared by every feature's builders."""

from __future__ import annotations

from typing import Any

from bot.slack.text import truncate

Blocks = list[dict[str, Any]]


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    """A plain_text object, cut to ``limit`` characters."""
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object (at most 3,000 characters)."""
    return {"type": "mrkdwn", "text": truncate(text, 3000)}


def section(text: str) -> dict[str, Any]:
    """A section block with mrkdwn text."""
    return {"type": "section", "text": mrkdwn(text)}


def option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    """An option for selects, radio buttons and checkboxes."""
    result: dict[str, Any] = {"text": plain(text), "value": value}
    if description:
        result["description"] = plain(description)
    return result


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block
