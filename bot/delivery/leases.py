"""The outbox's leases: which dispatcher holds which notification rows, until when.

Claiming: due rows are leased (``claimed_until``) a small batch at a time in one short
transaction, on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so two dispatchers (two
instances, or the scheduler and the CLI) never take the same row. The claim's token makes
every later write conditional: a dispatcher whose lease was taken over cannot mark the
rows. A lease is short and renewed while its dispatcher works (:class:`Leases`), so the
rows of a dispatcher that died are due again within a minute.

``in_flight`` marks the one row of a batch whose send may reach Slack from now on, until
its outcome is committed; a row claimed while it is marked may have been delivered by a
dispatcher that died, so its sender looks in Slack before posting again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.context import Context
from storage.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

# A lease is short and renewed while its dispatcher works (every RENEW_EVERY), so the
# rows of a dispatcher that died are due again within a minute, and never sent twice: a
# send starts only while at least SEND_ALLOWANCE of its lease is left, and waits on rate
# limits only as long as that allows (it gives up and hands the row back otherwise).
LEASE = timedelta(seconds=60)
RENEW_EVERY = 15.0
SEND_ALLOWANCE = timedelta(seconds=20)
# Rows each dispatcher thread leases at a time.
BATCH = 20


def _claimable(now: datetime, clock: datetime) -> tuple[Any, ...]:
    """Pending, due at ``now``, and not leased at ``clock``."""
    return (
        Notification.status == NotificationStatus.PENDING.value,
        col(Notification.due_at) <= now,
        col(Notification.claimed_until).is_(None) | (col(Notification.claimed_until) <= clock),
    )


def claimable(ctx: Context, now: datetime, limit: int) -> int:
    """How many rows a claim would find now (at most ``limit``), read without a lock: a
    pass with nothing due takes no write lock, and one with little due starts fewer
    threads (each of which ends with a claim that finds nothing)."""
    with ctx.db.transaction(write=False) as session:
        found = session.exec(
            select(Notification.id).where(*_claimable(now, ctx.clock())).limit(limit)
        ).all()
    return len(found)


def claim_batch(ctx: Context, now: datetime, limit: int = BATCH) -> tuple[list[Notification], str]:
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
                .where(*_claimable(now, clock))
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
        mark_in_flight(session, rows[0].id, token)
        session.expunge_all()  # the copies below are the dispatcher's; nothing to flush
        for row in rows:
            row.claimed_until, row.claim_token = clock + LEASE, token
            row.attempts += 1
            # In the copies, ``in_flight`` is as it was before this claim: True means a
            # dispatcher that died may have delivered the row (see outbox._Batch._try).
            row.in_flight = row.id in in_doubt
        return rows, token


def mark_in_flight(session: Session, row_id: int | None, token: str) -> None:
    """Note that the row's send may reach Slack from now on (until its outcome)."""
    if row_id is not None:
        session.execute(
            update(Notification)
            .where(col(Notification.id) == row_id)
            .where(col(Notification.claim_token) == token)
            .values(in_flight=True)
            .execution_options(synchronize_session=False)
        )


def release(
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


def finish(
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
        mark_in_flight(session, following, token)
        return done is not None


def backoff(row: Notification) -> timedelta:
    """Wait before a transient failure is tried again: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(0, row.attempts - 1)), timedelta(hours=1))


def reference(row: Notification) -> str:
    """What every message sent for ``row`` carries as metadata (a digest of its key)."""
    return hashlib.sha256(row.key.encode()).hexdigest()[:16]


class Leases:
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

    def __enter__(self) -> Leases:
        self._thread = threading.Thread(target=self._run, name="dispatch-leases", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
