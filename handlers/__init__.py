"""Slack surfaces: one module per surface, each with ``register(app)``."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from handlers import actions, commands, events, views

logger = logging.getLogger(__name__)

ANY = re.compile(".*", re.DOTALL)


def register_all(app: App) -> None:
    """Register every handler on ``app``; last, the ones for what none of them knows."""
    for module in (commands, actions, views, events):
        module.register(app)
    # Bolt answers 404 to an interaction no listener takes, which Slack shows the person
    # as an error: an old button, a link button, a view of an earlier version.
    app.action(ANY)(_unknown_action)
    app.view(ANY)(_unknown_view)


def _unknown_action(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    action = (body.get("actions") or [{}])[0]
    logger.warning(
        "unknown action %.80r from %s",
        action.get("action_id") if isinstance(action, dict) else None,
        (body.get("user") or {}).get("id"),
    )


def _unknown_view(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    logger.warning(
        "unknown view %.80r from %s",
        (body.get("view") or {}).get("callback_id"),
        (body.get("user") or {}).get("id"),
    )
