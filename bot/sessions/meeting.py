"""Where a pair meets: a video link (Teams, Zoom, Meet, …) or a room, set by either
person from the button ``meeting_link_open`` (in the intro and each reminder) through the
modal ``meeting_link``. It shows in reminders and as the location of calendar events.

Only ``https://`` links or plain text: a link with any other scheme (``http://``,
``javascript:``, ``file:``, …) is refused with a message saying so.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.core.context import Context
from bot.core.i18n import t
from bot.delivery import notices, outbox
from bot.sessions import planning
from bot.slack import ids
from bot.slack.blocks import input_block, plain, section
from storage import queries
from storage.models import Pair, PairStatus

#: The longest meeting link or place (Teams links run to about 250 characters).
LINK_MAX = 300
#: The modal's input (block_id == action_id).
LINK_INPUT = "link"
_HTTPS = re.compile(r"^https://[^\s/?#@\\]+(?::[0-9]{1,5})?(?:[/?#]\S*)?$", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.\-]*\s*:", re.IGNORECASE)
_UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file", "about", "blob")
#: A domain name (with a path, perhaps) written without https://.
_BARE_LINK = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/?#]\S*)?$", re.IGNORECASE)


def check(text: str) -> tuple[str | None, str | None]:
    """The link or place to store (None to remove it), or the key of what is wrong."""
    value = " ".join(text.split())  # no line breaks or runs of spaces
    if not value:
        return None, None
    if len(value) > LINK_MAX:
        return None, "meeting.too_long"
    if "<" in value or ">" in value or any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        return None, "meeting.bad"  # mrkdwn, control and invisible formatting characters
    scheme = _SCHEME.match(value)
    looks_like_link = "://" in value or (
        scheme is not None and scheme.group(0).strip(" :").lower() in _UNSAFE_SCHEMES
    )
    if looks_like_link and not _HTTPS.match(value):
        return None, "meeting.bad"
    if not looks_like_link and any(_BARE_LINK.match(word) for word in value.split()):
        return None, "meeting.bad"  # Slack would turn it into an http:// link
    return value, None


def pair_of(ctx: Context, pair_id: int, user_id: str) -> Pair | None:
    """The pair, when the person is in it and it is still open."""
    with ctx.db.transaction(write=False) as session:
        pair = session.get(Pair, pair_id)
    if pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
        return None
    if pair.status not in (PairStatus.PROPOSED.value, PairStatus.ACTIVE.value):
        return None
    return pair


def set_link(ctx: Context, pair_id: int, user_id: str, link: str | None) -> bool:
    """Store the pair's meeting link (None removes it); the partner is told, through the
    outbox, in the same unit of work. False when the person is not (or no longer) in the
    open pair."""
    now = ctx.clock()
    with ctx.db.transaction() as session:
        pair = session.get(Pair, pair_id)
        open_states = (PairStatus.PROPOSED.value, PairStatus.ACTIVE.value)
        if pair is None or user_id not in (pair.mentor_id, pair.mentee_id):
            return False
        if pair.status not in open_states:
            return False
        if pair.meeting_link == link:
            return True
        pair.meeting_link = link
        session.add(pair)
        planning.owe_calendar_update(session, pair, f"link:{pair_id}:{now.isoformat()}", now)
        partner = queries.partner_id(pair, user_id)
        stamp = now.strftime("%Y%m%dT%H%M%S%f")
        for person, key in ((user_id, "meeting.saved"), (partner, "meeting.partner_set")):
            if person:
                notices.owe(
                    session,
                    key=f"meeting:{pair_id}:{stamp}:{person}",
                    user_id=person,
                    text=key if link else key + "_removed",
                    now=now,
                    pair_id=pair_id,
                    mention_partner=person != user_id,
                    meeting_link=link is not None,
                )
    outbox.kick(ctx)
    return True


def button(lang: str, pair_id: int, *, label: str | None = None) -> dict[str, Any]:
    """The ``meeting_link_open`` button."""
    return {
        "type": "button",
        "action_id": ids.MEETING_LINK_OPEN,
        "text": plain(label or t(lang, "meeting.button")),
        "value": str(pair_id),
    }


def build_modal(lang: str, *, pair_id: int, current: str | None) -> dict[str, Any]:
    """The ``meeting_link`` modal: one text input, the current link filled in."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": LINK_INPUT,
        "max_length": LINK_MAX,
        "placeholder": plain(t(lang, "meeting.placeholder"), 150),
    }
    if current:
        element["initial_value"] = current
    return {
        "type": "modal",
        "callback_id": ids.MEETING_LINK,
        "private_metadata": str(pair_id),
        "title": plain(t(lang, "meeting.title"), 24),
        "submit": plain(t(lang, "meeting.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": [
            section(t(lang, "meeting.intro")),
            input_block(LINK_INPUT, t(lang, "meeting.label"), element, optional=True),
        ],
    }
