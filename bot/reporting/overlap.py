"""Overlap control: whether a new figure, set against earlier releases, singles anyone out.

A figure over 5 or more people is still not released when, set against the earlier
releases of the same metric over a comparable period (:func:`comparable`), subtraction
would tell something about 1 to 4 people:

- the contributions that differ from an earlier release's (added, removed, or with
  another value) come from 1 to 4 people (a cohort of 6 today and of 5 tomorrow; the
  same 5 raters with one rating more; November's 10 sessions next to the 11 of all time,
  over the same people);
- the contributions that are in none of the earlier releases inside it come from 1 to 4
  people (a total over cohorts X, Y and Z next to X and Z; all time next to the months
  shown, when a month read "fewer than 5");
- an earlier release keeps contributions of 1 to 4 people outside this one and the other
  releases inside it.

This module holds the parts of the rule: a release as the rule sees it (:class:`Release`),
whether one may be inside another (:func:`may_be_inside`), and how many people are behind some
contributions (:func:`changed_people`). :class:`bot.reporting.releaser.Releaser` applies
them, with shortcuts that never change a verdict; :mod:`bot.reporting.overlap_reference`
is the rule as first written, without any, and the equivalence test sets the two against
each other.

Counting the people behind changed contributions after ``/mentor forget``
(:func:`bot.reporting.releases.forget`), a pair side's placeholder counts as nobody (the
person may be counted elsewhere), and a forgotten person's placeholder counts as one,
unless they may be back under their own ID as one of the people counted whom that release
does not name.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from bot.reporting.figures import ALL, MIN_GROUP
from bot.reporting.hashes import FORGOTTEN, FORGOTTEN_SIDE


def comparable(period: str, other: str) -> bool:
    """Whether figures of two periods can be set against each other: the same month, or
    everything so far (which contains every month)."""
    return period == other or ALL in (period, other)


@dataclass(eq=False)
class Release:
    """A figure, released or about to be, as the release rules need it.

    ``entries`` maps each contribution's hash to the stored hash of its person; ``who``
    maps it to the person as counted: their hash, a forgotten person's placeholder, or
    None for a forgotten person's side of a pair (who may be counted elsewhere).
    """

    scope: str
    period: str
    value: float
    entries: dict[str, str]
    who: dict[str, str | None]
    released_at: datetime
    id: int | None = None  # the row's, once committed
    live: frozenset[str] = field(init=False)
    forgotten: frozenset[str] = field(init=False)
    keys: frozenset[str] = field(init=False)
    plain: bool = field(init=False)
    # What the other releases inside this one leave of it (see Releaser._cover) and
    # whether the release before it of the same scope and period is inside it (see
    # Releaser._grows); computed when first needed.
    cover: Cover | None = None
    grows: tuple[Release, bool] | None = None

    def __post_init__(self) -> None:
        named = {person for person in self.who.values() if person is not None}
        self.forgotten = frozenset(p for p in named if p.startswith(FORGOTTEN))
        self.live = frozenset(named - self.forgotten)
        self.keys = frozenset(self.who)
        # Every contribution under its person's own hash: nobody in it used /mentor
        # forget. A contribution hash then always stands for the same person (the item
        # names them, or their side of a pair), which the shortcuts of Releaser rely on.
        self.plain = not self.forgotten and None not in self.who.values()

    @classmethod
    def stored(
        cls,
        scope: str,
        period: str,
        value: float,
        entries: dict[str, str],
        released_at: datetime,
        release_id: int | None,
        owner: dict[str, str] | None = None,
    ) -> Release:
        """A committed release, from its entries (contribution -> stored person).

        Two mappings are shared rather than copied, to keep one copy of what is the same:
        ``who`` is ``entries`` itself unless a forgotten person's side of a pair is among
        them (its placeholder counts as nobody: None); and with ``owner`` (contribution
        hash -> person hash, shared by the releases of a
        :class:`bot.reporting.releases.ReleaseStore`), a release that names nobody
        forgotten keeps ``owner`` as both, not a mapping of its own: there a contribution
        hash always stands for the same person. Its own contributions are then
        :attr:`keys` alone.
        """
        who: dict[str, str | None]
        if any(p.startswith(FORGOTTEN_SIDE) for p in entries.values()):
            who = {c: None if p.startswith(FORGOTTEN_SIDE) else p for c, p in entries.items()}
        else:
            who = typing.cast(dict[str, str | None], entries)  # never written through
        release = cls(scope, period, value, entries, who, released_at, release_id)
        if owner is None or not release.plain:
            return release
        if all(owner.setdefault(c, p) == p for c, p in entries.items()):
            release.entries = owner
            release.who = typing.cast(dict[str, str | None], owner)
        return release


@dataclass(eq=False)
class Cover:
    """What the other releases inside a release leave uncovered of it, and those of
    them that it lacks some contributions of, each with those (see :func:`may_be_inside`)."""

    uncovered: set[str]
    partly: list[tuple[Release, AbstractSet[str]]] = field(default_factory=list)

    def add(self, outer: Release, other: Release) -> None:
        """Count ``other`` in if it is inside ``outer`` (and over a comparable period)."""
        if other is outer or not comparable(other.period, outer.period):
            return
        missing = may_be_inside(other, outer)
        if missing is None:
            return
        self.uncovered = without(self.uncovered, other.keys)
        if missing:
            self.partly.append((other, missing))


def without(target: set[str], keys: AbstractSet[str]) -> set[str]:
    """``target`` less ``keys``, at the cost of the smaller of the two."""
    if len(target) <= len(keys):
        return target - keys  # goes through target
    target.difference_update(keys)  # goes through keys
    return target


def may_be_inside(
    inner: Release, outer: Release, missing: AbstractSet[str] | None = None
) -> AbstractSet[str] | None:
    """Whether ``inner`` may be part of ``outer``; None if not, else the contributions of
    ``inner`` that ``outer`` lacks (``missing``, if already known), which a subtraction
    of the two then concerns too.

    ``outer`` must hold every contribution of ``inner``, except those of a forgotten
    person (which ``outer`` may hold under another name) and those of people ``outer``
    does not name, as many as it holds forgotten people (who may be them, back).
    """
    if missing is None:
        if inner.plain and outer.plain:  # then inside means: every contribution in it
            if len(inner.keys) > len(outer.keys) or not inner.live <= outer.live:
                return None
            return set() if inner.keys <= outer.keys else None
        missing = inner.keys - outer.keys
    back: set[str] = set()
    for contribution in missing:
        person = inner.who[contribution]
        if person is None or person in outer.live:
            return None
        if not person.startswith(FORGOTTEN):
            back.add(person)
            if len(back) > len(outer.forgotten):
                return None
    return missing


def changed_people(
    parts: Iterable[tuple[Release, Collection[str]]], enough: int = MIN_GROUP
) -> int | None:
    """How many people at least are behind some contributions of some releases, counted
    up to ``enough`` (reached, it is returned as soon as the people named by their hash
    make it up); None when there are none.

    Each person named by their hash counts once. A forgotten person's side of a pair
    counts as nobody. The forgotten people of one release are so many different people,
    but each may be back under their own ID, as one of the people counted whom that
    release does not name (their contribution renamed, not changed); so the most of any
    release count, less the people who might be them.
    """
    changed = False
    people: set[str] = set()
    most = 0
    holders: list[Release] = []
    for release, contributions in parts:
        forgotten: set[str] = set()
        for contribution in contributions:
            changed = True
            person = release.who[contribution]
            if person is None:
                continue
            if person.startswith(FORGOTTEN):
                forgotten.add(person)
                continue
            people.add(person)
            if len(people) >= enough:
                # The count below never falls under the people named: no need to go on.
                return len(people)
        if forgotten:
            most = max(most, len(forgotten))
            holders.append(release)
    if not changed:
        return None
    if most:
        back = {person for person in people if any(person not in h.live for h in holders)}
        return len(people) + max(0, most - len(back))
    return len(people)


def few(parts: Iterable[tuple[Release, Collection[str]]]) -> bool:
    """Whether a subtraction over these contributions might concern 1 to 4 people."""
    people = changed_people(parts)
    return people is not None and people < MIN_GROUP


class Verdict(enum.Enum):
    """An earlier release set against a new one (see :meth:`Releaser._against_plain`)."""

    NOTHING = "nothing"  # no subtraction of the two singles anyone out
    SINGLES_OUT = "singles out"  # one does
    INSIDE = "inside"  # the earlier one is inside the new one, with the same contributions
    BELOW = "below"  # inside, and 5 or more people are behind what the new one adds
