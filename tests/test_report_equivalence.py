"""Overlap control, as optimised, decides as the original rule did: randomized, seeded.

``Releaser._singles_out`` (bot/reporting/releaser.py) decides whether a new figure, set
against the earlier releases of its metric, would single out 1 to 4 people. It has fast
paths (releases naming nobody forgotten, people-level prefilters, an early exit when
counting people), keeps parsed releases across units of work and stores releases as
changes of earlier ones. None of that may change a verdict. The original, straightforward
rule is kept beside it in the product (bot/reporting/overlap_reference.py); this module
sets the current code against it on 2,000 random scenarios (some 6,500 figures checked),
in chunks that test workers share, each scenario built from its own seed:

- a small program (6 to 25 people in 2 or 3 cohorts) whose contributions to one metric
  (memberships, pair sides, session sides with reflections, ratings with values) each
  belong to one person, always the same one;
- 1 to 12 earlier releases of that metric, figures over cohorts or the total, all time
  or a month, of a state that changes a little (0 to 9 people) between releases, some
  of them copies of an earlier figure with a few people more or less, some following
  plans (the cohorts then the total, the months then all time, a total then its
  cohorts, the same figure again and again); figures over fewer than 5 people are not
  stored, as in reality;
- in about a third of them ``/mentor forget`` applied to the stored releases the way
  :func:`bot.reporting.releases.forget` does (placeholders beginning with ``~`` and
  random hashes for the person's own contributions, ``+`` placeholders for their pair
  sides, rows written anew under new ids), the person then back or not;
- sometimes a check in between (a unit of work that parses the releases so far, so
  the next one only reads what is new), sometimes the last releases made in the same
  unit of work as the new figure (``Releaser._add``, each checked first), three more
  figures asked after the new one in its unit of work, and one release of another
  metric that the new figure would fail against if it were compared.

Rows get ids that are never reused (the parsed releases are kept by row id, and in
production ids only grow), so clearing the table between scenarios is safe.

On a mismatch the failure message shows the seed and the scenario, release by release.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from sqlmodel import Session, col

from bot.reporting.figures import ALL, MIN_GROUP
from bot.reporting.hashes import FORGOTTEN, FORGOTTEN_SIDE
from bot.reporting.overlap import Release
from bot.reporting.overlap_reference import (
    DIFFERENCE,
    EARLIER_LESS,
    NEW_LESS,
    Ref,
    ref_singles_out,
)
from bot.reporting.releaser import Releaser
from storage.db import Database, make_engine
from storage.models import ReportRelease

SCENARIOS = 2000
SEEDS = 2509  # the seeds up to the 2000th that makes a scenario (some make none)
CHUNKS = 8  # run as parts of their own, so that test workers share them
OTHERS = 3  # figures asked after the new one, in the same unit of work
FORGET_SHARE = 0.3
KEY = bytes(range(32))
NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
MONTHS = ("2026-01", "2026-02")
PERIODS = (ALL, *MONTHS)
COHORTS = ("1", "2", "3")
KINDS = {  # the kind of contributions -> the metric that counts them
    "members": "mentors",
    "pairs": "pairs_active",
    "sessions": "sessions_held",
    "reflections": "reflection_rate",
    "ratings": "average_rating",
}
DECOY_METRIC = "goals_set"

# --- scenarios ------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """Something one person may contribute: a membership, a side of a pair or session,
    a reflection, a rating (with ``values`` values, each its own contribution)."""

    name: str
    owner: str
    cohort: str
    month: str
    side: str | None = None  # "PAIR|SIDE" for a side of a pair or of its sessions
    values: int = 1

    def key(self, value: int) -> str:
        """The contribution's hash (readable here: the rule only compares them)."""
        return self.name if self.values == 1 else f"{self.name}={value}"


@dataclass(frozen=True)
class Stored:
    """A ``report_release`` row: ``pairs`` are its ``[person, contribution]`` entries."""

    id: int  # within the scenario
    scope: str
    period: str
    released_at: datetime
    people: int
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Fresh:
    """A release being made: ``who`` names real people, ``entries`` what is stored."""

    scope: str
    period: str
    entries: dict[str, str]
    who: dict[str, str]

    @property
    def people(self) -> int:
        return len(set(self.who.values()))


