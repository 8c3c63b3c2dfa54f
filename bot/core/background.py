"""Work that runs after Slack has been answered."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.errors import SlackApiError, SlackClientError

from storage.db import unreachable

logger = logging.getLogger(__name__)


#: Slack errors that mean the bot asked wrongly: a bug, logged with its traceback.
OUR_MISTAKES = {
    "invalid_arguments",
    "invalid_blocks",
    "invalid_blocks_format",
    "invalid_metadata_format",
    "msg_too_long",
    "no_text",
    "invalid_json",
}


def _code(error: SlackApiError) -> object:
    return error.response.get("error") if error.response is not None else None


def outage(error: BaseException) -> str | None:
    """Why some work could not be done, in a few words, when that is no bug: Slack
    refused (for another reason than how the bot asked, :data:`OUR_MISTAKES`), or Slack
    or the database could not be reached. None for a bug."""
    if isinstance(error, SlackApiError):
        code = _code(error)
        if code in OUR_MISTAKES:
            return None
        url = getattr(error.response, "api_url", "") if error.response is not None else ""
        method = str(url).rsplit("/", 1)[-1] or "?"
        return f"Slack answered {code} to {method}"
    reason = unreachable(error)
    if reason is not None:
        return f"database unreachable ({reason})"
    if isinstance(error, SlackClientError | OSError):
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return f"Slack unreachable ({first[:200]})"
    return None


def log_failure(log: logging.Logger, what: str, *args: object) -> None:
    """Log the exception being handled, as the failure of ``what`` (a %-format filled
    with ``args``): one warning line when it was an :func:`outage` (an answer, not a
    bug: ``"<what>: database unreachable (…)"``), with the traceback otherwise
    (``"<what> failed"``).

    The one place that decides this for background tasks, handlers and scheduler jobs.
    """
    error = sys.exc_info()[1]
    reason = outage(error) if error is not None else None
    if reason is None:
        log.exception(what + " failed", *args)
    else:
        log.warning(what + ": %s", *args, reason)


# Threads for handlers and follow-up work (Bolt's own default is 5, too few for bursts).
THREADS = 16


class Background:
    """A thread pool whose tasks log their failures instead of losing them."""

    def __init__(self, threads: int = THREADS) -> None:
        self.executor = ThreadPoolExecutor(threads, "background")
        self._pending = 0
        self._idle = threading.Condition()
        self._running: set[str] = set()
        self._again: set[str] = set()

    def later(self, function: Callable[..., object], *args: object) -> None:
        """Run ``function(*args)`` in the background; a failure is logged (with its
        traceback unless Slack refused or was unreachable)."""

        def run() -> None:
            try:
                function(*args)
            except Exception:
                log_failure(logger, "background task %s", getattr(function, "__name__", "?"))
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        with self._idle:
            self._pending += 1
        self.executor.submit(run)

    def coalesce(self, key: str, function: Callable[..., object], *args: object) -> None:
        """Like :meth:`later`, but at most one run per ``key`` at a time: a call during a
        run asks for exactly one more run after it."""
        with self._idle:
            if key in self._running:
                self._again.add(key)
                return
            self._running.add(key)

        def run_until_settled() -> None:
            settled = False
            while not settled:
                try:
                    function(*args)
                except Exception:
                    log_failure(logger, "background task %s", key)
                with self._idle:
                    settled = key not in self._again
                    self._again.discard(key)
                    if settled:
                        self._running.discard(key)

        self.later(run_until_settled)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no task is queued or running (tasks a task queues included)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def drain(self) -> None:
        """Wait for every queued task to finish, then stop."""
        self.executor.shutdown(wait=True)
