"""Block Kit builders of sessions: pure functions from plain data to Slack messages and modals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.i18n import t
from bot.sessions import meeting
from bot.slack import ids
from bot.slack.blocks import Blocks, input_block, plain, section
from bot.slack.text import escape


def build_reminder(
    lang: str,
    *,
    when: str,
    minutes: int,
    partner: str,
    agenda_line: str,
    prompts: list[str],
    session_id: int,
    pair_id: int,
    meeting_link: str | None = None,
) -> tuple[str, Blocks]:
    """The reminder 24 hours before a session, for one person, with the move and skip
    buttons and the one that sets where the pair meets."""
    title = t(lang, "reminder.title", partner=partner, when=when, minutes=minutes)
    body = [title, agenda_line]
    if meeting_link:
        body.append(t(lang, "reminder.where", link=escape(meeting_link)))
    if prompts:
        body += ["", t(lang, "reminder.prompts"), *("• " + prompt for prompt in prompts)]
    blocks: Blocks = [
        section("\n".join(body)),
        {
            "type": "actions",
            "block_id": "session",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.SESSION_MOVE,
                    "text": plain(t(lang, "reminder.move")),
                    "value": str(session_id),
                },
                {
                    "type": "button",
                    "action_id": ids.SESSION_SKIP,
                    "text": plain(t(lang, "reminder.skip")),
                    "value": str(session_id),
                },
                meeting.button(lang, pair_id),
            ],
        },
    ]
    return title.replace("*", ""), blocks


def build_move_modal(lang: str, tz: str, *, session_id: int, local: datetime) -> dict[str, Any]:
    """Pick a new date and time for one session, in the person's own zone."""
    return {
        "type": "modal",
        "callback_id": ids.MOVE,
        "private_metadata": str(session_id),
        "title": plain(t(lang, "move.title"), 24),
        "submit": plain(t(lang, "move.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": [
            section(t(lang, "move.intro", tz=tz)),
            input_block(
                ids.MOVE_DATE,
                t(lang, "move.date"),
                {
                    "type": "datepicker",
                    "action_id": ids.MOVE_DATE,
                    "initial_date": local.date().isoformat(),
                },
            ),
            input_block(
                ids.MOVE_TIME,
                t(lang, "move.time"),
                {
                    "type": "timepicker",
                    "action_id": ids.MOVE_TIME,
                    "initial_time": local.strftime("%H:%M"),
                },
            ),
        ],
    }


def build_reflection_prompt(lang: str, session_id: int) -> tuple[str, Blocks]:
    """The private DM after a session, with the ``reflect_open`` button."""
    text = t(lang, "reflection.prompt")
    return text, [
        section(text),
        {
            "type": "actions",
            "block_id": "reflect",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.REFLECT_OPEN,
                    "style": "primary",
                    "text": plain(t(lang, "reflection.button")),
                    "value": str(session_id),
                }
            ],
        },
    ]


def build_checkin_prompt(lang: str) -> tuple[str, Blocks]:
    """The mentee's private DM every third session, with the check-in button."""
    text = t(lang, "checkin.prompt")
    return text, [
        section(text),
        {
            "type": "actions",
            "block_id": "checkin",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.GOAL_CHECKIN_OPEN,
                    "style": "primary",
                    "text": plain(t(lang, "checkin.button")),
                    "value": "open",
                }
            ],
        },
    ]
