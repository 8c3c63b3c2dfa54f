"""Block Kit builders of announcements: pure functions from plain data to Slack messages
and modals.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.announcements.progress import Progress
from bot.core.i18n import known, t, tn
from bot.slack import ids
from bot.slack.blocks import Blocks, mrkdwn, plain, section
from bot.slack.text import escape


def build_announcement(lang: str, text: str) -> tuple[str, Blocks]:
    """An announcement as members and the cohort channel see it: a header in the reader's
    language and the program owner's message (already in Slack's own markup)."""
    header = t(lang, "announce.header")
    blocks: Blocks = [
        {"type": "context", "elements": [mrkdwn(header)]},
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
    ]
    return f"{header}: {text}", blocks


def build_announce_held(lang: str, announcement_id: int, seconds_ago: int) -> tuple[str, Blocks]:
    """The question before the same announcement goes out twice within a minute."""
    question = tn(lang, "announce.held", seconds_ago, seconds=seconds_ago)
    buttons = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": ids.ANNOUNCE_CONFIRM,
                "text": plain(t(lang, "announce.send_again")),
                "value": str(announcement_id),
                "style": "danger",
            },
            {
                "type": "button",
                "action_id": ids.ANNOUNCE_CANCEL,
                "text": plain(t(lang, "announce.dont_send")),
                "value": str(announcement_id),
            },
        ],
    }
    return question, [section(question), buttons]


def announce_count(lang: str, value: int) -> str:
    """A count of people, or "fewer than 5" for a group of 1 to 4."""
    return t(lang, "report.fewer") if 0 < value < 5 else format_decimal(value, locale=lang)


def announce_n(value: int) -> int:
    """The number a text's plural agrees with when it shows :func:`announce_count`: "fewer
    than 5" is plural."""
    return 5 if 0 < value < 5 else value


def build_announce_progress(lang: str, state: Progress) -> tuple[str, Blocks]:
    """The author's progress message (a :class:`Progress`): "sent 120 of
    480" while sending, then the final count and what failed, by reason. Counts only, and
    a group of 1 to 4 people reads "fewer than 5", also as the difference of two counts."""
    audience = describe_audience(lang, state.audience)
    total = announce_count(lang, state.members)
    if not state.done:
        if state.members < 5:
            line = t(lang, "announce.progress_small", audience=audience)
        else:
            line = t(lang, "announce.progress", audience=audience, sent=state.sent, total=total)
        return line, [section(line)]
    missing = state.members - state.sent
    if missing == 0:
        first = t(lang, "announce.done_all", audience=audience, total=total)
    elif missing < 5 or state.sent < 5:
        first = tn(
            lang,
            "announce.done_most",
            announce_n(state.members),
            audience=audience,
            missing=announce_count(lang, missing),
            total=total,
        )
    else:
        first = tn(
            lang,
            "announce.done",
            announce_n(state.members),
            audience=audience,
            sent=announce_count(lang, state.sent),
            total=total,
        )
    lines = [first]
    # Failures first: they are what the author has to act on.
    for error, count in sorted(state.failed.items(), key=lambda item: (-item[1], item[0])):
        lines.append(
            t(
                lang,
                "announce.failed",
                count=announce_count(lang, count),
                reason=_reason(lang, error),
            )
        )
    if state.skipped:
        lines.append(t(lang, "announce.skipped", count=announce_count(lang, state.skipped)))
    for channel, error in sorted(state.channels_failed.items())[:10]:
        lines.append(
            t(lang, "announce.channel_failed", channel=channel, reason=_reason(lang, error))
        )
    if len(state.channels_sent) > 5:
        lines.append(t(lang, "announce.posted_many", count=len(state.channels_sent)))
    else:
        lines += [t(lang, "announce.posted", channel=c) for c in state.channels_sent]
    return first, [section("\n".join(lines))]


def _reason(lang: str, error: str) -> str:
    key = f"announce.reason.{error}"
    if known(key):
        return t(lang, key)
    return t(lang, "announce.reason.other", code=escape(error[:40]))


def describe_audience(lang: str, name: str | None) -> str:
    """ "*board*" or "every cohort", for the messages about an announcement."""
    return f"*{escape(name)}*" if name else t(lang, "announce.all_cohorts")
