"""The engine and the unit of work.

Query functions in :mod:`storage.queries` take a session and never open or commit one;
services open a unit of work with :meth:`Database.transaction`, which commits once at the
end (or rolls back on an exception).
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

# Whether the transaction being opened on this thread will write (see Database.transaction).
_writing: ContextVar[bool] = ContextVar("writing", default=True)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for an SQLite or PostgreSQL URL.

    SQLite gets WAL journaling, enforced foreign keys and a busy timeout so that the HTTP
    threads and the scheduler can share one file; PostgreSQL gets a pre-pinged pool.
    """
    if url.startswith("sqlite"):
        memory = url in {"sqlite://", "sqlite:///:memory:"}
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else None,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling defers BEGIN; take it over so that
            # SQLAlchemy's BEGIN is emitted as-is.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Readers take no lock at all in WAL mode. Writers take the write lock up front
            # (IMMEDIATE), so two writers queue instead of one failing with "database is
            # locked" when it upgrades a read lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def unreachable(error: BaseException) -> str | None:
    """A short reason when ``error`` means the database cannot be reached right now (a
    server down or restarting, a lost connection, a file that cannot be opened), else
    None: a deadlock, a timeout, a constraint or an SQL error is not an outage."""
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    lines = str(original).strip().splitlines()
    reason = (lines[0] if lines else type(original).__name__)[:200]
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return reason
    if not isinstance(error, OperationalError):
        return None
    if isinstance(original, sqlite3.Error):
        text = str(original).lower()
        return reason if "unable to open" in text or "disk i/o" in text else None
    # PostgreSQL: no SQLSTATE (the connection failed), class 08 (connection exception),
    # 57P01-57P03 (the server is shutting down or starting).
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is None or sqlstate.startswith("08") or sqlstate in {"57P01", "57P02", "57P03"}:
        return reason
    return None


class NestedWriteError(RuntimeError):
    """A write unit of work was opened inside another one on the same thread."""


class Database:
    """The bot's handle on its database: an engine plus a unit-of-work factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Queueing this process's writers on a lock wakes
        # the next one the moment the previous commits, instead of SQLite's busy handler
        # polling with sleeps of up to 100 ms (a long latency tail under load).
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._local = threading.local()
        self._commits = itertools.count(1)
        #: Raised after each write unit of work this process commits: an answer computed
        #: from reads begun at an earlier value may be out of date (see bot.calendar.feed).
        self.commits = 0

    @classmethod
    def from_url(cls, url: str) -> Database:
        """Build a :class:`Database` for an SQLAlchemy URL."""
        return cls(make_engine(url))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """Open a session, commit it when the block ends, roll back on an exception.

        Args:
            write: False for a block that only reads; on SQLite it then takes no lock.

        Raises:
            NestedWriteError: a write unit of work opened inside another one on the same
                thread (on SQLite it would wait for itself forever; on PostgreSQL it would
                commit on its own, whatever the outer one then does), on both databases.
        """
        if write and getattr(self._local, "writing", False):
            raise NestedWriteError(
                "a write transaction was opened inside another on the same thread; "
                "pass the open session down instead"
            )
        lock: AbstractContextManager[Any] = (
            self._write_lock if write and self._write_lock is not None else nullcontext()
        )
        with lock:
            token = _writing.set(write)
            if write:
                self._local.writing = True
            try:
                with Session(self.engine, expire_on_commit=False) as session:
                    try:
                        yield session
                        session.commit()
                        if write:
                            self.commits = next(self._commits)
                    except BaseException:
                        session.rollback()
                        raise
            finally:
                _writing.reset(token)
                if write:
                    self._local.writing = False

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
