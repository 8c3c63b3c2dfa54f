"""The release store: ``report_release``, what overlap control sets new figures against.

Each released figure is a row with its contributions, each as a pair of keyed hashes
(:mod:`bot.reporting.hashes`): the person, and the item with its value. A figure that was
released before for the same metric, scope and period is stored as what changed since
that release (its *base*): ``added`` holds the ``[person, contribution]`` entries it has
and its base has not (or with another person), ``removed`` those of its base it lacks.
A row without a base holds every entry in ``added``. So a daily report over a program
that changed a little stores a little, not every contribution again.

:class:`ReleaseStore` reads the rows of a metric and gives the releases as overlap
control sees them (:class:`bot.reporting.overlap.Release`), each with all its
contributions. :func:`forget` replaces a person's hashes (``/mentor forget``).
"""

from __future__ import annotations

import secrets
import sys
import threading
import typing
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, cast, or_, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.reporting.figures import PAIR_METRICS, SESSION_METRICS, pair_item, session_item
from bot.reporting.hashes import (
    FORGOTTEN,
    author_hash,
    contribution_hash,
    person_hash,
    side_placeholder,
)
from bot.reporting.overlap import Release
from storage.models import BestPractice, MentoringSession, Pair, ReportRelease

_REPORT_LOCK = 727_300_000  # PostgreSQL advisory lock: one release at a time
_READ_CHUNK = 500  # ids per query when reading some rows of a metric

STORE_LIMIT = 6_000_000
"""How many contributions, over all releases, a :class:`ReleaseStore` keeps parsed: past
that it drops the metrics used longest ago (they are read again when next needed)."""

Entries = list[list[str]]  # [person, contribution] pairs, as stored


def lock(session: Session) -> None:
    """Serialise releases and :func:`forget` (SQLite has one writer at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REPORT_LOCK})


# --- rows and what they hold ----------------------------------------------------------


def row_of(metric: str, new: Release, people: int, base: Release | None) -> ReportRelease:
    """The row that stores ``new``: what changed since ``base`` (an earlier release of the
    same metric, committed), or every entry when that is no longer or there is none."""
    entries = new.entries
    added: Entries | None = None
    removed: Entries = []
    if base is not None and base.id is not None:
        # base.entries may be shared with other releases (see Release.stored): only its
        # keys are its own.
        before = base.entries
        changed = [[p, c] for c, p in entries.items() if c not in base.keys or before[c] != p]
        gone = [[before[c], c] for c in base.keys if entries.get(c) != before[c]]
        if len(changed) + len(gone) < len(entries):
            added, removed = sorted(changed), sorted(gone)
    if added is None:
        added, base = sorted([p, c] for c, p in entries.items()), None
    return ReportRelease(
        metric=metric,
        scope=new.scope,
        period=new.period,
        value=new.value,
        people=people,
        base_id=base.id if base is not None else None,
        added=added,
        removed=removed,
        released_at=new.released_at,
    )


def apply(
    entries: dict[str, str], added: Iterable[list[str]], removed: Iterable[list[str]]
) -> None:
    """Turn the entries (contribution -> person) of a base into those of a row on it."""
    for _, contribution in removed:
        entries.pop(contribution, None)
    for person, contribution in added:
        entries[sys.intern(contribution)] = sys.intern(person)


@dataclass(frozen=True)
class StoredRelease:
    """A row of ``report_release`` with all its contributions (``[person, contribution]``,
    sorted), its base's included."""

    id: int
    metric: str
    scope: str
    period: str
    value: float
    people: int
    contributions: Entries
    released_at: datetime


def read_all(session: Session, metric: str | None = None) -> list[StoredRelease]:
    """Every release (of ``metric``), by id, with all its contributions."""
    query = select(ReportRelease).order_by(col(ReportRelease.id))
    if metric is not None:
        query = query.where(ReportRelease.metric == metric)
    rows = list(session.exec(query))
    full = _entries_of(rows, {})
    return [
        StoredRelease(
            row.id or 0,
            row.metric,
            row.scope,
            row.period,
            row.value,
            row.people,
            sorted([p, c] for c, p in full[row.id or 0].items()),
            row.released_at,
        )
        for row in rows
    ]


