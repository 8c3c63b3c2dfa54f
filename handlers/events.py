"""Events API: App Home, direct messages to the bot, profile changes."""

from __future__ import annotations

from logging import Logger
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import enrollment
from bot.i18n import t
from bot.views import build_home
from handlers.common import services


def handle_app_home_opened(event: dict[str, Any], context: BoltContext, logger: Logger) -> None:
    """Publish the person's own state on their App Home tab."""
    if event.get("tab", "home") != "home":
        return
    ctx = services(context)
    user_id = event["user"]
    person = ctx.people.get(user_id)
    try:
        ctx.slack.publish_home(
            user_id, build_home(person.lang, person.tz, enrollment.status(ctx, user_id))
        )
    except (SlackApiError, SlackClientError):
        logger.exception("views.publish failed")


def handle_message(event: dict[str, Any], context: BoltContext, logger: Logger) -> None:
    """A person wrote to the bot directly: point them to ``/mentor help``."""
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
        return
    ctx = services(context)
    user_id = event.get("user")
    if not user_id:
        return
    person = ctx.people.get(user_id)
    try:
        ctx.slack.post(event["channel"], t(person.lang, "dm.hello"))
    except (SlackApiError, SlackClientError):
        logger.exception("could not answer a direct message")


def handle_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """A profile changed (locale, time zone, admin rights): refresh the cache."""
    user = event.get("user") or {}
    if user.get("id"):
        services(context).people.refresh_if_known(user["id"])


# Event type -> handler. The manifest's bot_events come from this table
# ("message" is subscribed as message.im only).
EVENT_HANDLERS = {
    "app_home_opened": handle_app_home_opened,
    "message": handle_message,
    "user_change": handle_user_change,
}


def register(app: App) -> None:
    """Register the event handlers."""
    for event_type, handler in EVENT_HANDLERS.items():
        app.event(event_type)(handler)
