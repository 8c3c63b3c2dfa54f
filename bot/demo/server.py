"""``mentor-bot demo``: the demo workspace in the browser, a tour, a transcript."""

from __future__ import annotations

import logging
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from bot.app.server import HttpServer
from bot.demo.page import LOOPBACK, DemoPage
from bot.demo.tour import Tour
from bot.demo.transcript import transcript_html
from bot.demo.workspace import DEFAULT_FOLDER, Demo, DemoError

logger = logging.getLogger(__name__)

#: Seconds between two steps while the tour plays by itself (``--tour``).
TOUR_PACE = 6.0
#: Threads for the page: each open page keeps one waiting for changes.
PAGE_THREADS = 16


class AutoTour:
    """Plays the tour's steps one after another until it ends, or until someone does
    something on the page (they take over; the page's "next step" button goes on)."""

    def __init__(self, page: DemoPage, pace: float = TOUR_PACE) -> None:
        self.page = page
        self.pace = pace
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._play, name="demo-tour", daemon=True)

    def start(self) -> AutoTour:
        self.thread.start()
        return self

    def _play(self) -> None:
        tour = self.page.tour
        while not self.stopped.wait(self.pace) and not self.page.taken_over.is_set():
            if tour.done >= len(tour.steps):
                return
            try:
                step = tour.next()
            except DemoError as error:
                logger.warning("the tour stopped: %s", error)
                return
            logger.info("tour step %s of %s: %s", step["done"], step["total"], step["title"])

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)


def write_transcript(folder: Path, target: Path, *, tour: bool, reset: bool) -> int:
    """Write the transcript and stop: of the demo in ``folder`` as it is, or (``tour``) of
    the whole tour played in a new demo of its own (``folder`` is left as it is)."""
    if not target.parent.is_dir():
        raise DemoError(f"cannot write the transcript: there is no folder {target.parent}")
    with tempfile.TemporaryDirectory(prefix="mentor-demo-") as scratch:
        demo = Demo(Path(scratch) if tour else folder, reset=reset and not tour)
        try:
            if tour:
                Tour(demo).play()
            page = transcript_html(demo)
        finally:
            demo.close()
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as error:
        raise DemoError(f"cannot write the transcript to {target}: {error.strerror}") from None
    print(f"Transcript written to {target}")
    return 0


def serve(
    *,
    host: str,
    port: int,
    folder: Path = DEFAULT_FOLDER,
    tour: bool = False,
    reset: bool = False,
    note: str = "",
) -> int:
    """Serve the demo page until SIGINT/SIGTERM."""
    demo = Demo(folder, reset=reset)
    local = host in LOOPBACK
    # On this machine only, the page answers only to its own names (a page elsewhere that
    # resolves its name to 127.0.0.1 cannot read or drive it).
    page = DemoPage(demo, hosts=LOOPBACK | {host} if local else None)
    try:
        server = HttpServer(page, host=host, port=port, threads=PAGE_THREADS).start()
    except Exception:
        demo.close()
        raise
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - shown, not bound
    print(f"Demo workspace: http://{shown}:{server.port}/{note}", flush=True)
    if not local:
        print(
            f"Warning: the demo listens on {host or 'every address'}: anyone who can reach "
            "this machine can use it and act as anyone in it.",
            file=sys.stderr,
            flush=True,
        )
    player = AutoTour(page).start() if tour else None
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %s: stopping the demo", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    try:
        stop.wait()
    finally:
        if player is not None:
            player.stop()
        page.close()
        server.stop()
        demo.close()
    return 0
