"""Releasing figures in a unit of work: the two release rules, with the shortcuts that
make them fast, set against the stored releases (:mod:`bot.reporting.releases`).

1. A figure over fewer than :data:`bot.reporting.figures.MIN_GROUP` people reads "fewer
   than 5".
2. Overlap control (:mod:`bot.reporting.overlap`): a new value that, set against the
   earlier releases of its metric, would single out 1 to 4 people is not released.
   Instead the earlier value of the same metric, scope and period is shown as
   "unchanged since DATE" (it was true for the 5 or more people it was about), or,
   without one, "not shown". Comparisons cover every scope (other cohorts, the total,
   the other figures of the same report: cohorts are evaluated first, the total last)
   and comparable periods: the same month, or "all", which contains every month.
"""

from __future__ import annotations

import typing
from collections.abc import Set as AbstractSet
from datetime import datetime

from sqlmodel import Session

from bot.reporting import releases as store
from bot.reporting.figures import (
    BY_KEY,
    FEWER_THAN,
    MIN_GROUP,
    UNCHANGED,
    VALUE,
    WITHHELD,
    Figure,
    Shown,
    rounded,
)
from bot.reporting.hashes import contribution_hash, person_hash, side_placeholder
from bot.reporting.overlap import (
    Cover,
    Release,
    Verdict,
    comparable,
    few,
    may_be_inside,
    without,
)
from storage.models import ReportRelease


