"""Buttons: ``forget_confirm`` and the home tab's join button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import enrollment, ids, privacy
from bot.context import Context
from bot.i18n import t
from bot.views import build_home, build_join_modal
from handlers.commands import open_modal
from handlers.common import services

logger = logging.getLogger(__name__)


def handle_forget_confirm(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Delete everything about the person who clicked; a second click finds nothing."""
    ack()
    ctx = services(context)
    ctx.later(forget_and_tell, ctx, body["user"]["id"], body.get("response_url"))


def forget_and_tell(ctx: Context, user_id: str, response_url: str | None) -> None:
    """Forget the person, confirm it to them, and reset their App Home tab."""
    person = ctx.people.get(user_id, remember=False)
    try:
        found = privacy.forget(ctx, user_id)
        text = t(person.lang, "forget.done" if found else "forget.nothing")
    except Exception:
        logger.exception("forget failed")
        text = t(person.lang, "error.internal")
        found = False
    if response_url:
        ctx.slack.respond(response_url, text, replace_original=True)
    else:
        ctx.slack.post_dm(user_id, text)
    if found:  # the home tab showed their enrollment; it now shows nothing about them
        ctx.slack.publish_home(user_id, build_home(person.lang, person.tz, None))


def handle_home_join(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The home tab's join / change button opens the enrollment modal."""
    ack()
    ctx = services(context)
    person = ctx.people.get(body["user"]["id"])
    view = build_join_modal(person.lang, enrollment.join_options(ctx, person.user_id))
    ctx.later(open_modal, ctx, person, body["trigger_id"], view, None)


def register(app: App) -> None:
    """Register the button handlers."""
    app.action(ids.FORGET_CONFIRM)(handle_forget_confirm)
    app.action(ids.HOME_JOIN)(handle_home_join)
