"""Slack surfaces: one module per surface, each with ``register(app)``."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from handlers import actions, commands, cycle, events, views

logger = logging.getLogger(__name__)

ANY = re.compile(".*", re.DOTALL)


def register_all(app: App) -> None:
    """Register every handler on ``app``; last, the ones for what none of them knows."""
    for module in (commands, actions, cycle, views, events):
        module.register(app)
    # Bolt answers 404 to an interaction no listener takes, which Slack shows the person
    # as an error: an old button, a link button, a view of an earlier version.
    app.action(ANY)(_unknown_action)
    app.view(ANY)(_unknown_view)
    app.view_closed(ANY)(_closed_view)
    # An event no handler takes would get 404, and Slack counts failed deliveries against
    # the app's event subscriptions (and eventually turns them off).
    app.event(ANY)(_other_event)


#: Events an operator should hear about: the bot token stops working after them.
_LOUD_EVENTS = {"app_uninstalled", "tokens_revoked"}


def _other_event(event: dict[str, Any]) -> None:
    kind = event.get("type")
    if kind in _LOUD_EVENTS:
        logger.warning("Slack sent %s: the bot token no longer works; reinstall the app", kind)
    else:
        logger.debug("event %.40r ignored", kind)


def _unknown_action(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    action = (body.get("actions") or [{}])[0]
    logger.warning(
        "unknown action %.80r from %s",
        action.get("action_id") if isinstance(action, dict) else None,
        (body.get("user") or {}).get("id"),
    )


def _closed_view(ack: Ack) -> None:
    """A modal closed with notify_on_close: nothing to do, but Slack wants its 200."""
    ack()


def _unknown_view(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    logger.warning(
        "unknown view %.80r from %s",
        (body.get("view") or {}).get("callback_id"),
        (body.get("user") or {}).get("id"),
    )
