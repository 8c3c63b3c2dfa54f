"""The in-process scheduler, built when the bot starts (never at import)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.core.background import log_failure
from bot.core.context import Context
from bot.cycle import prompts as cycle
from bot.delivery import outbox
from bot.sessions import planning as sessions
from storage import queries

logger = logging.getLogger(__name__)

EVENT_ID_RETENTION = timedelta(days=1)
DISPATCH_EVERY_SECONDS = 30


def housekeeping(ctx: Context) -> None:
    """Forget redelivery guards older than a day (Slack retries within minutes)."""
    with ctx.db.transaction() as session:
        queries.purge_events(session, ctx.clock() - EVENT_ID_RETENTION)


def plan_sessions(ctx: Context) -> None:
    """Keep every active pair's next sessions (and their messages) planned."""
    cycle.tick(ctx)  # a term that ended plans nothing more; pulses, lapsed pairs
    added = sessions.plan(ctx)
    if added:
        logger.info("planned %s sessions", added)


def dispatch_due(ctx: Context) -> None:
    """The dispatcher job: send whatever is due now."""
    summary = outbox.dispatch(ctx)
    if summary.sent or summary.failed:
        logger.info("dispatch: %s", summary.to_json())


def _guarded(job: Callable[[Context], None]) -> Callable[[Context], None]:
    """A job whose failure is logged (:func:`bot.core.background.log_failure`): one line,
    not a traceback, while the database or Slack cannot be reached; its work waits for
    the next run."""

    @functools.wraps(job)
    def run(ctx: Context) -> None:
        try:
            job(ctx)
        except Exception:
            log_failure(logger, "job %s", job.__name__)

    return run


def create_scheduler(ctx: Context) -> BackgroundScheduler:
    """A scheduler with the bot's jobs, not yet started.

    Jobs have stable IDs, one instance at a time, and missed runs coalesce into one.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _guarded(plan_sessions),
        "interval",
        hours=1,
        args=[ctx],
        id="plan",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        _guarded(dispatch_due),
        "interval",
        seconds=DISPATCH_EVERY_SECONDS,
        args=[ctx],
        id="dispatch",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded(housekeeping),
        "interval",
        hours=1,
        args=[ctx],
        id="housekeeping",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    return scheduler
