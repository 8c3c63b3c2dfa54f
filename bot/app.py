"""The Bolt app factory and the WSGI application around it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.context import Context
from handlers import register_all
from storage import queries

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def create_app(ctx: Context) -> App:
    """Build the Bolt app with every handler registered.

    In HTTP mode every request must carry a valid Slack signature (Bolt checks it and
    answers 401 otherwise); in Socket Mode Slack's connection is authenticated instead.
    """
    settings = ctx.settings
    app = App(
        signing_secret=settings.signing_secret or "",
        client=ctx.slack.client,
        listener_executor=ctx.background.executor,
        process_before_response=True,
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.bolt"),
    )

    @app.middleware
    def provide_services(context: dict[str, Any], next: Callable[[], None]) -> None:
        context["mentor"] = ctx
        next()

    @app.middleware
    def drop_redelivered_events(
        body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        """Slack redelivers an event it thinks was lost; act on each event_id once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with ctx.db.transaction() as session:
                first = queries.claim_event(session, str(event_id)[:64], ctx.clock())
            if not first:
                return BoltResponse(status=200, body="")
        next()
        return None

    register_all(app)
    return app


def _answer(
    start_response: Callable[..., Any], status: str, body: dict[str, Any]
) -> Iterable[bytes]:
    payload = json.dumps(body).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def create_wsgi(ctx: Context, app: App | None) -> Callable[..., Iterable[bytes]]:
    """The WSGI application: ``POST /slack/events`` (when ``app`` is given) and ``GET /healthz``.

    ``/healthz`` answers 200 when the database answers, 503 otherwise.
    """
    slack_handler = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            try:
                with ctx.db.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except Exception:
                logger.exception("health check: database unreachable")
                return _answer(
                    start_response,
                    "503 Service Unavailable",
                    {"ok": False, "database": "unreachable"},
                )
            return _answer(start_response, "200 OK", {"ok": True})
        if slack_handler is not None and path == EVENTS_PATH:
            return slack_handler(environ, start_response)
        return _answer(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return wsgi
