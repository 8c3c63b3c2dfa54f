"""Every kind of message the bot sends, registered with the one outbox the app builds.

A new kind of message is a :class:`bot.delivery.outbox.Kind` in its feature package,
added here.
"""

from __future__ import annotations

from bot.announcements import sending as announcements
from bot.calendar import sending as calendar
from bot.cycle import prompts as cycle
from bot.delivery import notices
from bot.delivery.outbox import Outbox
from bot.enrollment import welcome
from bot.matching import consent
from bot.sessions import messages


def build_outbox() -> Outbox:
    """The outbox with every kind of message, and what runs after each dispatch pass."""
    return Outbox(
        [
            welcome.ENROLLED,
            *consent.KINDS,
            *messages.KINDS,
            notices.NOTICE,
            *announcements.KINDS,
            *calendar.KINDS,
            *cycle.KINDS,
        ],
        after_pass=[announcements.after_pass],
    )