def _entries_of(
    rows: list[ReportRelease], known: dict[int, dict[str, str]]
) -> dict[int, dict[str, str]]:
    """The entries (contribution -> person) of each row, building on those ``known`` of
    other rows, each base before the rows on it."""
    by_id = {typing.cast(int, row.id): row for row in rows}
    out: dict[int, dict[str, str]] = {}
    for row in rows:
        chain: list[ReportRelease] = []
        at: ReportRelease | None = row
        while at is not None and at.id not in out and at.id not in known:
            chain.append(at)
            base = at.base_id
            if base is not None and base not in by_id and base not in known:
                raise LookupError(f"report_release {at.id} builds on {base}, which is not there")
            at = by_id.get(base) if base is not None else None
        for link in reversed(chain):
            base = link.base_id
            entries = dict(out[base] if base in out else known[base]) if base is not None else {}
            apply(entries, link.added, link.removed)
            out[typing.cast(int, link.id)] = entries
    return out


# --- the parsed releases of a database ------------------------------------------------


class ReleaseStore:
    """The committed releases of one database, parsed, kept between reports.

    Every unit of work reads which rows there are (their ids only) and parses just the
    rows it has not seen; :func:`forget` writes a person's rows anew, under new ids, so a
    changed row is never mistaken for a known one, and any id gone drops everything.
    What a unit of work adds stays out of here until it is committed (the next unit of
    work reads it as a new row). At most ``limit`` contributions stay parsed.

    One store belongs to each engine (:func:`store_for`); it holds no thread of its own.
    """

    def __init__(self, limit: int = STORE_LIMIT) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        # One report or export of this process at a time computes its figures (see
        # bot.reporting.report._released), so the parsed releases are never newer than the
        # view of the table of the unit of work reading them (a forget only drops them).
        self.computing = threading.Lock()
        self._metrics: dict[str, dict[int, Release]] = {}  # by use, the latest last
        self._ordered: dict[str, list[Release]] = {}
        self._owner: dict[str, str] = {}  # see Release.stored

    def releases(self, session: Session, metric: str) -> list[Release]:
        """The committed releases of ``metric``, oldest first, as of ``session``."""
        with self.lock:
            query = sa_select(col(ReportRelease.id)).where(col(ReportRelease.metric) == metric)
            ids = set(session.execute(query).scalars())
            kept = self._metrics.pop(metric, {})
            if kept.keys() - ids:  # a forget elsewhere: read everything anew, keeping no trace
                self._drop()
                kept = {}
            self._metrics[metric] = kept
            fresh = ids - kept.keys()
            if fresh:
                for new in self._read(session, metric, fresh, kept):
                    for outer in kept.values():
                        if outer.cover is not None:
                            outer.cover.add(outer, new)
                    kept[typing.cast(int, new.id)] = new
            if fresh or metric not in self._ordered:
                self._ordered[metric] = sorted(
                    kept.values(), key=lambda r: (r.released_at, r.id or 0)
                )
                self._bound(metric)
            return self._ordered[metric]

    def parsed(self) -> Iterator[Release]:
        """Every release kept parsed."""
        for kept in list(self._metrics.values()):
            yield from list(kept.values())

    def clear(self) -> None:
        """Drop the parsed releases (the next report reads them again)."""
        with self.lock:
            self._drop()

    def _read(
        self, session: Session, metric: str, ids: set[int], kept: dict[int, Release]
    ) -> list[Release]:
        query = select(ReportRelease).where(ReportRelease.metric == metric)
        if not kept:
            rows = list(session.exec(query))
        else:
            wanted = sorted(ids)
            rows = []
            for start in range(0, len(wanted), _READ_CHUNK):
                chunk = wanted[start : start + _READ_CHUNK]
                rows += session.exec(query.where(col(ReportRelease.id).in_(chunk)))
        entries = _entries_of(rows, _Lazy(kept))
        return [
            Release.stored(
                row.scope,
                row.period,
                row.value,
                entries[row.id or 0],
                row.released_at,
                row.id,
                self._owner,
            )
            for row in rows
        ]

    def _bound(self, metric: str) -> None:
        """Drop the metrics used longest ago while over the limit (never ``metric``)."""
        total = sum(len(r.keys) for kept in self._metrics.values() for r in kept.values())
        for other in list(self._metrics):
            if total <= self.limit or other == metric:
                continue
            total -= sum(len(r.keys) for r in self._metrics[other].values())
            del self._metrics[other]
            self._ordered.pop(other, None)

    def _drop(self) -> None:
        # New objects, not emptied ones: a unit of work may still use the old ones.
        self._metrics = {}
        self._ordered = {}
        self._owner = {}