class Releaser:
    """Releases figures in one unit of work.

    A new value is held back when, against the earlier releases of the same metric over
    a comparable period (see :func:`comparable`), 1 to 4 people would be singled out:

    - by the difference of two figures: the contributions in one and not the other
      (added, removed, or with another value);
    - by the figure minus the earlier figures inside it (a total over cohorts X, Y and Z
      minus X and Z is Z's figure; all time minus the months shown is the month not
      shown);
    - by an earlier figure minus this one and the other figures inside it.

    Args:
        session: The unit of work; what it releases is seen by later calls and, with
            ``write``, added to it.
        key: :func:`bot.reporting.hashes.population_key`.
        now: The release time.
        write: False to only decide, in a unit of work that reads: the releases are
            kept in :attr:`rows` for a later one to write (see
            :func:`bot.reporting.report._released`), which checks that the releases it was
            decided against are still all there are. True: the unit of work writes them,
            holding the report lock, so that two admins asking at once cannot both
            release figures the other's release would have held back, nor a release come
            between a forget and its figures.
        releases: The parsed committed releases to use; by default those this process
            keeps for the database (:func:`bot.reporting.releases.store_for`).
    """

    def __init__(
        self,
        session: Session,
        key: bytes,
        now: datetime,
        *,
        write: bool = True,
        releases: store.ReleaseStore | None = None,
    ) -> None:
        self.session = session
        self.key = key
        self.now = now
        self.write = write
        self.rows: list[ReportRelease] = []
        self._releases: dict[str, list[Release]] = {}
        self._stored: dict[str, list[Release]] = {}
        # The covers of committed releases with this unit of work's releases counted in
        # too (see _cover), each with how many of those it counts.
        self._overlay: dict[Release, tuple[Cover, int]] = {}
        self._people: dict[str, str] = {}
        if write:
            store.lock(session)
        self._store = releases if releases is not None else store.store_for(session)

    def seen(self) -> dict[str, frozenset[int]]:
        """Per metric whose releases were read, the ids of those it was decided against."""
        return {
            metric: frozenset(typing.cast(int, release.id) for release in releases)
            for metric, releases in self._stored.items()
        }

    def _person(self, token: str) -> str:
        if token not in self._people:
            self._people[token] = person_hash(self.key, token)
        return self._people[token]

    def _new(self, scope: str, period: str, metric: str, figure: Figure, value: float) -> Release:
        entries: dict[str, str] = {}
        who: dict[str, str | None] = {}
        for part in figure.contributions:
            contribution = contribution_hash(self.key, metric, part.item)
            person = self._person(part.person)
            # A forgotten person is counted here (the data knows them), but stored only
            # as their side of the pair.
            who[contribution] = person
            entries[contribution] = (
                side_placeholder(self.key, part.side) if part.side is not None else person
            )
        return Release(scope, period, value, entries, who, self.now)

    def release(self, scope: str, period: str, figure: Figure) -> Shown:
        """Apply the release rules to ``figure`` of ``scope`` (a cohort id or ``all``)."""
        metric = BY_KEY[figure.metric]
        people = len(figure.population)
        if people < MIN_GROUP:
            return Shown(metric, FEWER_THAN)
        value = rounded(metric, figure.value)
        new = self._new(scope, period, metric.key, figure, value)
        previous = self._latest(metric.key, scope, period)
        if self._singles_out(metric.key, new):
            if previous is not None:
                return Shown(metric, UNCHANGED, value=previous.value, since=previous.released_at)
            return Shown(metric, WITHHELD)
        trend = round(value - previous.value, 1) if previous is not None else None
        if previous is None or previous.value != value or previous.keys != new.keys:
            self._add(metric.key, new, people)
        return Shown(metric, VALUE, value=value, trend=trend)

    def _of(self, metric: str) -> list[Release]:
        """Every release of ``metric``, oldest first: the committed ones (see
        :class:`bot.reporting.releases.ReleaseStore`), then those of this unit of work."""
        if metric not in self._releases:
            self._releases[metric] = list(self._committed(metric))
        return self._releases[metric]

    def _committed(self, metric: str) -> list[Release]:
        if metric not in self._stored:
            self._stored[metric] = self._store.releases(self.session, metric)
        return self._stored[metric]

    def _latest(self, metric: str, scope: str, period: str) -> Release | None:
        for release in reversed(self._of(metric)):
            if release.scope == scope and release.period == period:
                return release
        return None

    def _cover(self, metric: str, outer: Release) -> Cover:
        """What the other releases inside ``outer`` leave of it (see :class:`Cover`).

        Computed once per release. A committed release's own cover counts committed
        releases only (it is kept in the :class:`bot.reporting.releases.ReleaseStore`);
        those of this unit of work are counted in here, apart.
        """
        if outer.cover is None:
            outer.cover = Cover(set(outer.keys))
            earlier = self._committed(metric) if outer.id is not None else self._of(metric)
            for other in earlier:
                outer.cover.add(outer, other)
        if outer.id is None:  # kept up to date by _add
            return outer.cover
        pending = self._of(metric)[len(self._committed(metric)) :]
        kept: tuple[Cover | None, int] = self._overlay.get(outer, (None, 0))
        cover, seen = kept
        if cover is None or seen < len(pending):
            if cover is None:
                cover = Cover(set(outer.cover.uncovered), list(outer.cover.partly))
            for other in pending[seen:]:
                cover.add(outer, other)
            self._overlay[outer] = (cover, len(pending))
        return cover

    @staticmethod
    def _grows(earlier: Release, later: Release) -> bool:
        """Whether ``earlier`` is inside ``later``, the next release of its scope and
        period, both naming nobody forgotten (kept with ``later``)."""
        if later.grows is None or later.grows[0] is not earlier:
            inside = (
                earlier.plain
                and later.plain
                and len(earlier.keys) <= len(later.keys)
                and earlier.keys <= later.keys
            )
            later.grows = (earlier, inside)
        return later.grows[1]

    def _singles_out(self, metric: str, new: Release) -> bool:
        inside: list[tuple[Release, AbstractSet[str]]] = []
        # Per scope and period: the release after this one (they are read newest
        # first), and whether it is inside the new one with 5 or more people added.
        # Then so is every release before it that it grew from, no closer: set against
        # the new one, they tell nothing it does not.
        after: dict[tuple[str, str], Release] = {}
        shadow: dict[tuple[str, str], bool] = {}
        for earlier in reversed(self._of(metric)):
            if not comparable(earlier.period, new.period):
                continue
            chain = (earlier.scope, earlier.period)
            later = after.get(chain)
            after[chain] = earlier
            if shadow.get(chain) and later is not None and self._grows(earlier, later):
                continue
            shadow[chain] = False
            if earlier.plain and new.plain:
                verdict = self._against_plain(metric, new, earlier)
                if verdict is Verdict.SINGLES_OUT:
                    return True
                if verdict in (Verdict.INSIDE, Verdict.BELOW):
                    inside.append((earlier, frozenset()))
                    shadow[chain] = verdict is Verdict.BELOW
                continue
            gone = earlier.keys - new.keys
            added = new.keys - earlier.keys
            if few([(earlier, gone), (new, added)]):
                return True  # the difference of the two
            missing = may_be_inside(earlier, new, gone)
            if missing is not None:
                inside.append((earlier, missing))
                continue
            extra = may_be_inside(new, earlier, added)
            if extra is not None and self._less(metric, earlier, new, extra):
                return True
        # This one, less the earlier ones inside it (the largest first: what is left of
        # this one shrinks fastest).
        rest = set(new.keys)
        for earlier, _ in sorted(inside, key=lambda part: -len(part[0].keys)):
            if not rest:
                break
            rest = without(rest, earlier.keys)
        return few([(new, rest), *((earlier, gone) for earlier, gone in inside if gone)])

    def _against_plain(self, metric: str, new: Release, earlier: Release) -> Verdict:
        """The checks of :meth:`_singles_out` against an earlier release that names
        nobody forgotten.

        Contribution hashes then stand for the same people in both, so people alone
        settle most comparisons: whoever is in one and not the other is behind some
        change, and only a release over no one else can be inside another.
        """
        if earlier.live.isdisjoint(new.live):
            return Verdict.NOTHING  # nothing in common: each of 5 or more people differs
        if abs(len(new.live) - len(earlier.live)) < MIN_GROUP:
            gone = earlier.keys - new.keys
            added = new.keys - earlier.keys
            if few([(earlier, gone), (new, added)]):
                return Verdict.SINGLES_OUT  # the difference of the two
            if not gone:  # inside the new one
                return Verdict.BELOW if added else Verdict.INSIDE
            if not added and self._less(metric, earlier, new, frozenset()):
                return Verdict.SINGLES_OUT  # the new one is inside it
            return Verdict.NOTHING
        # 5 or more people in one and not the other: at most one is inside the other,
        # the one with fewer people, if it names no one the other does not.
        if len(earlier.live) < len(new.live):
            if earlier.live <= new.live and earlier.keys <= new.keys:
                return Verdict.BELOW
            return Verdict.NOTHING
        inside = new.live <= earlier.live and new.keys <= earlier.keys  # the new one
        if inside and self._less(metric, earlier, new, frozenset()):
            return Verdict.SINGLES_OUT
        return Verdict.NOTHING

    def _less(self, metric: str, earlier: Release, new: Release, extra: AbstractSet[str]) -> bool:
        """Whether ``earlier`` less ``new`` (inside it, but for ``extra``) and the other
        releases inside it singles people out."""
        cover = self._cover(metric, earlier)
        rest = cover.uncovered - new.keys
        return few([(earlier, rest), (new, extra), *cover.partly])

    def _add(self, metric: str, new: Release, people: int) -> None:
        # Stored as what changed since the latest release of its scope and period.
        row = store.row_of(metric, new, people, self._latest(metric, new.scope, new.period))
        releases = self._of(metric)
        for outer in releases[len(self._committed(metric)) :]:  # see _cover for the others
            if outer.cover is not None:
                outer.cover.add(outer, new)
        releases.append(new)
        self.rows.append(row)
        if self.write:
            self.session.add(row)
