"""Events API: App Home, direct messages to the bot, profile changes."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.core.context import Context
from bot.core.i18n import t
from bot.enrollment import service as enrollment
from bot.enrollment.views import build_home
from handlers.common import services


def handle_app_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """Publish the person's own state on their App Home tab."""
    if event.get("tab", "home") == "home" and event.get("user"):
        ctx = services(context)
        ctx.later(publish_home, ctx, event["user"])


def publish_home(ctx: Context, user_id: str) -> None:
    """Build and publish one person's App Home tab."""
    person = ctx.people.get(user_id)
    status = enrollment.status(ctx, user_id)
    ctx.slack.publish_home(user_id, build_home(person.lang, person.tz, status))


def handle_message(event: dict[str, Any], context: BoltContext) -> None:
    """A person wrote to the bot directly: point them to ``/mentor help``."""
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
        return
    if event.get("user") and event.get("channel"):
        ctx = services(context)
        ctx.later(answer_dm, ctx, event["user"], event["channel"])


def answer_dm(ctx: Context, user_id: str, channel: str) -> None:
    """Point a person who wrote to the bot to ``/mentor help``, in their language, in
    their DM with the bot (never in another channel an event might name)."""
    if ctx.slack.dm_channel(user_id) != channel:
        return
    ctx.slack.post(channel, t(ctx.people.get(user_id).lang, "dm.hello"))


def handle_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """A profile changed (locale, time zone, admin rights): refresh the cache."""
    user = event.get("user") or {}
    if user.get("id"):
        ctx = services(context)
        ctx.later(ctx.people.refresh_if_known, user["id"])


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
