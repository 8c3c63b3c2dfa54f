"""Buttons: ``forget_confirm`` and the home tab's join button."""

from __future__ import annotations

from logging import Logger
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import enrollment, ids, privacy
from bot.i18n import t
from bot.views import build_join_modal
from handlers.commands import open_modal
from handlers.common import services


def handle_forget_confirm(
    ack: Ack, body: dict[str, Any], context: BoltContext, logger: Logger
) -> None:
    """Delete everything about the person who clicked; a second click finds nothing."""
    ack()
    ctx = services(context)
    user_id = body["user"]["id"]
    lang = ctx.people.get(user_id, remember=False).lang
    try:
        found = privacy.forget(ctx, user_id)
        text = t(lang, "forget.done" if found else "forget.nothing")
    except Exception:
        logger.exception("forget failed")
        text = t(lang, "error.internal")
    if body.get("response_url"):
        ctx.slack.respond(body["response_url"], text, replace_original=True)
    else:
        ctx.slack.post_dm(user_id, text)


def handle_home_join(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The home tab's join / change button opens the enrollment modal."""
    ack()
    ctx = services(context)
    person = ctx.people.get(body["user"]["id"])
    view = build_join_modal(person.lang, enrollment.join_options(ctx, person.user_id))
    open_modal(ctx, person, body["trigger_id"], view, None)


def register(app: App) -> None:
    """Register the button handlers."""
    app.action(ids.FORGET_CONFIRM)(handle_forget_confirm)
    app.action(ids.HOME_JOIN)(handle_home_join)
