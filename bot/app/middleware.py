"""The Bolt middleware and error handler every request passes, in the order
:func:`bot.app.factory.create_app` installs them."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from bot.app.startup import Workspace
from bot.core.context import Context
from bot.core.i18n import t
from storage import queries
from storage.db import unreachable

logger = logging.getLogger(__name__)

#: The answer to a command while the database cannot be reached (the person's language
#: is stored there too, so both).
DATABASE_DOWN = t("de", "error.database") + "\n" + t("en", "error.database")
#: Payloads a person causes once, each with its own trigger_id.
INTERACTIVE_TYPES = ("block_actions", "view_submission")

Middleware = Callable[..., BoltResponse | None]


def database_outage(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """While the database cannot be reached nothing is acted on: a command gets a
    one-line answer, an event 200 (nothing the bot does with one is worth Slack turning
    off its subscriptions), anything else 503 (Slack keeps a modal open with what was
    typed); the log gets one line. Any other failure is logged with its traceback (Bolt
    answers 500)."""
    reason = unreachable(error)
    if reason is None:
        logger.error("a request failed", exc_info=error)
        return None
    kind = body.get("command") or body.get("type")
    logger.warning("database unreachable (%s); %s not acted on", reason, kind)
    if kind == "event_callback":
        return BoltResponse(status=200, body="")
    if "command" not in body:
        return BoltResponse(status=503, body="")
    answer = {"response_type": "ephemeral", "text": DATABASE_DOWN}
    return BoltResponse(
        status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
    )


def only(workspace: Workspace) -> Middleware:
    """Refuse (403) a request that names another workspace, organization or app."""

    def only_this_workspace(
        body: dict[str, Any], context: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        why = workspace.foreign(
            context.get("team_id"), context.get("enterprise_id"), body.get("api_app_id")
        )
        if why is not None:
            logger.warning(
                "refused a request from %s (team %.20r, app %.20r)",
                why,
                context.get("team_id"),
                body.get("api_app_id"),
            )
            return BoltResponse(status=403, body="")
        next()
        return None

    return only_this_workspace


def rate_limited_events(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
    """Slack tells an app when it holds back its events (more than 30,000 an hour)."""
    if body.get("type") == "app_rate_limited":
        logger.warning("Slack is holding back events for a minute (app_rate_limited)")
        return BoltResponse(status=200, body="")
    next()
    return None


def services(ctx: Context) -> Middleware:
    """Put the bot's services into Bolt's context, where handlers find them."""

    def provide_services(context: dict[str, Any], next: Callable[[], None]) -> None:
        context["mentor"] = ctx
        next()

    return provide_services


def _first_time(ctx: Context, key: str) -> bool:
    """Claim ``key`` in the redelivery guard; False when it was claimed before."""
    with ctx.db.transaction() as session:
        return queries.claim_event(session, key, ctx.clock())


def drop_redelivered_events(
    body: dict[str, Any], context: dict[str, Any], next: Callable[[], None]
) -> BoltResponse | None:
    """Slack redelivers an event it thinks was lost; act on each event_id once."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id and not _first_time(context["mentor"], str(event_id)[:64]):
        return BoltResponse(status=200, body="")
    next()
    return None


def act_once_per_request(
    body: dict[str, Any], context: dict[str, Any], next: Callable[[], None]
) -> BoltResponse | None:
    """Slack never sends a slash command, a click or a submission twice: each has its own
    ``trigger_id``. A second request with one already seen is a replay (a signed request
    captured and sent again within the signature's five minutes); it is acknowledged with
    nothing and not acted on."""
    interactive = "command" in body or body.get("type") in INTERACTIVE_TYPES
    trigger = body.get("trigger_id") if interactive else None
    if isinstance(trigger, str) and trigger:
        digest = hashlib.sha256(trigger.encode("utf-8", "replace")).hexdigest()[:40]
        if not _first_time(context["mentor"], "trigger:" + digest):
            logger.warning(
                "a request was replayed (%s from %.32s); acknowledged, not acted on",
                body.get("command") or body.get("type"),
                body.get("user_id") or _user_of(body),
            )
            return BoltResponse(status=200, body="")
    next()
    return None


def _user_of(body: dict[str, Any]) -> Any:
    user = body.get("user")
    return user.get("id") if isinstance(user, dict) else None
