"""The WSGI application in front of the Bolt app: the edge that reads, checks and
hands on every request to ``/slack/events``, and ``/healthz``."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy import text

from bot.calendar import feed
from bot.core.context import Context
from handlers import edge
from storage.db import unreachable

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: Slack's requests are small (a modal's state is the largest); anything bigger is refused
#: unread.
MAX_BODY = 256 * 1024


def _answer(
    start_response: Callable[..., Any], status: str, body: dict[str, Any]
) -> Iterable[bytes]:
    payload = json.dumps(body).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def create_wsgi(ctx: Context, app: App | None) -> Callable[..., Iterable[bytes]]:
    """The WSGI application: ``POST /slack/events`` (when ``app`` is given), ``GET /healthz``
    and the calendar feeds, ``GET /calendar/<token>.ics``.

    ``/healthz`` answers 200 when the database answers, 503 otherwise.
    """
    limiter = feed.Limiter()
    recent = feed.Recent()

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
        if path.startswith(feed.FEED_PREFIX):
            return _feed(ctx, limiter, recent, environ, start_response)
        if app is not None and path == EVENTS_PATH:
            read = _read(ctx, environ)
            if isinstance(read, tuple):
                status, code = read
                logger.warning("refused a request to %s: %s", path, code)
                return _answer(start_response, status, {"ok": False, "error": code})
            return _dispatch(app, read, start_response)
        return _answer(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return wsgi


def _feed(
    ctx: Context,
    limiter: feed.Limiter,
    recent: feed.Recent,
    environ: dict[str, Any],
    start_response: Callable[..., Any],
) -> Iterable[bytes]:
    """A calendar feed (GET or HEAD); 503 while the database is away."""
    method = environ.get("REQUEST_METHOD")
    if method not in ("GET", "HEAD"):
        start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
        return [b""]
    try:
        answer = feed.answer(
            ctx, limiter, environ.get("PATH_INFO", ""), environ.get("HTTP_IF_NONE_MATCH"), recent
        )
    except Exception as error:
        reason = unreachable(error)
        if reason is None:
            raise
        logger.warning("calendar feed: database unreachable (%s)", reason)
        start_response("503 Service Unavailable", [("Retry-After", "60"), ("Content-Length", "0")])
        return [b""]
    length = [] if answer.status.startswith("304") else [("Content-Length", str(len(answer.body)))]
    start_response(answer.status, [*answer.headers, *length])
    return [b"" if method == "HEAD" else answer.body]


#: How old a request's timestamp may be (Slack's rule; older ones are replays).
MAX_AGE_SECONDS = 300


def _signed(secret: str, body: bytes, timestamp: str, signature: str) -> bool:
    """Slack's request signature check (v0, HMAC-SHA256 over the raw bytes).

    Not slack_sdk's SignatureVerifier: it decodes the body as UTF-8 first, so an
    unsigned body that is not UTF-8 would fail there instead of getting its 401."""
    if not secret or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _read(ctx: Context, environ: dict[str, Any]) -> tuple[str, str] | BoltRequest:
    """The request to the Slack endpoint as Bolt gets it, or why it is refused.

    The body is read here (at most :data:`MAX_BODY`). An unsigned or wrongly signed
    request is refused before its body is looked at; a signed one must be what Slack
    sends: UTF-8, a JSON object, or a form whose single ``payload`` is a JSON object (or
    a slash command's fields), in the shape :func:`handlers.edge.problem` checks.
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
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "401 Unauthorized", "invalid_request"
    secret = ctx.settings.signing_secret
    if not _signed(secret.get_secret_value() if secret else "", body, timestamp, signature):
        return "401 Unauthorized", "invalid_request"
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return "400 Bad Request", "not_utf8"
    try:
        parsed = _parse(decoded, environ.get("CONTENT_TYPE") or "")
    except (ValueError, RecursionError):
        return "400 Bad Request", "invalid_payload"
    problem = edge.problem(parsed)
    if problem is not None:
        return "400 Bad Request", f"invalid_payload ({problem})"
    try:  # Bolt reads its context from the payload here, once
        return _bolt_request(environ, parsed)
    except Exception:  # a shape no check above foresaw: refused all the same
        return "400 Bad Request", "invalid_payload (unreadable)"


def _parse(decoded: str, content_type: str) -> Any:
    """A body as Slack means it: JSON (events), a form with one ``payload`` field
    (interactions), or a form of fields (slash commands, ssl_check).

    Bolt's own reader guesses instead (any form containing the word "payload" is taken
    for an interaction), so the app gets the payload read here.
    """
    if content_type.split(";")[0].strip().lower() == "application/json":
        return json.loads(decoded)
    form = parse_qs(decoded, keep_blank_values=True)
    if any(len(values) > 1 for values in form.values()):
        raise ValueError("a field given twice")
    if "payload" in form and "command" not in form:
        return json.loads(form["payload"][0])
    return {key: values[0] for key, values in form.items()}


def _bolt_request(environ: dict[str, Any], payload: dict[str, Any]) -> BoltRequest:
    """A checked payload as Bolt's request (as JSON, which Bolt reads unambiguously)."""
    headers: dict[str, str | Sequence[str]] = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    }
    headers["content-type"] = "application/json"
    return BoltRequest(
        body=json.dumps(payload), query=environ.get("QUERY_STRING", ""), headers=headers
    )


def _dispatch(
    app: App, request: BoltRequest, start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """Hand a checked request to Bolt and turn its response into the HTTP answer."""
    response = app.dispatch(request)
    body = (response.body or "").encode("utf-8")
    fields = [
        (name, value)
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    fields.append(("Content-Length", str(len(body))))
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", fields)
    return [body]
