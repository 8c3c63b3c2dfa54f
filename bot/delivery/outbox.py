"""The outbox: every message the bot owes is a ``notification`` row, sent exactly once.

Producers (matching, consent, schedules) call :func:`enqueue` inside their own unit of
work, so the message exists exactly when the change that caused it was committed.
:func:`dispatch` is the only sender: the in-process scheduler calls it every 30 seconds,
``mentor-bot dispatch --at TIME`` calls it once, and producers kick it after committing so
people do not wait for the next tick.

Claiming: due rows are leased (``claimed_until``) a small batch at a time in one short
transaction, on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so two dispatchers (two
instances, or the scheduler and the CLI) never take the same row. A batch's context is
loaded once (see :func:`preparer`). Each row is still marked sent in its own commit right
after Slack accepted it; a crash loses nothing (the lease runs out and the row is due
again) and repeats at most the one message Slack had not answered yet.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.context import Context
from bot.slack.pacing import NoLongerWanted, PacingDeadline
from storage import queries
from storage.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

# A lease is short and renewed while its dispatcher works (every RENEW_EVERY), so the
# rows of a dispatcher that died are due again within a minute, and never sent twice: a
# send starts only while at least SEND_ALLOWANCE of its lease is left, and waits on rate
# limits only as long as that allows (it gives up and hands the row back otherwise).
LEASE = timedelta(seconds=60)
RENEW_EVERY = 15.0
SEND_ALLOWANCE = timedelta(seconds=20)
MAX_ATTEMPTS = 12
# Parallel senders in one dispatch pass, and how many rows each leases at a time.
WORKERS = 8
BATCH = 20

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
# A sender gets the dispatch time (``--at`` or now) to decide whether a message is late.
Sender = Callable[[Context, Notification, datetime], Outcome]
# A preparer gets a batch's rows of its kinds before they are sent, to load in a few
# queries what each sender would otherwise load one row at a time. It returns what to
# call once the batch is done (to drop what it loaded).
Preparer = Callable[[Context, list[Notification], datetime], Callable[[], None]]

SENDERS: dict[str, Sender] = {}
PREPARERS: dict[str, Preparer] = {}
# What to do after a notification of a kind was handled (sent, failed, skipped or put
# off), once its outcome is committed; e.g. show the progress of an announcement.
AFTERWARDS: dict[str, Callable[[Context, Notification], None]] = {}
# What to do once at the end of every dispatch pass (e.g. a last progress update).
AFTER_PASS: list[Callable[[Context], None]] = []
# Whether a notification of a kind still applies, asked again when its send had to wait
# (rate limits) before it goes out; by default, whether the row is still pending.
STILL_WANTED: dict[str, Callable[[Context, Notification], bool]] = {}
# What to do in the same commit when a notification of a kind fails for good.
FAILURE_HANDLERS: dict[str, Callable[[Session, Notification], None]] = {}

# The modules whose @sender functions deliver notifications; imported before dispatching.
SENDER_MODULES = (
    "bot.matching.consent",
    "bot.sessions.messages",
    "bot.announcements.announce",
    "bot.delivery.notices",
    "bot.enrollment.welcome",
)


def sender(kind: str) -> Callable[[Sender], Sender]:
    """Register the function that delivers notifications of ``kind``."""

    def register(function: Sender) -> Sender:
        SENDERS[kind] = function
        return function

    return register


def still_wanted(
    *kinds: str,
) -> Callable[[Callable[[Context, Notification], bool]], Callable[[Context, Notification], bool]]:
    """Register how to tell, after a send of ``kinds`` waited on rate limits, whether it
    still applies (e.g. not paused meanwhile); read from the current state."""

    def register(
        function: Callable[[Context, Notification], bool],
    ) -> Callable[[Context, Notification], bool]:
        for kind in kinds:
            STILL_WANTED[kind] = function
        return function

    return register


def _still_pending(ctx: Context, row: Notification) -> bool:
    with ctx.db.transaction(write=False) as session:
        status = session.exec(select(Notification.status).where(Notification.id == row.id)).first()
    return status == NotificationStatus.PENDING.value


def preparer(*kinds: str) -> Callable[[Preparer], Preparer]:
    """Register a function that prepares each batch's rows of ``kinds`` before sending.

    It runs in the thread that then sends the batch; what it loads must still be checked
    by the sender as usual (a preparer only saves queries, it decides nothing).
    """

    def register(function: Preparer) -> Preparer:
        for kind in kinds:
            PREPARERS[kind] = function
        return function

    return register


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


def _claim_batch(ctx: Context, now: datetime, limit: int = BATCH) -> tuple[list[Notification], str]:
    """Lease up to ``limit`` due rows to this dispatcher (none when nothing is due).

    The token makes every later write conditional: a dispatcher whose lease was taken
    over cannot mark the rows.
    """
    clock = ctx.clock()
    token = uuid.uuid4().hex
    with ctx.db.transaction() as session:
        rows = list(
            session.exec(
                select(Notification)
                .where(Notification.status == NotificationStatus.PENDING.value)
                .where(col(Notification.due_at) <= now)
                .where(
                    (col(Notification.claimed_until).is_(None))
                    | (col(Notification.claimed_until) < clock)
                )
                .order_by(col(Notification.due_at), col(Notification.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not rows:
            return [], token
        in_doubt = {row.id for row in rows if row.in_flight}
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_([row.id for row in rows]))
            .values(
                claimed_until=clock + LEASE,
                claim_token=token,
                attempts=Notification.attempts + 1,
            )
            # the copies are updated below, once (not also by the ORM: no double count)
            .execution_options(synchronize_session=False)
        )
        _mark_in_flight(session, rows[0].id, token)
        session.expunge_all()  # the copies below are the dispatcher's; nothing to flush
        for row in rows:
            row.claimed_until, row.claim_token = clock + LEASE, token
            row.attempts += 1
            # In the copies, ``in_flight`` is as it was before this claim: True means a
            # dispatcher that died may have delivered the row (see _deliver).
            row.in_flight = row.id in in_doubt
        return rows, token


def _claim(ctx: Context, now: datetime) -> tuple[Notification, str] | None:
    """Lease the next due row alone; None when nothing is due."""
    rows, token = _claim_batch(ctx, now, 1)
    return (rows[0], token) if rows else None


def _mark_in_flight(session: Session, row_id: int | None, token: str) -> None:
    """Note that the row's send may reach Slack from now on (until its outcome)."""
    if row_id is not None:
        session.execute(
            update(Notification)
            .where(col(Notification.id) == row_id)
            .where(col(Notification.claim_token) == token)
            .values(in_flight=True)
            .execution_options(synchronize_session=False)
        )


