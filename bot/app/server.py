"""Running the bot: HTTP (waitress) or Socket Mode, with the scheduler."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from bot.app.factory import create_app
from bot.app.scheduler import create_scheduler
from bot.app.startup import StartupError, check_database, check_slack
from bot.app.wsgi import MAX_BODY, create_wsgi
from bot.core.context import Context
from bot.journal.playbook import backfill_at_start
from storage.migrate import upgrade

logger = logging.getLogger(__name__)

# Handlers only touch the database before answering (Slack calls run in the background),
# so a few threads keep both cores busy; more only add lock and GIL contention
# (benchmarks/ack_latency.py: p99 about 82 ms with 8 threads, about 98 ms with 16).
HTTP_THREADS = 8
#: Open connections at most (each costs a file descriptor; Slack needs a handful).
CONNECTION_LIMIT = 500
#: Seconds a connection may stay silent before it is closed.
IDLE_TIMEOUT = 10
#: Seconds a request may take to arrive in full, however it trickles in (Slack sends its
#: small requests at once; a client sending a header line every few seconds is not Slack).
REQUEST_DEADLINE = 10


class _Channel(HTTPChannel):
    """A waitress connection that remembers when the request it is receiving began."""

    request_began: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_began = time.monotonic()
        result: bool = super().received(data)
        if self.request is None:
            self.request_began = None
        elif self.request_began is None:
            self.request_began = time.monotonic()
        return result


__all__ = ["HttpServer", "StartupError", "run"]


class HttpServer:
    """A waitress server running in a background thread, stoppable from another thread.

    Slack's requests are small and quick, so a client that holds a connection without
    finishing its request (silent, or trickling it in) is dropped after a few seconds,
    many such clients cannot use up the connections for long, and no body is read beyond
    what Slack could send. A reverse proxy in front (per-address limits) is still the
    place to stop a flood.

    Args:
        wsgi: The WSGI application.
        host: The address to listen on.
        port: The port (0 picks a free one; see :attr:`port`).
        threads: Worker threads for requests.
        connection_limit: Open connections at most.
        idle_timeout: Seconds a connection may stay silent.
        request_deadline: Seconds a request may take to arrive in full.
    """

    def __init__(
        self,
        wsgi: Any,
        *,
        host: str,
        port: int,
        threads: int = HTTP_THREADS,
        connection_limit: int = CONNECTION_LIMIT,
        idle_timeout: int = IDLE_TIMEOUT,
        request_deadline: float = REQUEST_DEADLINE,
    ) -> None:
        try:
            server: Any = create_server(
                wsgi,
                host=host,
                port=port,
                threads=threads,
                ident="mentor-bot",
                connection_limit=connection_limit,
                channel_timeout=idle_timeout,
                cleanup_interval=1,
                max_request_body_size=MAX_BODY + 1,  # waitress refuses at >=
                max_request_header_size=64 * 1024,
            )
        except OSError as error:
            raise StartupError(
                f"cannot listen on port {port} ({error.strerror}): set PORT to a free port"
            ) from error
        server.channel_class = _Channel
        self._deadline = request_deadline
        self._maintain: Any = server.maintenance
        server.maintenance = self._maintenance
        self._server: Any = server
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="http", daemon=True)

    def _maintenance(self, now: float) -> None:
        """waitress's own clean-up (silent connections), then: close connections whose
        request has been arriving for longer than the deadline."""
        self._maintain(now)
        cutoff = time.monotonic() - self._deadline
        for channel in list(self._server.active_channels.values()):
            began = getattr(channel, "request_began", None)
            if began is not None and began < cutoff and not channel.requests:
                channel.will_close = True

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.effective_port)

    def start(self) -> HttpServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):
            # Closing the listening socket from another thread ends the loop this way.
            if not self._stopping.is_set():
                raise

    def stop(self) -> None:
        """Stop accepting requests, finish the running ones, and wait for the thread."""
        if not self._stopping.is_set():
            self._stopping.set()
            # No new connections; then the running requests finish while the loop can still
            # send their answers (closed first, it could not); then everything closes.
            self._in_loop(lambda: wasyncore.dispatcher.close(self._server))
            self._server.task_dispatcher.shutdown()
            self._in_loop(self._server.close)
        self._thread.join(timeout=10)

    def _in_loop(self, action: Callable[[], None]) -> None:
        """Run ``action`` (closing sockets) in the loop's own thread, woken at once (from
        here, the loop would first wait out its poll timeout, a second); from here when the
        loop is not running or does not answer."""
        done = threading.Event()

        def run() -> None:
            action()
            done.set()

        try:
            if not self._thread.is_alive():
                raise OSError("not serving")
            self._server.trigger.pull_trigger(run)
        except OSError:
            pass
        if not done.wait(timeout=2 if self._thread.is_alive() else 0):
            action()


def run(ctx: Context, *, host: str = "0.0.0.0") -> None:  # noqa: S104  (a server listens)
    """Check the database and the bot token, migrate the database, start the scheduler,
    and serve until SIGINT/SIGTERM."""
    settings = ctx.settings
    check_database(ctx.db.engine)
    upgrade(ctx.db.engine)
    backfill_at_start(ctx)
    workspace = check_slack(ctx.slack.client, settings.api_url)
    app = create_app(ctx, workspace)
    scheduler = create_scheduler(ctx) if settings.scheduler else None
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %s: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    if scheduler is not None:
        scheduler.start()
    # In Socket Mode the HTTP server answers only /healthz and the calendar feeds: Slack's
    # requests arrive over the socket, and an unsigned /slack/events must not be accepted.
    wsgi = create_wsgi(ctx, None if settings.socket_mode else app)
    server = HttpServer(wsgi, host=host, port=settings.port).start()
    socket_handler = None
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            socket_handler = SocketModeHandler(
                app, settings.app_token.get_secret_value() if settings.app_token else ""
            )
            try:
                socket_handler.connect()
            except (SlackApiError, SlackClientError, OSError) as error:
                socket_handler = None
                code = error.response.get("error") if isinstance(error, SlackApiError) else error
                raise StartupError(
                    f"cannot connect to Slack in Socket Mode ({code}): check "
                    "SLACK_APP_TOKEN (an app-level token, xapp-, with connections:write)"
                ) from error
            logger.info(
                "connected to Slack in Socket Mode; /healthz and /calendar/ on :%s", settings.port
            )
        else:
            logger.info(
                "listening on :%s (POST /slack/events, GET /healthz, GET /calendar/)", settings.port
            )
        stop.wait()
    finally:
        if socket_handler is not None:
            socket_handler.close()
        server.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        ctx.close()
