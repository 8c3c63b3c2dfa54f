"""Block Kit builders of matching: pure functions from plain data to Slack messages and modals."""

from __future__ import annotations

from bot.core.i18n import t
from bot.sessions import meeting
from bot.sessions.topics import labels
from bot.slack import ids
from bot.slack.blocks import Blocks, plain, section


def build_intro(
    langs: list[str], *, pair_id: int, mentor_id: str, mentee_id: str, topics: list[str]
) -> tuple[str, Blocks]:
    """The intro to a proposed pair, in each of the pair's languages, with the buttons.

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