def _release(
    ctx: Context, rows: list[Notification], token: str, *, interrupted: bool = False
) -> None:
    """Hand leased rows back unsent, so any dispatcher may take them at once.

    A row that was in doubt when claimed stays in doubt (it was not checked), and so does
    the first row when its send was ``interrupted`` (a sender that posts two messages may
    have posted the first)."""
    with ctx.db.transaction() as session:
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_([row.id for row in rows]))
            .where(col(Notification.claim_token) == token)
            .values(claimed_until=None, claim_token=None, attempts=Notification.attempts - 1)
        )
        checked = [row.id for row in rows[1 if interrupted else 0 :] if not row.in_flight]
        if checked:
            session.execute(
                update(Notification)
                .where(col(Notification.id).in_(checked))
                .values(in_flight=False)
            )


def _finish(
    ctx: Context,
    row: Notification,
    token: str,
    values: dict[str, object],
    then: Callable[[Session], None] | None = None,
    following: int | None = None,
) -> bool:
    """Write the outcome if this dispatcher still holds the lease; False otherwise.

    In the same commit the ``following`` row of the batch is marked in flight: its send
    comes next.
    """
    with ctx.db.transaction() as session:
        done = session.execute(
            update(Notification)
            .where(col(Notification.id) == row.id)
            .where(col(Notification.claim_token) == token)
            .values({"claimed_until": None, "claim_token": None, "in_flight": False, **values})
            .returning(col(Notification.id))
        ).first()
        if done is not None and then is not None:
            then(session)
        _mark_in_flight(session, following, token)
        return done is not None


