"""Work that runs after Slack has been answered."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)

# Threads for handlers and follow-up work (Bolt's own default is 5, too few for bursts).
THREADS = 16


class Background:
    """A thread pool whose tasks log their failures instead of losing them."""

    def __init__(self, threads: int = THREADS) -> None:
        self.executor = ThreadPoolExecutor(threads, "background")

    def later(self, function: Callable[..., object], *args: object) -> None:
        """Run ``function(*args)`` in the background; a failure is logged with its traceback."""

        def run() -> None:
            try:
                function(*args)
            except Exception:
                logger.exception("background task %s failed", getattr(function, "__name__", "?"))

        self.executor.submit(run)

    def drain(self) -> None:
        """Wait for every queued task to finish, then stop."""
        self.executor.shutdown(wait=True)
