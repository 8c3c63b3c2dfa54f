"""Overlap control as first written: the reference the optimised rule is held to.

:class:`bot.reporting.releaser.Releaser` decides whether a new figure, set against the
earlier releases of its metric, would single out 1 to 4 people, with shortcuts (releases
naming nobody forgotten, people-level prefilters, an early exit when counting people,
covers kept across units of work, releases stored as changes). None of that may change
a verdict. This is the original, straightforward rule (``_inside``, ``_changed_people``,
``_few`` and ``_singles_out`` with ``_cover`` over a plain list of releases), kept beside
it so that the rule has one readable statement in the product:
tests/test_report_equivalence.py sets the two against each other on thousands of random
scenarios, and a change to the rule is made here first.

:func:`ref_singles_out` also says which subtraction singles people out: the difference of
two releases (:data:`DIFFERENCE`), an earlier release less the new one and the releases
inside it (:data:`EARLIER_LESS`), or the new one less the earlier ones inside it
(:data:`NEW_LESS`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from bot.reporting.figures import ALL, MIN_GROUP
from bot.reporting.hashes import FORGOTTEN


@dataclass(eq=False)
class Ref:
    """A release as the rule sees it: ``entries`` maps each contribution's hash to the
    stored hash of its person, ``who`` to the person as counted (None: a forgotten
    person's side of a pair)."""

    period: str
    entries: dict[str, str]
    who: dict[str, str | None]
    live: frozenset[str] = field(init=False)
    forgotten: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        named = {person for person in self.who.values() if person is not None}
        self.forgotten = frozenset(p for p in named if p.startswith(FORGOTTEN))
        self.live = frozenset(named - self.forgotten)


def ref_comparable(period: str, other: str) -> bool:
    """Whether two periods are compared: the same month, or everything so far."""
    return period == other or ALL in (period, other)


def ref_inside(inner: Ref, outer: Ref, missing: set[str] | None = None) -> set[str] | None:
    """Whether ``inner`` may be part of ``outer``: None if not, else the contributions of
    ``inner`` that ``outer`` lacks (each a forgotten person's, or of someone ``outer`` does
    not name, no more of them than ``outer`` holds forgotten people)."""
    if missing is None:
        missing = set(inner.entries.keys() - outer.entries.keys())
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


def ref_changed_people(parts: Iterable[tuple[Ref, Collection[str]]]) -> int | None:
    """How many people are behind some contributions of some releases (None: none).

    Each person named by their hash counts once, a pair side's placeholder as nobody;
    the forgotten people of one release count as many, less the people counted who might
    be them, back under their own ID."""
    changed = False
    people: set[str] = set()
    most = 0
    holders: list[Ref] = []
    for release, contributions in parts:
        forgotten: set[str] = set()
        for contribution in contributions:
            changed = True
            person = release.who[contribution]
            if person is None:
                continue
            (forgotten if person.startswith(FORGOTTEN) else people).add(person)
        if forgotten:
            most = max(most, len(forgotten))
            holders.append(release)
    if not changed:
        return None
    if most:
        back = {person for person in people if any(person not in h.live for h in holders)}
        return len(people) + max(0, most - len(back))
    return len(people)


def ref_few(parts: Iterable[tuple[Ref, Collection[str]]]) -> bool:
    """Whether a subtraction over these contributions might concern 1 to 4 people."""
    people = ref_changed_people(parts)
    return people is not None and people < MIN_GROUP


def ref_cover(releases: list[Ref], outer: Ref) -> tuple[set[str], list[tuple[Ref, set[str]]]]:
    """What the other releases inside ``outer`` cover of it, and those of them that it
    lacks some contributions of, each with those."""
    covered: set[str] = set()
    partly: list[tuple[Ref, set[str]]] = []
    for other in releases:
        if other is not outer and ref_comparable(other.period, outer.period):
            missing = ref_inside(other, outer)
            if missing is not None:
                covered.update(other.entries)
                if missing:
                    partly.append((other, missing))
    return covered, partly


DIFFERENCE, EARLIER_LESS, NEW_LESS = "difference", "earlier less new", "new less inside"


def ref_singles_out(releases: list[Ref], new: Ref) -> str | None:
    """Which subtraction singles people out when ``new`` is set against ``releases`` (the
    earlier releases of its metric, oldest first), if any: :data:`DIFFERENCE`,
    :data:`EARLIER_LESS` or :data:`NEW_LESS` (``Releaser._singles_out`` only says whether
    one does)."""
    inside: list[tuple[Ref, Collection[str]]] = []
    for earlier in releases:
        if not ref_comparable(earlier.period, new.period):
            continue
        gone = set(earlier.entries.keys() - new.entries.keys())
        added = set(new.entries.keys() - earlier.entries.keys())
        if ref_few([(earlier, gone), (new, added)]):
            return DIFFERENCE
        missing = ref_inside(earlier, new, gone)
        if missing is not None:
            inside.append((earlier, missing))
            continue
        extra = ref_inside(new, earlier, added)
        if extra is not None:
            covered, partly = ref_cover(releases, earlier)
            rest = gone - covered
            if ref_few([(earlier, rest), (new, extra), *partly]):
                return EARLIER_LESS
    covered = set().union(*(earlier.entries.keys() for earlier, _ in inside))
    if ref_few([(new, new.entries.keys() - covered), *inside]):
        return NEW_LESS
    return None