def _backoff(row: Notification) -> timedelta:
    """Wait before a transient failure is tried again: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(0, row.attempts - 1)), timedelta(hours=1))


class _GiveUp(Exception):
    """A send could not finish within its lease (rate limits): hand the rows back."""


def _deliver(
    ctx: Context,
    row: Notification,
    token: str,
    now: datetime,
    summary: DispatchSummary,
    leases: _Leases,
    following: int | None = None,
) -> None:
    send = SENDERS.get(row.kind)
    if send is None:
        _fail(ctx, row, token, f"no sender for {row.kind}", summary, following)
        return
    if row.attempts > MAX_ATTEMPTS:  # claimed again and again, never finished (crashes)
        _fail(ctx, row, token, "too many attempts", summary, following)
        return
    pacer = ctx.slack.pacer
    budget = (leases.left(token) - SEND_ALLOWANCE).total_seconds()
    wanted = STILL_WANTED.get(row.kind, _still_pending)
    # Each message carries a reference to its row; a row a dead dispatcher may have
    # delivered is looked for in Slack before it is posted again.
    # A try that failed after one of its messages may have reached Slack leaves the row
    # in doubt, so the next try looks before it posts.
    ref = reference(row)
    doubt = False
    try:
        with (
            pacer.deadline(time.monotonic() + budget),
            pacer.recheck(lambda: wanted(ctx, row)),
            ctx.slack.tagged(ref, verify=row.in_flight) as tag,
        ):
            try:
                outcome = send(ctx, row, now)
            finally:
                doubt = tag.may_have_posted
    except PacingDeadline:
        raise _GiveUp() from None
    except NoLongerWanted:  # paused, left, moved or cancelled while it waited its turn
        outcome = Skipped()
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown"))
        if code in PERMANENT_ERRORS or row.attempts >= MAX_ATTEMPTS:
            _fail(ctx, row, token, code, summary, following)
        else:
            _retry_later(ctx, row, token, summary, following, doubt=doubt)
        return
    except (SlackClientError, OSError) as error:
        logger.warning("notification %s (%s): Slack unreachable: %s", row.id, row.kind, error)
        if row.attempts >= MAX_ATTEMPTS:
            _fail(ctx, row, token, f"unreachable: {type(error).__name__}", summary, following)
        else:
            _retry_later(ctx, row, token, summary, following, doubt=doubt)
        return
    except Exception as error:  # e.g. a stored text that no longer decrypts
        logger.error(
            "notification %s (%s) could not be sent: %s: %s",
            row.id,
            row.kind,
            type(error).__name__,
            error,
        )
        if row.attempts >= MAX_ATTEMPTS:
            _fail(ctx, row, token, f"{type(error).__name__}: {error}", summary, following)
        else:
            _retry_later(ctx, row, token, summary, following, doubt=doubt)
        return
    if isinstance(outcome, Sent):
        values: dict[str, object] = {
            "status": NotificationStatus.SENT.value,
            "sent_at": ctx.clock(),
        }
        _finish(ctx, row, token, values, outcome.then, following)
        summary.sent += 1
        summary.by_kind[row.kind] = summary.by_kind.get(row.kind, 0) + 1
    else:
        _finish(ctx, row, token, {"status": outcome.status}, following=following)
        if outcome.status == NotificationStatus.MISSED.value:
            summary.missed += 1
        else:
            summary.skipped += 1


def reference(row: Notification) -> str:
    """What every message sent for ``row`` carries as metadata (a digest of its key)."""
    return hashlib.sha256(row.key.encode()).hexdigest()[:16]


def _retry_later(
    ctx: Context,
    row: Notification,
    token: str,
    summary: DispatchSummary,
    following: int | None = None,
    *,
    doubt: bool = False,
) -> None:
    """A rate limit past slack_sdk's retries, a 5xx, a dropped connection: try again later.

    With ``doubt``, a message of this try may have reached Slack (see :func:`_deliver`).
    """
    values = {"due_at": ctx.clock() + _backoff(row), "in_flight": doubt}
    _finish(ctx, row, token, values, following=following)
    summary.retry_later += 1


def _fail(
    ctx: Context,
    row: Notification,
    token: str,
    error: str,
    summary: DispatchSummary,
    following: int | None = None,
) -> None:
    logger.warning("notification %s (%s) failed: %s", row.id, row.kind, error)
    on_failure = FAILURE_HANDLERS.get(row.kind)
    _finish(
        ctx,
        row,
        token,
        {"status": NotificationStatus.FAILED.value, "error": error[:200]},
        (lambda session: on_failure(session, row)) if on_failure else None,
        following,
    )
    summary.failed += 1


class _Leases:
    """The leases of one dispatch pass, renewed in the background while it works.

    It knows until when each of its tokens is surely held (the last renewal the database
    confirmed), so a send starts only with enough of its lease left; when renewals fail
    (the database is unreachable) the lease runs out and the send does not start.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._held: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, token: str, until: datetime) -> None:
        with self._lock:
            self._held[token] = until

    def drop(self, token: str) -> None:
        with self._lock:
            self._held.pop(token, None)

    def left(self, token: str) -> timedelta:
        """How much of the lease is surely left."""
        with self._lock:
            until = self._held.get(token)
        return until - self._ctx.clock() if until is not None else timedelta(0)

    def renew(self) -> None:
        """Extend every held lease that is still ours and not run out."""
        with self._lock:
            tokens = list(self._held)
        if not tokens:
            return
        clock = self._ctx.clock()
        try:
            with self._ctx.db.transaction() as session:
                renewed = {
                    token
                    for (token,) in session.execute(
                        update(Notification)
                        .where(col(Notification.claim_token).in_(tokens))
                        .where(col(Notification.status) == NotificationStatus.PENDING.value)
                        .where(col(Notification.claimed_until) > clock)
                        .values(claimed_until=clock + LEASE)
                        .returning(col(Notification.claim_token))
                    )
                }
        except Exception as error:
            logger.warning("renewing leases failed: %s: %s", type(error).__name__, error)
            return
        with self._lock:
            for token in renewed:
                if token in self._held:
                    self._held[token] = clock + LEASE

    def _run(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            self.renew()

    def __enter__(self) -> _Leases:
        self._thread = threading.Thread(target=self._run, name="dispatch-leases", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def dispatch(
    ctx: Context, now: datetime | None = None, *, workers: int = WORKERS
) -> DispatchSummary:
    """Send every notification due at ``now`` (default: the current time), each once.

    ``workers`` threads claim and send in parallel (each row is leased to one of them),
    so the time goes to Slack's rate limits rather than to waiting on one answer at a time.
    A worker whose send cannot finish within its lease (long rate-limit waits) hands its
    rows back and stops; they are due again at once for the next pass.

    Returns:
        What was sent, skipped, missed, failed, or left for a later pass.
    """
    for module in SENDER_MODULES:
        importlib.import_module(module)
    when = now or ctx.clock()

    with _Leases(ctx) as leases:

        def work() -> DispatchSummary:
            summary = DispatchSummary()
            while True:
                rows, token = _claim_batch(ctx, when)
                if not rows:
                    return summary
                leases.hold(token, rows[0].claimed_until or ctx.clock())
                try:
                    _send_batch(ctx, rows, token, when, summary, leases)
                except _GiveUp:
                    return summary
                finally:
                    leases.drop(token)

        if workers <= 1:
            summary = work()
        else:
            with ThreadPoolExecutor(workers, "dispatch") as pool:
                parts = [pool.submit(work) for _ in range(workers)]
                summary = DispatchSummary.merge([part.result() for part in parts])
    for hook in AFTER_PASS:
        try:
            hook(ctx)
        except Exception:
            logger.exception("after the dispatch pass")
    return summary


def _prepare(ctx: Context, rows: list[Notification], now: datetime) -> list[Callable[[], None]]:
    by_preparer: dict[Preparer, list[Notification]] = {}
    for row in rows:
        prepare = PREPARERS.get(row.kind)
        if prepare is not None:
            by_preparer.setdefault(prepare, []).append(row)
    done = []
    for prepare, its_rows in by_preparer.items():
        try:
            done.append(prepare(ctx, its_rows, now))
        except Exception:  # the senders load what they need themselves
            logger.exception("preparing %d notification(s) failed", len(its_rows))
    return done


def _send_batch(
    ctx: Context,
    rows: list[Notification],
    token: str,
    now: datetime,
    summary: DispatchSummary,
    leases: _Leases,
) -> None:
    """Send a leased batch in order; hand back what is left when the lease runs short.

    Raises:
        _GiveUp: A send could not finish within its lease; the rest was handed back.
    """
    cleanups = _prepare(ctx, rows, now)
    marked = rows[0].id  # in flight since the claim; each outcome's commit marks the next
    try:
        for index, row in enumerate(rows):
            if leases.left(token) < SEND_ALLOWANCE:
                _release(ctx, rows[index:], token)
                summary.retry_later += len(rows) - index
                return
            following = rows[index + 1].id if index + 1 < len(rows) else None
            if row.id != marked:  # the row before ended without a committed outcome
                with ctx.db.transaction() as session:
                    _mark_in_flight(session, row.id, token)
            try:
                _deliver(ctx, row, token, now, summary, leases, following)
                marked = following
            except _GiveUp:
                _release(ctx, rows[index:], token, interrupted=True)
                summary.retry_later += len(rows) - index
                raise
            except Exception:
                logger.exception("notification %s (%s) could not be delivered", row.id, row.kind)
                summary.retry_later += 1
                continue
            afterwards = AFTERWARDS.get(row.kind)
            if afterwards is not None:
                try:
                    afterwards(ctx, row)
                except Exception:
                    logger.exception("after notification %s (%s)", row.id, row.kind)
    finally:
        for cleanup in cleanups:
            cleanup()


def kick(ctx: Context) -> None:
    """Send what is due now, in the background; passes never pile up (one at a time,
    and a kick during a pass makes one more pass afterwards)."""
    ctx.background.coalesce("dispatch", dispatch, ctx)
