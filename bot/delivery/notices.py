"""Notices: the short DMs a change owes someone, through the outbox.

"The pair ended", "the session on … is skipped", "… moved your session to …", and the
confirmations after a modal ("your reflection is saved") are written as ``notice`` rows
in the same unit of work as the change that causes them, so a restart between the
change and the message loses nothing, and a redelivered change owes it once (the key).

A notice names an i18n key and what to fill in: a time (formatted at send time in the
recipient's language and zone), a count, and whether to mention the recipient's partner
in the pair (looked up at send time, so no second person's ID is stored in the row).
Nothing a person wrote is ever in a notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.core.context import Context
from bot.core.i18n import fmt_datetime, t, tn
from bot.delivery import outbox
from bot.slack.text import escape
from storage import queries
from storage.models import Notification, Pair


def owe(
    session: Session,
    *,
    key: str,
    user_id: str,
    text: str,
    now: datetime,
    when: datetime | None = None,
    count: int | None = None,
    pair_id: int | None = None,
    session_id: int | None = None,
    mention_partner: bool = False,
    meeting_link: bool = False,
) -> bool:
    """Owe ``user_id`` the notice ``text`` (an i18n key), once per ``key``
    (``meeting_link``: with the pair's meeting link as it is when the notice is sent).

    Returns:
        False when a notice with this key was owed before.
    """
    args: dict[str, Any] = {"text": text}
    if when is not None:
        args["when"] = when.isoformat()
    if count is not None:
        args["count"] = count
    if mention_partner:
        args["partner"] = True
    if meeting_link:
        args["link"] = True
    return outbox.enqueue(
        session,
        key=f"notice:{key}",
        kind="notice",
        due_at=now,
        user_id=user_id,
        pair_id=pair_id,
        session_id=session_id,
        args=args,
    )


def send_notice(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """Render the notice in the recipient's language and zone, and DM it."""
    args = row.args or {}
    if row.user_id is None or "text" not in args:
        return outbox.Skipped()
    person = ctx.people.get(row.user_id, patient=True)
    values: dict[str, object] = {}
    if "when" in args:
        values["when"] = fmt_datetime(datetime.fromisoformat(args["when"]), person.lang, person.tz)
    if "count" in args:
        values["count"] = args["count"]
    pair: Pair | None = None
    if args.get("partner") or args.get("link"):
        with ctx.db.transaction(write=False) as session:
            pair = session.get(Pair, row.pair_id) if row.pair_id else None
    if args.get("partner"):
        partner = queries.partner_id(pair, row.user_id) if pair else None
        if not partner:  # the partner used /mentor forget meanwhile: nobody to name
            return outbox.Skipped()
        values["user"] = partner
    if args.get("link"):
        if pair is None or not pair.meeting_link:  # removed meanwhile
            return outbox.Skipped()
        values["link"] = escape(pair.meeting_link)
    key = str(args["text"])
    text = (
        tn(person.lang, key, int(args["count"]), **values)
        if "count" in args
        else t(person.lang, key, **values)
    )
    ctx.slack.post_dm(row.user_id, text)
    return outbox.Sent()


NOTICE = outbox.Kind.per_row("notice", send_notice)
