"""The manifest agrees with the registered handlers and asks for the least scopes."""

from __future__ import annotations

import subprocess
import sys

import yaml

from bot.app.manifest import EVENT_SUBSCRIPTIONS, METHOD_SCOPES, bot_scopes, build_manifest
from bot.slack import ids
from tests.harness import Bot


def test_cli_prints_valid_yaml_with_the_request_url() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "--url", "https://bot.example.com/"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    manifest = yaml.safe_load(result.stdout)
    url = "https://bot.example.com/slack/events"
    assert manifest["features"]["slash_commands"][0]["url"] == url
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_request_urls() -> None:
    manifest = build_manifest(socket_mode=True)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert "request_url" not in manifest["settings"]["event_subscriptions"]


def test_events_match_the_registered_handlers(bot: Bot) -> None:
    manifest = build_manifest()
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert subscribed == {"app_home_opened", "message.im", "user_change"}
    # Every subscribed event is handled by the running app (Bolt answers 404 otherwise) ...
    samples = {
        "app_home_opened": {"type": "app_home_opened", "user": "UEN", "tab": "home"},
        "message.im": {
            "type": "message",
            "channel_type": "im",
            "channel": "D1",
            "user": "UEN",
            "text": "hi",
        },
        "user_change": {"type": "user_change", "user": {"id": "UEN"}},
    }
    for name in subscribed:
        assert bot.slack.event(samples[name]).status == 200, name
    # ... and an event that is not subscribed is acknowledged (a 404 counts as a failed
    # delivery for Slack) and changes nothing.
    assert bot.ctx.background.wait_idle()
    before = len(bot.fake.calls)
    assert bot.slack.event({"type": "reaction_added", "user": "UEN"}).status == 200
    assert bot.ctx.background.wait_idle()
    assert bot.fake.calls[before:] == []
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == ids.COMMAND and command["should_escape"] is True


def test_scopes_are_exactly_what_the_bot_uses(bot: Bot) -> None:
    """Play every flow, then check each called method's scope is granted, and no more."""
    bot.reply("UADMIN01", "admin cohort create board")
    bot.join("UEN", role="mentor")
    bot.join("UDE", role="mentee")
    bot.reply("UADMIN01", "admin match")
    assert bot.ctx.background.wait_idle()
    intro = next(m for m in bot.fake.messages_for("UEN") if "pair_accept" in m.action_ids())
    bot.slack.block_action("UEN", "pair_accept", message=intro)
    bot.slack.block_action("UDE", "pair_accept", message=intro)
    assert bot.ctx.background.wait_idle()
    bot.reply("UEN", "status")
    bot.command("UEN", "export")
    assert bot.fake.wait_for(lambda: any(f.completed for f in bot.fake.files()))
    bot.slack.event({"type": "app_home_opened", "user": "UEN", "tab": "home"})
    assert bot.fake.wait_for(lambda: bool(bot.fake.calls_to("views.publish")))
    # (the stand-in also records uploads and response_url posts, which are not API methods)
    called = {call.method for call in bot.fake.calls if "." in call.method}
    assert called <= set(METHOD_SCOPES), called - set(METHOD_SCOPES)
    granted = set(bot_scopes())
    needed = {scope for method in called for scope in METHOD_SCOPES[method]}
    assert needed <= granted
    # ... and nothing more: the slash command, the scopes these calls need, and the scopes
    # of the subscribed events.
    event_scopes = {scope for _, scope in EVENT_SUBSCRIPTIONS.values() if scope}
    assert granted == needed | event_scopes | {"commands"}
