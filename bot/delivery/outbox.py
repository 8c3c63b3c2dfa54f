"""The outbox: every message the bot owes is a ``notification`` row, sent exactly once.

Producers (matching, consent, schedules) call :func:`enqueue` inside their own unit of
work, so the message exists exactly when the change that caused it was committed.
:meth:`Outbox.dispatch` is the only sender: the in-process scheduler calls it every 30
seconds, ``mentor-bot dispatch --at TIME`` calls it once, and producers :func:`kick` it
after committing so people do not wait for the next tick.

What each kind of notification needs is a :class:`Kind`, and the app registers every
kind with the one :class:`Outbox` it builds at start-up (``bot.app.kinds``). Due rows are
leased a small batch at a time (:mod:`bot.delivery.leases`); a batch's context is loaded
once by its kinds' ``prepare`` and handed to each ``send``. Each row is still marked sent
in its own commit right after Slack accepted it; a crash loses nothing (the lease runs
out and the row is due again) and repeats at most the one message Slack had not answered
yet.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session, select

from bot.core.context import Context
from bot.delivery import leases
from bot.delivery.leases import SEND_ALLOWANCE, Leases
from bot.slack.pacing import NoLongerWanted, PacingDeadline
from storage import queries
from storage.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# Parallel senders in one dispatch pass (each leases leases.BATCH rows at a time).
WORKERS = 8

# Slack errors that no retry can fix: the message is marked failed.
PERMANENT_ERRORS = {
    "channel_not_found",
    "user_not_found",
    "is_archived",
    "not_in_channel",
    "cannot_dm_bot",
    "user_disabled",
    "account_inactive",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "invalid_arguments",
    "restricted_action",
    "message_not_found",
    "cant_update_message",
}


@dataclass(frozen=True)
class Sent:
    """A sender's answer: delivered. ``then`` records what Slack returned (in the commit
    that marks the row sent)."""

    then: Callable[[Session], None] | None = None


@dataclass(frozen=True)
class Skipped:
    """A sender's answer: no longer applies (e.g. the pair ended); nothing was sent."""

    status: str = NotificationStatus.CANCELLED.value


Outcome = Sent | Skipped
# What a kind's ``prepare`` loaded for a batch, handed to its ``send`` for each row.
B = TypeVar("B")
# A sender of a kind without a batch: the dispatch time (``--at`` or now) tells it
# whether a message is late.
RowSender = Callable[[Context, Notification, datetime], Outcome]


def no_batch(ctx: Context, rows: list[Notification], now: datetime) -> None:
    """The ``prepare`` of a kind whose sender loads what it needs itself."""


def still_pending(ctx: Context, row: Notification) -> bool:
    """Whether the row is still owed (the default ``still_wanted``)."""
    with ctx.db.transaction(write=False) as session:
        status = session.exec(select(Notification.status).where(Notification.id == row.id)).first()
    return status == NotificationStatus.PENDING.value


@dataclass(frozen=True)
class Kind(Generic[B]):
    """How the outbox delivers the notifications of one kind.

    Attributes:
        name: The ``kind`` of its rows.
        prepare: Loads in a few queries, for a batch's rows of every kind that shares this
            very function (the same object), what their senders need; what it returns is
            handed to ``send``. It decides nothing (each sender checks the state at send
            time), so it may load for rows that turn out not to be sent; when it fails,
            each row is prepared alone just before it is sent.
        send: Delivers one row.
        still_wanted: Asked again when a send had to wait on rate limits, before it goes
            out: whether it still applies (e.g. not paused meanwhile).
        afterwards: Runs after a row was handled (sent, failed, skipped or put off), once
            its outcome is committed; e.g. show the progress of an announcement.
        on_failure: Runs in the same commit when a row fails for good.
    """

    name: str
    prepare: Callable[[Context, list[Notification], datetime], B]
    send: Callable[[Context, Notification, datetime, B], Outcome]
    still_wanted: Callable[[Context, Notification], bool] = still_pending
    afterwards: Callable[[Context, Notification], None] | None = None
    on_failure: Callable[[Session, Notification], None] | None = None

    @staticmethod
    def per_row(
        name: str,
        send: RowSender,
        *,
        afterwards: Callable[[Context, Notification], None] | None = None,
        on_failure: Callable[[Session, Notification], None] | None = None,
    ) -> Kind[None]:
        """A kind whose sender loads what it needs itself (no batch)."""

        def send_row(ctx: Context, row: Notification, now: datetime, _batch: None) -> Outcome:
            return send(ctx, row, now)

        return Kind(name, no_batch, send_row, afterwards=afterwards, on_failure=on_failure)


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    due_at: datetime,
    pair_id: int | None = None,
    user_id: str | None = None,
    session_id: int | None = None,
    announcement_id: int | None = None,
    args: dict[str, Any] | None = None,
) -> bool:
    """Owe a message, once per ``key``; False when that key was owed before."""
    table = Notification.__table__  # type: ignore[attr-defined]
    insert = queries.insert_for(session)
    stmt = (
        insert(table)
        .values(
            key=key,
            kind=kind,
            due_at=due_at,
            pair_id=pair_id,
            user_id=user_id,
            session_id=session_id,
            announcement_id=announcement_id,
            args=args,
            status=NotificationStatus.PENDING.value,
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=[table.c.key])
        .returning(table.c.id)
    )
    return session.execute(stmt).first() is not None


