"""Sending a person their calendar through the outbox: the ``.ics`` file of their sessions
and, when the bot has a public address, their feed link with the ``calendar_reset``
button. Owed when their pair becomes active and on ``/mentor calendar``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.calendar import feed
from bot.calendar.views import build_feed_message
from bot.core.context import Context
from bot.core.i18n import t
from bot.delivery import outbox
from storage import queries
from storage.models import Notification, ParticipantStatus

FILENAME = "reverse-mentoring.ics"


def owe(session: Session, user_id: str, *, key: str, now: datetime) -> bool:
    """Owe ``user_id`` their calendar, once per ``key``."""
    return outbox.enqueue(
        session, key=f"calendar:{key}", kind="calendar", due_at=now, user_id=user_id
    )


def send_calendar(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """The feed link (when there is a public address), then the file, in the person's
    language; nothing for someone who forgot meanwhile, or who left (but the file that
    takes their sessions out of their calendar).

    After a change (``update`` in the row's args) only the file, and only where there are
    no feeds: a subscribed calendar follows by itself.
    """
    user_id = row.user_id
    update = bool((row.args or {}).get("update"))
    if user_id is None or (update and ctx.settings.public_url):
        return outbox.Skipped()
    person = ctx.people.get(user_id, patient=True)
    with ctx.db.transaction() as session:
        participant = queries.participant_of(session, user_id)
        if participant is None or (
            participant.status == ParticipantStatus.LEFT.value and not update
        ):
            return outbox.Skipped()
        token = feed.token_of(ctx, session, user_id) if ctx.settings.public_url else None
        # A file, once imported, forgets nothing: what a pause took out is cancelled in it.
        calendar = feed.calendar_of(session, user_id, now, paused_as_cancelled=True, stamp=now)
    url = feed.feed_url(ctx, token) if token else None
    if url:
        text, blocks = build_feed_message(person.lang, url)
        ctx.slack.post_dm(user_id, text, blocks)
    ctx.slack.upload_to_dm(
        user_id,
        filename=FILENAME,
        content=calendar.ics(),
        title=t(person.lang, "calendar.file_title"),
        comment=t(person.lang, "calendar.file_update" if update else "calendar.file_comment"),
    )
    return outbox.Sent()


CALENDAR = outbox.Kind.per_row("calendar", send_calendar)
KINDS = (CALENDAR,)


def request(ctx: Context, user_id: str, *, ref: str) -> bool:
    """``/mentor calendar``: owe the person their calendar again (``ref`` names the
    request, so a request Slack delivers twice is answered once).

    Returns:
        False when the person is not in the program.
    """
    now = ctx.clock()
    with ctx.db.transaction() as session:
        participant = queries.participant_of(session, user_id)
        if participant is None or participant.status == ParticipantStatus.LEFT.value:
            return False
        owe(session, user_id, key=f"ask:{user_id}:{ref}", now=now)
    outbox.kick(ctx)
    return True


def renew(ctx: Context, user_id: str) -> str | None:
    """``calendar_reset``: a new feed link; the old one answers 404 from now on.

    Returns:
        The new link; None when the person is not in the program or the bot has no
        public address.
    """
    if not ctx.settings.public_url:
        return None
    with ctx.db.transaction() as session:
        participant = queries.participant_of(session, user_id)
        if participant is None or participant.status == ParticipantStatus.LEFT.value:
            return None
        token = feed.token_of(ctx, session, user_id, renew=True)
    return feed.feed_url(ctx, token)