def _own(release: Release) -> dict[str, str]:
    """A release's own entries (contribution -> stored person)."""
    if len(release.entries) == len(release.keys):
        return release.entries
    return {c: release.entries[c] for c in release.keys}


class _Lazy(dict[int, dict[str, str]]):
    """Entries of kept releases, made only for those a new row builds on."""

    def __init__(self, releases: dict[int, Release]) -> None:
        super().__init__()
        self.releases = releases

    def __contains__(self, key: object) -> bool:
        return key in self.releases

    def __missing__(self, key: int) -> dict[str, str]:
        value = _own(self.releases[key])
        self[key] = value
        return value


_STORES: weakref.WeakKeyDictionary[object, ReleaseStore] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def drop_store(engine: object) -> None:
    """Let go of what is held for the database behind ``engine`` (it was replaced under
    the engine, as the tests do between tests: ids start again at 1)."""
    with _STORES_LOCK:
        _STORES.pop(engine, None)


def store_for(bind: object) -> ReleaseStore:
    """The store of the database behind an engine, a connection or a session."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    engine = getattr(bind, "engine", bind)  # a connection's engine
    with _STORES_LOCK:
        if engine not in _STORES:
            _STORES[engine] = ReleaseStore()
        return _STORES[engine]


def stores() -> list[ReleaseStore]:
    """The stores of this process (one per engine in use)."""
    with _STORES_LOCK:
        return list(_STORES.values())


def changed_since(session: Session, seen: dict[str, frozenset[int]]) -> set[str]:
    """The metrics whose releases are no longer those of ``seen``
    (:meth:`bot.reporting.releaser.Releaser.seen`)."""
    if not seen:
        return set()
    now: dict[str, set[int]] = {metric: set() for metric in seen}
    rows = session.execute(
        sa_select(col(ReportRelease.metric), col(ReportRelease.id)).where(
            col(ReportRelease.metric).in_(list(seen))
        )
    )
    for metric, release_id in rows:
        now[metric].add(release_id)
    return {metric for metric, ids in seen.items() if now[metric] != ids}


# --- /mentor forget -------------------------------------------------------------------


def forget(session: Session, key: bytes, token: str) -> int:
    """Replace a person's hashes in ``report_release`` and ``best_practice``
    (``/mentor forget``).

    Their contributions to pairs and sessions keep their hash, under the placeholder of
    their side of the pair (later figures name them the same way). Every other
    contribution of theirs gets a random hash, and they a random placeholder per metric;
    a hash that appears in several rows gets the same replacement in each (in ``added``
    and ``removed`` alike), so the releases still compare as before, every figure keeps
    its size, and a row still builds on its base.

    Args:
        session: The unit of work of the forget.
        key: :func:`bot.reporting.hashes.population_key`.
        token: The keyed hash of the person's Slack ID (``Vault.user_key``).

    Returns:
        How many rows named the person.
    """
    lock(session)
    # Their shared learnings stay in the playbook, under a random placeholder: still one
    # person when the playbook counts the people behind a group, but nobody's hash.
    session.execute(
        update(BestPractice)
        .where(col(BestPractice.author) == author_hash(key, token))
        .values(author=FORGOTTEN + secrets.token_hex(16)[1:])
    )
    person = person_hash(key, token)
    named = or_(
        cast(col(ReportRelease.added), Text).contains(person),
        cast(col(ReportRelease.removed), Text).contains(person),
    )
    rows = [
        row
        # In their order, so the rows written anew keep it (their new ids follow it).
        for row in session.exec(select(ReportRelease).where(named).order_by(col(ReportRelease.id)))
        if any(p == person for p, _ in [*row.added, *row.removed])
    ]
    if rows:
        _rewrite(session, rows, _Renaming(person, _sides_of(session, key, token)))
    # Nor does this process keep the person's hash in the releases it parsed.
    store_for(session).clear()
    return len(rows)


@dataclass
class _Renaming:
    """What a forgotten person's entries become (the same in every row)."""

    person: str
    sides: dict[str, str]  # contribution hash -> the placeholder of their side of a pair
    stand_ins: dict[str, str] = field(default_factory=dict)  # metric -> their placeholder
    renamed: dict[str, str] = field(default_factory=dict)  # contribution -> random hash

    def __call__(self, metric: str, entries: Entries) -> Entries:
        out: Entries = []
        for named, contribution in entries:
            if named != self.person:
                out.append([named, contribution])
            elif contribution in self.sides:
                out.append([self.sides[contribution], contribution])
            else:
                if metric not in self.stand_ins:
                    self.stand_ins[metric] = FORGOTTEN + secrets.token_hex(16)[1:]
                if contribution not in self.renamed:
                    self.renamed[contribution] = secrets.token_hex(16)
                out.append([self.stand_ins[metric], self.renamed[contribution]])
        return sorted(out)