@dataclass(frozen=True)
class Check:
    """One unit of work: the committed rows, those released in it, the new figure, and
    other figures asked next in the same unit of work (as if held back)."""

    stored: tuple[Stored, ...]
    pending: tuple[Fresh, ...]
    new: Fresh
    now: datetime
    others: tuple[Fresh, ...] = ()


@dataclass
class Scenario:
    seed: int
    kind: str
    plan: str
    forgets: list[str]  # "p03 (back)" / "p03 (gone)", in order
    checks: list[Check]

    @property
    def metric(self) -> str:
        return KINDS[self.kind]

    @property
    def forgotten(self) -> bool:
        return bool(self.forgets)


def side_placeholder(side: str) -> str:
    return f"{FORGOTTEN_SIDE}side:{side}"


class Builder:
    """Builds one scenario from its seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.roll = self.rng.random()  # which plan (see plan)
        self.kind = self.rng.choice(sorted(KINDS))
        # The cohorts, then the total: three cohorts, two of them of 5 or more people.
        total = self.roll < 0.2
        # Every hash names the scenario too: one database holds them all in turn, and a
        # hash always stands for the same person (pair ids are never reused, either).
        n = self.rng.randint(12 if total else 6, 25)
        self.people = [f"p{i:02d}@{seed}" for i in range(n)]
        self.cohorts = COHORTS if total else COHORTS[: self.rng.choice((2, 3))]
        self.slots = self._slots()
        self.truth: dict[Slot, int] = {
            slot: self.rng.randint(1, slot.values) for slot in self.slots if self.rng.random() < 0.8
        }
        self.dead: set[Slot] = set()  # own slots of people forgotten and gone
        self.forgotten: set[str] = set()  # people who used /mentor forget
        self.made: list[dict[str, Slot]] = []  # each release's contributions
        self.stored: list[Stored] = []
        self.next_id = 1

    def _slots(self) -> list[Slot]:
        rng = self.rng
        cohort = {p: rng.choice(self.cohorts) for p in self.people}
        slots: list[Slot] = []
        if self.kind in ("members", "ratings"):
            for p in self.people:
                if self.kind == "members":
                    slots.append(Slot(f"member.{p}", p, cohort[p], rng.choice(MONTHS)))
                for j in range(rng.randint(1, 3) if self.kind == "ratings" else 0):
                    month = rng.choice(MONTHS)
                    slots.append(Slot(f"rating.{j}.{p}", p, cohort[p], month, values=5))
            return slots
        pairs: list[tuple[str, str, str]] = []
        for c in self.cohorts:
            members = [p for p in self.people if cohort[p] == c]
            rng.shuffle(members)
            pairs += [(members[i], members[i + 1], c) for i in range(0, len(members) - 1, 2)]
            if len(members) % 2 and len(members) > 1:  # a mentor of two
                pairs.append((rng.choice(members[:-1]), members[-1], c))
        for number, (mentor, mentee, c) in enumerate(pairs):
            k = f"{number}@{self.seed}"
            if self.kind == "pairs":
                month = rng.choice(MONTHS)
                for s, p in enumerate((mentor, mentee)):
                    slots.append(Slot(f"pair.{k}.{s}", p, c, month, f"{k}|{s}"))
                continue
            for j in range(rng.randint(1, 3)):
                month = rng.choice(MONTHS)
                for s, p in enumerate((mentor, mentee)):
                    slots.append(Slot(f"session.{k}.{j}.{s}", p, c, month, f"{k}|{s}"))
                    if self.kind == "reflections" and rng.random() < 0.6:
                        slots.append(Slot(f"reflection.{k}.{j}.{p}", p, c, month))
        return slots

    # The state of the program, and figures of it.

    def step(self) -> None:
        """Some people (0 to 9, often 3 to 6: around 5 the verdict turns) join, leave, or
        change a value."""
        k = self.rng.choice((0, 1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 7, 9))
        for person in self.rng.sample(self.people, min(k, len(self.people))):
            theirs = [s for s in self.slots if s.owner == person and s not in self.dead]
            if not theirs:
                continue
            slot = self.rng.choice(theirs)
            if slot in self.truth and slot.values > 1 and self.rng.random() < 0.5:
                self.truth[slot] = self.truth[slot] % slot.values + 1
            elif slot in self.truth:
                del self.truth[slot]
            else:
                self.truth[slot] = self.rng.randint(1, slot.values)

    def figure(self, scope: str, period: str) -> dict[str, Slot]:
        return {
            slot.key(value): slot
            for slot, value in self.truth.items()
            if slot not in self.dead and scope in (ALL, slot.cohort) and period in (ALL, slot.month)
        }

    def variant(self, base: dict[str, Slot]) -> dict[str, Slot]:
        """A figure like ``base`` with a few people's contributions more or less."""
        out = dict(base)
        k = self.rng.choice((1, 2, 3, 4, 4, 5, 5, 6))
        for person in self.rng.sample(self.people, min(k, len(self.people))):
            theirs = [s for s in self.slots if s.owner == person and s not in self.dead]
            if not theirs:
                continue
            slot = self.rng.choice(theirs)
            mine = [c for c, s in out.items() if s is slot]
            if mine:
                del out[mine[0]]
            if not mine or (slot.values > 1 and self.rng.random() < 0.5):
                out[slot.key(self.rng.randint(1, slot.values))] = slot
        # Whoever is forgotten and gone is in no figure made after (their data is gone).
        return {c: s for c, s in out.items() if s not in self.dead}

    def fresh(self, scope: str, period: str, contributions: dict[str, Slot]) -> Fresh:
        """A release as ``Releaser._new`` makes it: a forgotten person's side of a pair
        stored under its placeholder, but counted as them."""
        entries = {
            c: side_placeholder(s.side) if s.side and s.owner in self.forgotten else s.owner
            for c, s in contributions.items()
        }
        return Fresh(scope, period, entries, {c: s.owner for c, s in contributions.items()})

    def labels(self) -> tuple[str, str]:
        return self.rng.choice((ALL, *self.cohorts)), self.rng.choice(PERIODS)

    def make(self, scope: str, period: str) -> Fresh | None:
        """A figure of the program now (or a variant of an earlier one), if over 5 or
        more people."""
        if self.made and self.rng.random() < 0.2:
            contributions = self.variant(self.rng.choice(self.made))
        else:
            contributions = self.figure(scope, period)
        release = self.fresh(scope, period, contributions)
        if release.people < MIN_GROUP:
            return None
        self.made.append(contributions)
        return release

    # Storing, and /mentor forget.

    def store(self, release: Fresh, released_at: datetime) -> None:
        pairs = tuple(sorted((p, c) for c, p in release.entries.items()))
        self.stored.append(
            Stored(self.next_id, release.scope, release.period, released_at, release.people, pairs)
        )
        self.next_id += 1

    def forget(self, person: str, back: bool) -> None:
        """What ``bot.reporting.releases.forget`` does to the stored rows, then the person is back
        under their own ID or gone (their own contributions with them)."""
        sides = {s.name for s in self.slots if s.owner == person and s.side}
        stand_in: str | None = None
        renamed: dict[str, str] = {}
        for i, row in enumerate(self.stored):
            if not any(named == person for named, _ in row.pairs):
                continue
            entries: list[tuple[str, str]] = []
            for named, contribution in row.pairs:
                if named != person:
                    entries.append((named, contribution))
                elif contribution in sides:
                    side = next(s.side for s in self.slots if s.name == contribution)
                    entries.append((side_placeholder(side or ""), contribution))
                else:
                    if stand_in is None:
                        stand_in = f"{FORGOTTEN}{self.rng.getrandbits(48):012x}"
                    if contribution not in renamed:
                        renamed[contribution] = f"x{self.rng.getrandbits(48):012x}"
                    entries.append((stand_in, renamed[contribution]))
            # Written anew, under a new id (the old row deleted).
            pairs = tuple(sorted(entries))
            self.stored[i] = Stored(
                self.next_id, row.scope, row.period, row.released_at, row.people, pairs
            )
            self.next_id += 1
        self.forgotten.add(person)
        if not back:
            self.dead |= {s for s in self.slots if s.owner == person and not s.side}

    # The scenario.

    def plan(self) -> tuple[str, list[tuple[str, str]], tuple[str, str]]:
        """The labels of the earlier releases, and of the new one."""
        rng, roll = self.rng, self.roll
        cohorts = list(self.cohorts)
        rng.shuffle(cohorts)
        scope = rng.choice((ALL, *cohorts))
        month, other = rng.sample(MONTHS, 2)
        if roll < 0.2:
            return "cohorts, then the total", [(c, ALL) for c in cohorts], (ALL, ALL)
        if roll < 0.3:
            return "months, then all time", [(scope, m) for m in MONTHS], (scope, ALL)
        if roll < 0.4:
            earlier = [(ALL, ALL)] + [(c, ALL) for c in cohorts[:-1]]
            return "a total, then its cohorts", earlier, (cohorts[-1], ALL)
        if roll < 0.47:
            earlier = [(scope, ALL), (scope, month)]
            return "all time and a month, then the other", earlier, (scope, other)
        if roll < 0.57:
            same = (scope, rng.choice(PERIODS))
            return "the same figure again", [same] * rng.randint(1, 6), same
        return "random", [self.labels() for _ in range(rng.randint(1, 12))], self.labels()

    def build(self) -> Scenario | None:
        rng = self.rng
        plan, labels, last = self.plan()
        n = len(labels)
        pending = rng.randint(1, min(4, n)) if rng.random() < 0.3 else 0
        stored_n = n - pending  # releases committed before the last unit of work
        forgets: list[tuple[int, bool]] = []  # after how many releases, and back or not
        if rng.random() < FORGET_SHARE and stored_n >= 1:
            for _ in range(rng.choice((1, 1, 2, 3))):
                forgets.append((rng.randint(1, stored_n), rng.random() < 0.6))
            forgets.sort()
        between = rng.randint(1, stored_n) if rng.random() < 0.3 and stored_n >= 1 else None
        steady = plan != "random"
        checks: list[Check] = []
        forgot: list[str] = []
        in_unit: list[Fresh] = []
        clock = NOW - timedelta(days=n + 1)
        for i, (scope, period) in enumerate(labels):
            release = self.make(scope, period)
            if release is not None:
                if i < stored_n:
                    clock += timedelta(hours=1)
                    self.store(release, clock)
                else:
                    in_unit.append(release)
            if between == i + 1:  # a unit of work in between, which parses what is stored
                probe = self.make(*(last if rng.random() < 0.5 else self.labels()))
                if probe is not None:
                    clock += timedelta(hours=1)
                    checks.append(Check(tuple(self.stored), (), probe, clock))
            for after, back in forgets:
                if after == i + 1:
                    named = [p for row in self.stored for p, _ in row.pairs if p in self.people]
                    person = rng.choice(named or self.people)
                    self.forget(person, back)
                    forgot.append(f"{person} ({'back' if back else 'gone'})")
            if rng.random() < (0.2 if steady else 0.6):
                self.step()
        new: Fresh | None = None
        for attempt in range(20):
            new = self.make(*(last if attempt == 0 else self.labels()))
            if new is not None:
                break
        if new is None or not (self.stored or in_unit):
            return None  # no figure to compare with, or none of 5 or more people
        others = [self.make(*self.labels()) for _ in range(OTHERS)]
        also = tuple(other for other in others if other is not None)
        checks.append(Check(tuple(self.stored), tuple(in_unit), new, NOW, also))
        return Scenario(self.seed, self.kind, plan, forgot, checks)


