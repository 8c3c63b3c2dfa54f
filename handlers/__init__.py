"""Slack surfaces: one module per surface, each with ``register(app)``."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, views


def register_all(app: App) -> None:
    """Register every handler on ``app``."""
    for module in (commands, actions, views, events):
        module.register(app)