def _rewrite(session: Session, rows: list[ReportRelease], rename: _Renaming) -> None:
    """Write ``rows`` anew, renamed, under new ids, so that a process that parsed a row
    before reads it again (see :class:`ReleaseStore`); the rows built on them follow."""
    fresh = [
        ReportRelease(
            metric=row.metric,
            scope=row.scope,
            period=row.period,
            value=row.value,
            people=row.people,
            base_id=row.base_id,
            added=rename(row.metric, row.added),
            removed=rename(row.metric, row.removed),
            released_at=row.released_at,
        )
        for row in rows
    ]
    # The new rows go in first: SQLite gives a row the highest id plus one, which must
    # never be the id of one deleted.
    session.add_all(fresh)
    session.flush()
    for old, new in zip(rows, fresh, strict=True):
        session.execute(
            update(ReportRelease).where(col(ReportRelease.base_id) == old.id).values(base_id=new.id)
        )
    for row in rows:
        session.delete(row)
    session.flush()


def _sides_of(session: Session, key: bytes, token: str) -> dict[str, str]:
    """The hashes of a person's contributions to pairs and sessions, each with the
    placeholder of their side of the pair."""
    pairs = session.execute(
        sa_select(col(Pair.id), col(Pair.mentor_key), col(Pair.mentee_key)).where(
            or_(col(Pair.mentor_key) == token, col(Pair.mentee_key) == token)
        )
    )
    own = {pair_id: [s for s, k in enumerate(keys) if k == token] for pair_id, *keys in pairs}
    if not own:
        return {}
    meetings = session.execute(
        sa_select(col(MentoringSession.id), col(MentoringSession.pair_id)).where(
            col(MentoringSession.pair_id).in_(list(own))
        )
    )
    items: list[tuple[tuple[str, ...], int, int, str]] = [
        (PAIR_METRICS, pair_id, side, pair_item(pair_id, side))
        for pair_id, sides in own.items()
        for side in sides
    ]
    items += [
        (SESSION_METRICS, pair_id, side, session_item(session_id, side))
        for session_id, pair_id in meetings
        for side in own[pair_id]
    ]
    return {
        contribution_hash(key, metric, item): side_placeholder(key, f"{pair_id}|{side}")
        for metrics, pair_id, side, item in items
        for metric in metrics
    }