def scenarios(seeds: range = range(SEEDS)) -> Iterator[Scenario]:
    """The scenarios of these seeds (a seed whose plan cannot be built makes none)."""
    for seed in seeds:
        scenario = Builder(seed).build()
        if scenario is not None:
            yield scenario


# --- running both ---------------------------------------------------------------------


def reference(check: Check) -> str | None:
    def stored(row: Stored) -> Ref:
        entries = {c: p for p, c in row.pairs}
        who = {c: None if p.startswith(FORGOTTEN_SIDE) else p for c, p in entries.items()}
        return Ref(row.period, entries, who)

    def fresh(release: Fresh) -> Ref:
        return Ref(release.period, dict(release.entries), dict(release.who))

    rows = sorted(check.stored, key=lambda row: (row.released_at, row.id))
    releases = [stored(row) for row in rows] + [fresh(r) for r in check.pending]
    return ref_singles_out(releases, fresh(check.new))


def questions(check: Check) -> list[Check]:
    """Each figure of a unit of work as a check of its own: those released in it in
    turn (each after the ones before it), the new one, then the others."""
    figures = [*check.pending, check.new]
    asked = [Check(check.stored, tuple(figures[:i]), f, check.now) for i, f in enumerate(figures)]
    return asked + [Check(check.stored, check.pending, f, check.now) for f in check.others]


