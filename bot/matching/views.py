"""Block Kit builders of matching: pure functions from plain data to Slack messages and modals."""

from __future__ import annotations

from babel.dates import get_day_names

from bot.core.i18n import t
from bot.sessions import meeting
from bot.sessions.topics import labels
from bot.slack import ids
from bot.slack.blocks import Blocks, plain, section


def build_intro(
    langs: list[str],
    *,
    pair_id: int,
    mentor_id: str,
    mentee_id: str,
    topics: list[str],
    other_departments: bool = False,
    weekdays: list[int] | None = None,
) -> tuple[str, Blocks]:
    """The intro to a proposed pair, in each of the pair's languages, with the buttons:
    who is who and what each role asks of them, and why these two (shared topics,
    different departments, weekdays both prefer).

    Both people see one message in their group DM; when their languages differ it says
    everything in both.
    """
    sections: Blocks = []
    for lang in langs:
        sections.append(
            section(
                "\n".join(
                    [
                        t(lang, "intro.title"),
                        t(lang, "intro.mentor", user=mentor_id),
                        t(lang, "intro.mentee", user=mentee_id),
                        t(lang, "intro.topics", topics=", ".join(labels(topics, lang))),
                        *_why(lang, other_departments, weekdays or []),
                        t(lang, "intro.roles"),
                        "_" + t(lang, "intro.ask") + "_",
                    ]
                )
            )
        )
    accept = " / ".join(t(lang, "intro.accept") for lang in langs)
    decline = " / ".join(t(lang, "intro.decline") for lang in langs)
    buttons = {
        "type": "actions",
        "block_id": "pair_consent",
        "elements": [
            {
                "type": "button",
                "action_id": ids.PAIR_ACCEPT,
                "style": "primary",
                "text": plain(accept),
                "value": str(pair_id),
            },
            {
                "type": "button",
                "action_id": ids.PAIR_DECLINE,
                "text": plain(decline),
                "value": str(pair_id),
            },
        ],
    }
    fallback = t(langs[0], "intro.title").strip("*")
    return fallback, [*sections, buttons]


def _why(lang: str, other_departments: bool, weekdays: list[int]) -> list[str]:
    """Why these two were matched, beyond their topics (nothing when nothing more)."""
    reasons = []
    if other_departments:
        reasons.append(t(lang, "intro.why_departments"))
    if weekdays:
        days = ", ".join(get_day_names("wide", locale=lang)[d] for d in sorted(weekdays))
        reasons.append(t(lang, "intro.why_weekdays", days=days))
    return [t(lang, "intro.why", reasons="; ".join(reasons))] if reasons else []


def build_pair_closed(
    langs: list[str], key: str, *, pair_id: int | None = None
) -> tuple[str, Blocks]:
    """The intro after both answered (``pair.active``, with the button that sets where
    the pair meets when ``pair_id`` is given) or after a no (``pair.closed``)."""
    blocks = [section(t(lang, key)) for lang in langs]
    if pair_id is not None:
        label = " / ".join(t(lang, "meeting.button") for lang in langs)
        blocks.append(
            {
                "type": "actions",
                "block_id": "meeting",
                "elements": [meeting.button(langs[0], pair_id, label=label)],
            }
        )
    return t(langs[0], key).replace("*", ""), blocks