def enqueue_many(session: Session, rows: list[dict[str, object]]) -> None:
    """Owe many messages in one statement; each dict has ``enqueue``'s keyword arguments
    (the same keys in every dict). A key owed before is left as it is."""
    if not rows:
        return
    table = Notification.__table__  # type: ignore[attr-defined]
    insert = queries.insert_for(session)
    values = [{"status": NotificationStatus.PENDING.value, "attempts": 0, **row} for row in rows]
    session.execute(insert(table).on_conflict_do_nothing(index_elements=[table.c.key]), values)


@dataclass
class DispatchSummary:
    """What one dispatch pass did, per outcome and per kind."""

    sent: int = 0
    skipped: int = 0
    missed: int = 0
    failed: int = 0
    retry_later: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @classmethod
    def merge(cls, parts: list[DispatchSummary]) -> DispatchSummary:
        """The sum of several workers' summaries."""
        total = cls()
        for part in parts:
            total.sent += part.sent
            total.skipped += part.skipped
            total.missed += part.missed
            total.failed += part.failed
            total.retry_later += part.retry_later
            for kind, count in part.by_kind.items():
                total.by_kind[kind] = total.by_kind.get(kind, 0) + count
        return total

    def to_json(self) -> str:
        """One line of JSON (what ``mentor-bot dispatch`` prints)."""
        return json.dumps(asdict(self), sort_keys=True)


class _GiveUp(Exception):
    """A send could not finish within its lease (rate limits): hand the rows back."""


