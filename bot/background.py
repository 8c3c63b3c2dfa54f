"""Work that runs after Slack has been answered."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)

# Threads for handlers and follow-up work (Bolt's own default is 5, too few for bursts).
THREADS = 16


class Background:
    """A thread pool whose tasks log their failures instead of losing them."""

    def __init__(self, threads: int = THREADS) -> None:
        self.executor = ThreadPoolExecutor(threads, "background")
        self._pending = 0
        self._idle = threading.Condition()

    def later(self, function: Callable[..., object], *args: object) -> None:
        """Run ``function(*args)`` in the background; a failure is logged with its traceback."""

        def run() -> None:
            try:
                function(*args)
            except Exception:
                logger.exception("background task %s failed", getattr(function, "__name__", "?"))
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        with self._idle:
            self._pending += 1
        self.executor.submit(run)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no task is queued or running (tasks a task queues included)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def drain(self) -> None:
        """Wait for every queued task to finish, then stop."""
        self.executor.shutdown(wait=True)
