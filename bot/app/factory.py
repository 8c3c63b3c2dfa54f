"""The Bolt app factory and the WSGI application around it."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context, parse_body
from sqlalchemy import text

from bot.app.startup import Workspace
from bot.core.context import Context
from bot.core.i18n import t
from handlers import edge, register_all
from storage import queries
from storage.db import unreachable

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: Slack's requests are small (a modal's state is the largest); anything bigger is refused
#: unread.
MAX_BODY = 256 * 1024
#: The answer to a command while the database cannot be reached (the person's language
#: is stored there too, so both).
DATABASE_DOWN = t("de", "error.database") + "\n" + t("en", "error.database")
#: Payloads a person causes once, each with its own trigger_id.
INTERACTIVE_TYPES = ("block_actions", "view_submission")


def create_app(ctx: Context, workspace: Workspace | None = None) -> App:
    """Build the Bolt app with every handler registered.

    In HTTP mode every request must carry a valid Slack signature (Bolt checks it and
    answers 401 otherwise); in Socket Mode Slack's connection is authenticated instead.
    With ``workspace`` (what ``auth.test`` said of the bot token), a request naming
    another workspace, organization or app is refused with 403, even if signed.
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

    @app.error
    def database_outage(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        """While the database cannot be reached nothing is acted on: a command gets a
        one-line answer, anything else a 503 (Slack keeps a modal open with what was
        typed, and delivers an event again later); the log gets one line. Any other
        failure is logged with its traceback (Bolt answers 500)."""
        reason = unreachable(error)
        if reason is None:
            logger.error("a request failed", exc_info=error)
            return None
        kind = body.get("command") or body.get("type")
        logger.warning("database unreachable (%s); %s not acted on", reason, kind)
        if "command" not in body:
            return BoltResponse(status=503, body="")
        answer = {"response_type": "ephemeral", "text": DATABASE_DOWN}
        return BoltResponse(
            status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
        )

    if workspace is not None:

        @app.middleware
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

    @app.middleware
    def act_once_per_request(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        """Slack never sends a slash command, a click or a submission twice: each has its
        own ``trigger_id``. A second request with one already seen is a replay (a signed
        request captured and sent again within the signature's five minutes); it is
        acknowledged with nothing and not acted on."""
        interactive = "command" in body or body.get("type") in INTERACTIVE_TYPES
        trigger = body.get("trigger_id") if interactive else None
        if isinstance(trigger, str) and trigger:
            digest = hashlib.sha256(trigger.encode("utf-8", "replace")).hexdigest()[:40]
            with ctx.db.transaction() as session:
                first = queries.claim_event(session, "trigger:" + digest, ctx.clock())
            if not first:
                logger.warning(
                    "a request was replayed (%s from %.32s); acknowledged, not acted on",
                    body.get("command") or body.get("type"),
                    body.get("user_id") or _user_of(body),
                )
                return BoltResponse(status=200, body="")
        next()
        return None

    register_all(app)
    return app


def _user_of(body: dict[str, Any]) -> Any:
    user = body.get("user")
    return user.get("id") if isinstance(user, dict) else None


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
            except Exception as error:
                reason = unreachable(error)
                if reason is None:
                    logger.exception("health check: the database failed")
                else:
                    logger.warning("health check: database unreachable (%s)", reason)
                return _answer(
                    start_response,
                    "503 Service Unavailable",
                    {"ok": False, "database": "unreachable"},
                )
            return _answer(start_response, "200 OK", {"ok": True})
        if slack_handler is not None and path == EVENTS_PATH:
            refused = _refusal(ctx, environ)
            if refused is not None:
                status, code = refused
                logger.warning("refused a request to %s: %s", path, code)
                return _answer(start_response, status, {"ok": False, "error": code})
            return slack_handler(environ, start_response)
        return _answer(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return wsgi


#: How old a request's timestamp may be (Slack's rule; older ones are replays).
MAX_AGE_SECONDS = 300


def _signed(secret: str, body: bytes, timestamp: str, signature: str) -> bool:
    """Slack's request signature check (v0, HMAC-SHA256 over the raw bytes)."""
    if not secret or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _refusal(ctx: Context, environ: dict[str, Any]) -> tuple[str, str] | None:
    """Why a request to the Slack endpoint is refused before Bolt sees it, or None.

    The body is read here (at most :data:`MAX_BODY`) and handed on. An unsigned or
    wrongly signed request is refused before its body is looked at; a signed one must be
    what Slack sends: UTF-8, a JSON object, or a form whose ``payload`` is a JSON object.
    """
    if environ.get("REQUEST_METHOD") != "POST":
        return "405 Method Not Allowed", "method_not_allowed"
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "400 Bad Request", "bad_length"
    if length < 0 or length > MAX_BODY:
        return "413 Content Too Large", "too_large"
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    if ctx.settings.socket_mode:
        return None
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "401 Unauthorized", "invalid_request"
    if not _signed(ctx.settings.signing_secret or "", body, timestamp, signature):
        return "401 Unauthorized", "invalid_request"
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return "400 Bad Request", "not_utf8"
    try:
        # Exactly as Bolt will read it, so what is checked here is what the handlers get.
        parsed: Any = parse_body(decoded, environ.get("CONTENT_TYPE") or None)
    except (ValueError, RecursionError):
        return "400 Bad Request", "invalid_payload"
    problem = edge.problem(parsed)
    if problem is not None:
        return "400 Bad Request", f"invalid_payload ({problem})"
    try:
        build_context(BoltContext(), parsed)  # what Bolt reads from every request
    except Exception:  # a shape no check above foresaw: refused all the same
        return "400 Bad Request", "invalid_payload (unreadable)"
    return None
