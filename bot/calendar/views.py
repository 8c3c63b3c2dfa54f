"""The calendar's message in a person's DM: the feed link and the ``calendar_reset``
button (the ``.ics`` file is uploaded with it)."""

from __future__ import annotations

from typing import Any

from bot.core.i18n import t
from bot.slack import ids
from bot.slack.blocks import mrkdwn, plain, section

Blocks = list[dict[str, Any]]


def build_feed_message(lang: str, url: str, *, renewed: bool = False) -> tuple[str, Blocks]:
    """The link to subscribe to, and the button for a new one."""
    text = t(lang, "calendar.reset_done" if renewed else "calendar.feed", url=url)
    blocks: Blocks = [
        section(text),
        {"type": "context", "elements": [mrkdwn(t(lang, "calendar.reset_hint"))]},
        {
            "type": "actions",
            "block_id": "calendar",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.CALENDAR_RESET,
                    "text": plain(t(lang, "calendar.reset_button")),
                    "value": "reset",
                }
            ],
        },
    ]
    return text, blocks