class Outbox:
    """The one sender of every notification, with the kinds it knows; built at start-up.

    Args:
        kinds: How to deliver each kind of row (a row of another kind fails).
        after_pass: What to do once at the end of every dispatch pass (e.g. a last
            progress update).
    """

    def __init__(
        self, kinds: Iterable[Kind[Any]], *, after_pass: Iterable[Callable[[Context], None]] = ()
    ) -> None:
        self.kinds: dict[str, Kind[Any]] = {}
        for kind in kinds:
            if kind.name in self.kinds:
                raise ValueError(f"two kinds named {kind.name!r}")
            self.kinds[kind.name] = kind
        self.after_pass = tuple(after_pass)
        self._stopping = threading.Event()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """Start no further send (the process is shutting down): each dispatcher thread
        hands the rest of its batch back, due at once for the next start or another
        instance, after the send it is in, and claims no more."""
        self._stopping.set()

    def kick(self, ctx: Context) -> None:
        """Send what is due now, in the background; passes never pile up (one at a time,
        and a kick during a pass makes one more pass afterwards)."""
        ctx.background.coalesce("dispatch", self.dispatch, ctx)

    def dispatch(
        self, ctx: Context, now: datetime | None = None, *, workers: int = WORKERS
    ) -> DispatchSummary:
        """Send every notification due at ``now`` (default: the current time), each once.

        ``workers`` threads claim and send in parallel (each row is leased to one of
        them), so the time goes to Slack's rate limits rather than to waiting on one answer
        at a time. A worker whose send cannot finish within its lease (long rate-limit
        waits) hands its rows back and stops; they are due again at once for the next pass.

        Returns:
            What was sent, skipped, missed, failed, or left for a later pass.
        """
        when = now or ctx.clock()
        with Leases(ctx) as held:

            def work() -> DispatchSummary:
                summary = DispatchSummary()
                while not self.stopping:
                    rows, token = leases.claim_batch(ctx, when)
                    if not rows:
                        return summary
                    held.hold(token, rows[0].claimed_until or ctx.clock())
                    try:
                        _Batch(self, ctx, rows, token, when, summary, held).run()
                    except _GiveUp:
                        return summary
                    finally:
                        held.drop(token)
                return summary

            # As many threads as there are batches due (more may become due meanwhile:
            # each thread claims until it finds nothing).
            workers = max(workers, 1)
            due = leases.claimable(ctx, when, workers * leases.BATCH)
            threads = min(workers, -(-due // leases.BATCH))
            if threads == 0:
                summary = DispatchSummary()
            elif threads == 1:
                summary = work()
            else:
                with ThreadPoolExecutor(threads, "dispatch") as pool:
                    parts = [pool.submit(work) for _ in range(threads)]
                    summary = DispatchSummary.merge([part.result() for part in parts])
        for hook in () if self.stopping else self.after_pass:
            try:
                hook(ctx)
            except Exception:
                logger.exception("after the dispatch pass")
        return summary


@dataclass
class _Batch:
    """One leased batch of rows, sent in order by one dispatcher thread."""

    outbox: Outbox
    ctx: Context
    rows: list[Notification]
    token: str
    now: datetime
    summary: DispatchSummary
    held: Leases
    prepared: dict[object, object] = field(default_factory=dict)

    def run(self) -> None:
        """Send the rows in order; hand back what is left when the lease runs short or
        the outbox is stopping.

        Raises:
            _GiveUp: A send could not finish within its lease, or the outbox is stopping;
                the rest was handed back.
        """
        self._prepare()
        rows, token = self.rows, self.token
        marked = rows[0].id  # in flight since the claim; each outcome's commit marks the next
        for index, row in enumerate(rows):
            if self.outbox.stopping or self.held.left(token) < SEND_ALLOWANCE:
                leases.release(self.ctx, rows[index:], token)
                self.summary.retry_later += len(rows) - index
                if self.outbox.stopping:
                    raise _GiveUp()
                return
            following = rows[index + 1].id if index + 1 < len(rows) else None
            if row.id != marked:  # the row before ended without a committed outcome
                with self.ctx.db.transaction() as session:
                    leases.mark_in_flight(session, row.id, token)
            try:
                self._deliver(row, following)
                marked = following
            except _GiveUp:
                leases.release(self.ctx, rows[index:], token, interrupted=True)
                self.summary.retry_later += len(rows) - index
                raise
            except Exception:
                logger.exception("notification %s (%s) could not be delivered", row.id, row.kind)
                self.summary.retry_later += 1
                continue
            self._afterwards(row)

    def _prepare(self) -> None:
        """Run each ``prepare`` once for the batch's rows of the kinds that share it."""
        by_preparer: dict[Callable[..., object], list[Notification]] = {}
        for row in self.rows:
            kind = self.outbox.kinds.get(row.kind)
            if kind is not None:
                by_preparer.setdefault(kind.prepare, []).append(row)
        for prepare, its_rows in by_preparer.items():
            try:
                self.prepared[prepare] = prepare(self.ctx, its_rows, self.now)
            except Exception:  # each row is prepared alone when it is sent
                logger.exception("preparing %d notification(s) failed", len(its_rows))

    def _batch_for(self, kind: Kind[B], row: Notification) -> B:
        if kind.prepare in self.prepared:
            batch: B = self.prepared[kind.prepare]  # type: ignore[assignment]
            return batch
        return kind.prepare(self.ctx, [row], self.now)

    def _deliver(self, row: Notification, following: int | None) -> None:
        kind = self.outbox.kinds.get(row.kind)
        if kind is None:
            self._fail(row, f"no sender for {row.kind}", following)
            return
        if row.attempts > MAX_ATTEMPTS:  # claimed again and again, never finished (crashes)
            self._fail(row, "too many attempts", following)
            return
        result, doubt = self._try(kind, row)
        if isinstance(result, Exception):
            self._handle(result, row, following, doubt=doubt)
        else:
            self._record(row, result, following)

    def _try(self, kind: Kind[Any], row: Notification) -> tuple[Outcome | Exception, bool]:
        """Send the row within what is left of its lease: its outcome, or what went wrong,
        and whether a message of this try may have reached Slack.

        Each message carries a reference to its row; a row a dead dispatcher may have
        delivered is looked for in Slack before it is posted again. A try that failed
        after one of its messages may have reached Slack leaves the row in doubt, so the
        next try looks before it posts.
        """
        ctx = self.ctx
        pacer = ctx.slack.pacer
        budget = (self.held.left(self.token) - SEND_ALLOWANCE).total_seconds()
        doubt = False
        try:
            with (
                pacer.deadline(pacer.now() + budget),
                pacer.recheck(lambda: kind.still_wanted(ctx, row)),
                ctx.slack.tagged(leases.reference(row), verify=row.in_flight) as tag,
            ):
                try:
                    return kind.send(ctx, row, self.now, self._batch_for(kind, row)), False
                finally:
                    doubt = tag.may_have_posted
        except PacingDeadline:
            raise _GiveUp() from None
        except NoLongerWanted:  # paused, left, moved or cancelled while it waited its turn
            return Skipped(), False
        except Exception as error:
            return error, doubt

    def _handle(
        self, error: Exception, row: Notification, following: int | None, *, doubt: bool
    ) -> None:
        """A failed try: Slack's answer, Slack unreachable, or our own error."""
        if isinstance(error, SlackApiError):
            code = str(error.response.get("error", "unknown"))
            self._failed_try(row, code, following, permanent=code in PERMANENT_ERRORS, doubt=doubt)
        elif isinstance(error, (SlackClientError, OSError)):
            logger.warning("notification %s (%s): Slack unreachable: %s", row.id, row.kind, error)
            self._failed_try(row, f"unreachable: {type(error).__name__}", following, doubt=doubt)
        else:  # e.g. a stored text that no longer decrypts
            reason = f"{type(error).__name__}: {error}"
            logger.error("notification %s (%s) could not be sent: %s", row.id, row.kind, reason)
            self._failed_try(row, reason, following, doubt=doubt)

    def _failed_try(
        self,
        row: Notification,
        reason: str,
        following: int | None,
        *,
        permanent: bool = False,
        doubt: bool = False,
    ) -> None:
        """Fail the row for good, or try again later (with ``doubt``: a message of this
        try may have reached Slack)."""
        if permanent or row.attempts >= MAX_ATTEMPTS:
            self._fail(row, reason, following)
            return
        values = {"due_at": self.ctx.clock() + leases.backoff(row), "in_flight": doubt}
        leases.finish(self.ctx, row, self.token, values, following=following)
        self.summary.retry_later += 1

    def _record(self, row: Notification, outcome: Outcome, following: int | None) -> None:
        ctx, summary = self.ctx, self.summary
        if isinstance(outcome, Sent):
            values: dict[str, object] = {
                "status": NotificationStatus.SENT.value,
                "sent_at": ctx.clock(),
            }
            leases.finish(ctx, row, self.token, values, outcome.then, following)
            summary.sent += 1
            summary.by_kind[row.kind] = summary.by_kind.get(row.kind, 0) + 1
            return
        leases.finish(ctx, row, self.token, {"status": outcome.status}, following=following)
        if outcome.status == NotificationStatus.MISSED.value:
            summary.missed += 1
        else:
            summary.skipped += 1

    def _fail(self, row: Notification, error: str, following: int | None) -> None:
        logger.warning("notification %s (%s) failed: %s", row.id, row.kind, error)
        kind = self.outbox.kinds.get(row.kind)
        on_failure = kind.on_failure if kind is not None else None
        leases.finish(
            self.ctx,
            row,
            self.token,
            {"status": NotificationStatus.FAILED.value, "error": error[:200]},
            (lambda session: on_failure(session, row)) if on_failure else None,
            following,
        )
        self.summary.failed += 1

    def _afterwards(self, row: Notification) -> None:
        kind = self.outbox.kinds.get(row.kind)
        if kind is None or kind.afterwards is None:
            return
        try:
            kind.afterwards(self.ctx, row)
        except Exception:
            logger.exception("after notification %s (%s)", row.id, row.kind)


def of(ctx: Context) -> Outbox:
    """The outbox the app registered its kinds with (``ctx.outbox``)."""
    outbox = ctx.outbox
    assert isinstance(outbox, Outbox), "the context was built without the app's outbox"
    return outbox


def dispatch(
    ctx: Context, now: datetime | None = None, *, workers: int = WORKERS
) -> DispatchSummary:
    """:meth:`Outbox.dispatch` of the app's outbox."""
    return of(ctx).dispatch(ctx, now, workers=workers)


def kick(ctx: Context) -> None:
    """:meth:`Outbox.kick` of the app's outbox: send what is due now, in the background."""
    of(ctx).kick(ctx)