def current_release(release: Fresh, now: datetime) -> Release:
    who: dict[str, str | None] = dict(release.who)
    return Release(release.scope, release.period, float(len(who)), dict(release.entries), who, now)


class Table:
    """``report_release`` in a real database, with ids never reused."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.ids: set[int] = set()
        self.bases: dict[int, int | None] = {}  # row id -> the row it builds on
        self.base = 0
        self.top = 0

    def start(self) -> None:
        """A new scenario: its ids come after every id used so far."""
        self.base = self.top + 100

    def sync(self, metric: str, check: Check) -> None:
        """Store the rows of ``check``: most of them, as the product does, as what changed
        since the row before of the same scope and period (a row built on one that the
        forget rewrote is written whole again)."""
        want = {self.base + row.id: row for row in check.stored}
        self.top = max([self.top, *want])
        with self.db.transaction() as session:
            gone = self.ids - want.keys()
            if gone:
                session.execute(delete(ReportRelease).where(col(ReportRelease.id).in_(gone)))
            for row_id in sorted(want.keys() & self.ids):
                if self.bases.get(row_id) in gone:
                    session.execute(
                        update(ReportRelease)
                        .where(col(ReportRelease.id) == row_id)
                        .values(
                            base_id=None, added=[list(p) for p in want[row_id].pairs], removed=[]
                        )
                    )
                    self.bases[row_id] = None
            for row_id in sorted(want.keys() - self.ids):
                self.bases[row_id] = self.add(session, metric, row_id, want)
        self.ids = set(want)

    def add(
        self, session: Session, metric: str, row_id: int, want: dict[int, Stored]
    ) -> int | None:
        """Insert a row, as a change of the latest earlier one of its chain if any (two
        rows in three); returns the id of the row it builds on."""
        row = want[row_id]
        earlier = [
            (other.released_at, other_id)
            for other_id, other in want.items()
            if (other.scope, other.period) == (row.scope, row.period)
            and (other.released_at, other_id) < (row.released_at, row_id)
            and (other_id in self.ids or other_id < row_id)
        ]
        added, removed, base = [list(p) for p in row.pairs], [], None
        if earlier and row_id % 3:
            base = max(earlier)[1]
            before = {c: p for p, c in want[base].pairs}
            entries = {c: p for p, c in row.pairs}
            added = sorted([p, c] for c, p in entries.items() if before.get(c) != p)
            removed = sorted([p, c] for c, p in before.items() if entries.get(c) != p)
        session.add(
            ReportRelease(
                id=row_id,
                metric=metric,
                scope=row.scope,
                period=row.period,
                value=float(len(row.pairs)),
                people=row.people,
                base_id=base,
                added=added,
                removed=removed,
                released_at=row.released_at,
            )
        )
        return base

    def decoy(self, check: Check) -> None:
        """A release of another metric that the new figure, compared, would fail against
        (one person less)."""
        entries = check.new.entries
        dropped = check.new.who[min(entries)]
        pairs = sorted([p, c] for c, p in entries.items() if check.new.who[c] != dropped)
        self.top += 1
        with self.db.transaction() as session:
            session.add(
                ReportRelease(
                    id=self.top,
                    metric=DECOY_METRIC,
                    scope=check.new.scope,
                    period=check.new.period,
                    value=float(len(pairs)),
                    people=check.new.people - 1,
                    added=pairs,
                    released_at=check.now - timedelta(minutes=1),
                )
            )
        self.ids.add(self.top)


def current(db: Database, metric: str, check: Check) -> list[bool]:
    """The verdicts of the code under test on each figure of a unit of work (see
    :func:`questions`): those it released checked, then added; the rest only checked.
    Rolled back at the end."""
    verdicts: list[bool] = []
    with db.transaction() as session:
        rules = Releaser(session, KEY, check.now)
        for release in check.pending:
            made = current_release(release, check.now)
            verdicts.append(rules._singles_out(metric, made))
            rules._add(metric, made, release.people)
        for figure in (check.new, *check.others):
            verdicts.append(rules._singles_out(metric, current_release(figure, check.now)))
        session.rollback()
    return verdicts


def describe(scenario: Scenario, index: int, check: Check) -> str:
    def people(entries: dict[str, str], who: dict[str, str] | None = None) -> str:
        by: dict[str, list[str]] = {}
        for c, p in entries.items():
            shown = p if who is None or who[c] == p else f"{p}={who[c]}"
            by.setdefault(shown, []).append(c)
        return "; ".join(f"{p}: {' '.join(sorted(cs))}" for p, cs in sorted(by.items()))

    lines = [
        f"seed {scenario.seed}: {scenario.kind} ({scenario.metric}), plan {scenario.plan!r}, "
        f"forget {scenario.forgets or 'none'}, check {index + 1} of {len(scenario.checks)}"
    ]
    for row in sorted(check.stored, key=lambda r: (r.released_at, r.id)):
        entries = {c: p for p, c in row.pairs}
        lines.append(f"  stored #{row.id} {row.scope}/{row.period}: {people(entries)}")
    for r in check.pending:
        lines.append(f"  same unit {r.scope}/{r.period}: {people(r.entries, r.who)}")
    new = check.new
    lines.append(f"  NEW {new.scope}/{new.period}: {people(new.entries, new.who)}")
    return "\n".join(lines).replace(f"@{scenario.seed}", "")  # the scenario's own hashes


@pytest.fixture
def sqlite_db(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    """A migrated SQLite database (a copy of the process's template)."""
    shutil.copyfile(_sqlite_template, tmp_path / "mentor.db")
    engine = make_engine(f"sqlite:///{tmp_path}/mentor.db")
    database = Database(engine)
    yield database
    database.dispose()


def chunk_of(chunk: int) -> Iterator[Scenario]:
    """The scenarios of one chunk: the :data:`CHUNKS`-th part of the seeds (built from
    its own seeds only, not by building every scenario before it)."""
    size = -(-SEEDS // CHUNKS)
    return scenarios(range(chunk * size, min((chunk + 1) * size, SEEDS)))


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_overlap_control_decides_as_the_original_rule(sqlite_db: Database, chunk: int) -> None:
    started = time.monotonic()
    table = Table(sqlite_db)
    checks = 0
    mismatches: list[str] = []
    for scenario in chunk_of(chunk):
        table.start()
        for index, check in enumerate(scenario.checks):
            table.sync(scenario.metric, check)
            if index == len(scenario.checks) - 1:
                table.decoy(check)
            got = current(sqlite_db, scenario.metric, check)
            for asked, verdict in zip(questions(check), got, strict=True):
                expected = reference(asked)
                checks += 1
                if verdict != (expected is not None):
                    mismatches.append(
                        f"current says {verdict}, the original rule {expected or 'nothing'}:\n"
                        + describe(scenario, index, asked)
                    )
    elapsed = time.monotonic() - started
    print(f"chunk {chunk}: {checks} checks in {elapsed:.1f} s")
    assert not mismatches, f"{len(mismatches)} mismatches; the first:\n{mismatches[0]}"


def test_the_scenarios_exercise_every_rule() -> None:
    """Not vacuous: over all scenarios, both verdicts, often, also after /mentor forget,
    and every rule (as the original rule decides, which the chunks hold the code to)."""
    verdicts: dict[tuple[bool, bool], int] = {}  # (forgotten, singles out) -> scenarios
    reasons: dict[str, int] = {}
    made = 0
    for scenario in scenarios():
        made += 1
        for check in scenario.checks:
            for asked in questions(check):
                expected = reference(asked)
                reasons[expected or "released"] = reasons.get(expected or "released", 0) + 1
        final = reference(scenario.checks[-1]) is not None
        verdicts[scenario.forgotten, final] = verdicts.get((scenario.forgotten, final), 0) + 1
    print(f"{made} scenarios: {verdicts}, {reasons}")
    assert made == SCENARIOS  # what the chunks check, between them
    held = sum(n for (_, out), n in verdicts.items() if out)
    assert 0.15 * SCENARIOS <= held <= 0.85 * SCENARIOS, verdicts
    assert verdicts.get((True, True), 0) >= 15 and verdicts.get((True, False), 0) >= 15, verdicts
    assert min(reasons.get(r, 0) for r in (DIFFERENCE, EARLIER_LESS, NEW_LESS)) >= 10, reasons
