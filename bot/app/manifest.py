"""The Slack app manifest: paste ``mentor-bot manifest`` into "Create an app → From a manifest".

It is derived from what the handlers register, and the scopes are the least the bot's Web
API calls and events need (a test checks both).
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.slack import ids
from handlers.events import EVENT_HANDLERS

APP_NAME = "Reverse Mentoring"

# The Web API methods the bot calls, and the bot scopes they need.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "users.info": ("users:read",),
    # a DM with one person (im), and a pair's group DM with both and the bot (mpim)
    "conversations.open": ("im:write", "mpim:write"),
    # chat:write.public: announcements reach a cohort's public channel without the bot
    # being invited there first (a private channel still needs /invite).
    "chat.postMessage": ("chat:write", "chat:write.public"),
    # only the bot's own DMs, to tell whether a message reached Slack before a crash
    "conversations.history": ("im:history",),
    "chat.update": ("chat:write",),
    "views.open": (),
    "views.publish": (),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}

# Scopes needed beyond single method calls.
EXTRA_SCOPES = {
    "commands": "the /mentor slash command",
}

# Event type -> the subscription name in the manifest, and the scope it needs.
EVENT_SUBSCRIPTIONS: dict[str, tuple[str, str | None]] = {
    "app_home_opened": ("app_home_opened", None),
    "message": ("message.im", "im:history"),
    "user_change": ("user_change", "users:read"),
}


def bot_scopes() -> list[str]:
    """Every bot scope the manifest asks for, sorted."""
    scopes = {scope for needed in METHOD_SCOPES.values() for scope in needed}
    scopes |= set(EXTRA_SCOPES)
    scopes |= {scope for _, scope in EVENT_SUBSCRIPTIONS.values() if scope}
    return sorted(scopes)


def bot_events() -> list[str]:
    """The event subscriptions, one per registered event handler."""
    return sorted(EVENT_SUBSCRIPTIONS[event_type][0] for event_type in EVENT_HANDLERS)


def build_manifest(*, url: str | None = None, socket_mode: bool = False) -> dict[str, Any]:
    """The app manifest as a dict.

    Args:
        url: The public base URL of the bot in HTTP mode (``https://bot.example.com``);
            Slack posts to ``{url}/slack/events``.
        socket_mode: Build a manifest for Socket Mode (no request URLs).
    """
    request_url = (url or "https://YOUR-BOT-HOST").rstrip("/") + "/slack/events"
    command: dict[str, Any] = {
        "command": ids.COMMAND,
        "description": "Reverse mentoring: join, status, goals, reflect, help",
        "usage_hint": "join | status | goals | reflect | pause [weeks] | resume | leave | "
        "export | forget | help",
        "should_escape": True,
    }
    events: dict[str, Any] = {"bot_events": bot_events()}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = request_url
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": APP_NAME,
            "description": "Runs a reverse mentoring program: matching, sessions, reminders, "
            "private reflections.",
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(*, url: str | None = None, socket_mode: bool = False) -> str:
    """The manifest as YAML, ready to paste."""
    return yaml.safe_dump(
        build_manifest(url=url, socket_mode=socket_mode), sort_keys=False, allow_unicode=True
    )
