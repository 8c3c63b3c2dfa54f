"""Aggregate figures for program admins: ``/mentor admin report`` and ``/mentor admin export``.

Only aggregates leave this module: counts, rates and averages, never a name, a Slack ID or
anything a person wrote (reflection and goal texts are not even read). Every figure is
computed from *contributions*: what one person adds to it, an item with its value (a
membership, one side of a pair or of a session, a reflection, a rating of 4 on a session,
a goal, a goal's progress of 3). Its *population* is the people behind them. A figure is
released under two rules:

1. A figure over fewer than :data:`MIN_GROUP` people reads "fewer than 5".
2. Overlap control. Each released figure is stored in ``report_release`` with its
   contributions, each as a pair of keyed hashes (an HMAC with a subkey of
   ``MENTOR_ENCRYPTION_KEY``): the person, and the item with its value. A new value is
   not released when, set against the earlier releases of the same metric, subtraction
   would tell something about 1 to 4 people:

   - the contributions that differ from an earlier release's (added, removed, or with
     another value) come from 1 to 4 people (a cohort of 6 today and of 5 tomorrow; the
     same 5 raters with one rating more; November's 10 sessions next to the 11 of all
     time, over the same people);
   - the contributions that are in none of the earlier releases inside it come from 1
     to 4 people (a total over cohorts X, Y and Z next to X and Z; all time next to the
     months shown, when a month read "fewer than 5");
   - an earlier release keeps contributions of 1 to 4 people outside this one and the
     other releases inside it.

   Instead the earlier value of the same metric, scope and period is shown as
   "unchanged since DATE" (it was true for the 5 or more people it was about), or,
   without one, "not shown". Comparisons cover every scope (other cohorts, the total,
   the other figures of the same report: cohorts are evaluated first, the total last)
   and comparable periods: the same month, or "all", which contains every month.

What the figures count (a *month* row of the export counts what happened in that month):

==================  ==========================================  ===========================
metric              all (the report)                            a month (the CSV)
==================  ==========================================  ===========================
mentors, mentees    enrolled now (active or paused)             joined in the month
pairs_proposed      waiting for both to say yes                 proposed in the month
pairs_active        active                                      became active in the month
pairs_ended         ended or declined                           ended in the month
sessions_held       past, not skipped, not reported as missed   started in the month
sessions_skipped    skipped, or reported as not held            started in the month
reflection_rate     reflections / (2 x sessions held), percent  sessions of the month
average_rating      of the ratings on sessions held             sessions of the month
goals_set           learning goals                              set in the month
goals_done          goals reached                               reached in the month
goal_progress       average progress (1-5) of rated goals       rated in the month
==================  ==========================================  ===========================

Contributions: a participant's membership; each side of each pair or session counted
(both sides of the sessions held, and each reflection on them, for the reflection rate);
each rating; each goal (with its progress, for the average). A pair keeps its people's
keyed hashes after ``/mentor forget``, so a forgotten person still counts in the pairs and
sessions they were part of.

``/mentor forget`` (:func:`forget`): in ``report_release``, the person's hash gives way to
a random placeholder (one per metric), and the hashes of their own contributions
(membership, reflections, ratings, goals) to random ones; each placeholder stands for one
person, so every stored figure keeps its size and its comparisons. Their sides of pairs
and sessions keep their contribution hashes (these tell no more than the pair and session
tables do) under a placeholder of the pair side, which later figures use too. Counting
the people behind changed contributions, a pair side's placeholder counts as nobody (the
person may be counted elsewhere), and a forgotten person's placeholder counts as one,
unless they may be back under their own ID as one of the people counted whom that release
does not name.
"""

from __future__ import annotations

import base64
import csv
import enum
import hashlib
import hmac
import io
import secrets
import sys
import threading
import typing
import weakref
from collections.abc import Callable, Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import fmean

from sqlalchemy import Text, cast, or_, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.context import Context
from storage import queries
from storage.models import (
    BestPractice,
    Cohort,
    Goal,
    MentoringSession,
    Pair,
    PairStatus,
    Participant,
    ParticipantStatus,
    Reflection,
    ReportRelease,
    SessionStatus,
)

MIN_GROUP = 5
"""The smallest number of people a released figure may be about."""

ALL = "all"
"""The scope of the total over every cohort, and the period of everything so far."""

FEWER = "fewer than 5"
"""What the CSV says for a figure over fewer than :data:`MIN_GROUP` people."""

NOT_SHOWN = "not shown"
"""What the CSV says for a figure held back by overlap control, with no earlier value."""

FORGOTTEN = "~"
"""How the random placeholder of a forgotten person in ``report_release`` begins."""

FORGOTTEN_SIDE = "+"
"""How the placeholder of a forgotten person's side of a pair begins."""

_HASH_CHARS = 32  # 128 bits of the HMAC: no collision among any workforce
_REPORT_LOCK = 727_300_000  # PostgreSQL advisory lock: one release at a time

COUNT, PERCENT, AVERAGE = "count", "percent", "average"


@dataclass(frozen=True)
class Metric:
    """One figure of the report: its key, how it is shown, and its CSV column."""

    key: str
    kind: str
    column: str


METRICS: tuple[Metric, ...] = (
    Metric("mentors", COUNT, "new_mentors"),
    Metric("mentees", COUNT, "new_mentees"),
    Metric("pairs_proposed", COUNT, "pairs_proposed"),
    Metric("pairs_active", COUNT, "pairs_activated"),
    Metric("pairs_ended", COUNT, "pairs_ended"),
    Metric("sessions_held", COUNT, "sessions_held"),
    Metric("sessions_skipped", COUNT, "sessions_skipped"),
    Metric("reflection_rate", PERCENT, "reflection_rate_percent"),
    Metric("average_rating", AVERAGE, "average_rating"),
    Metric("goals_set", COUNT, "goals_set"),
    Metric("goals_done", COUNT, "goals_done"),
    Metric("goal_progress", AVERAGE, "average_goal_progress"),
)
BY_KEY = {metric.key: metric for metric in METRICS}

PAIR_METRICS = ("pairs_proposed", "pairs_active", "pairs_ended")
"""The metrics that count sides of pairs (items :func:`pair_item`)."""

SESSION_METRICS = ("sessions_held", "sessions_skipped", "reflection_rate")
"""The metrics that count sides of sessions (items :func:`session_item`)."""


class UnknownCohort(LookupError):
    """No cohort has that name."""


# --- what a report shows --------------------------------------------------------------

VALUE, FEWER_THAN, UNCHANGED, WITHHELD = "value", "fewer", "unchanged", "withheld"


@dataclass(frozen=True)
class Contribution:
    """What one person adds to a figure.

    Attributes:
        person: The person's token (the keyed hash of their Slack ID the data holds).
        item: What is counted or averaged, with its value: ``member|TOKEN``,
            ``pair|PAIR|SIDE``, ``session|SESSION|SIDE``, ``reflection|SESSION|TOKEN``,
            ``rating|SESSION|TOKEN|4``, ``goal|GOAL|TOKEN`` or ``goal|GOAL|TOKEN|3``
            (side 0 is the mentor's, 1 the mentee's).
        side: ``PAIR|SIDE`` when the person used ``/mentor forget`` and this is their
            side of a pair or of one of its sessions.
    """

    person: str
    item: str
    side: str | None = None


def pair_item(pair_id: int, side: int) -> str:
    """The item of one side of a pair."""
    return f"pair|{pair_id}|{side}"


def session_item(session_id: int, side: int) -> str:
    """The item of one side of a session."""
    return f"session|{session_id}|{side}"


@dataclass(frozen=True)
class Figure:
    """A computed figure, before the release rules: its value and its contributions."""

    metric: str
    value: float
    contributions: frozenset[Contribution]

    @property
    def population(self) -> frozenset[str]:
        """The people the figure is about."""
        return frozenset(c.person for c in self.contributions)


@dataclass(frozen=True)
class Shown:
    """A figure as released.

    Attributes:
        metric: What it is.
        state: ``value`` (a new or confirmed value), ``fewer`` (under 5 people),
            ``unchanged`` (held back: ``value`` is the earlier release of ``since``) or
            ``withheld`` (held back, nothing earlier to show).
        value: The value shown, if any.
        trend: The change since the previous release of the same figure, if any.
        since: When the earlier value shown by ``unchanged`` was released.
    """

    metric: Metric
    state: str
    value: float | None = None
    trend: float | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class ScopeReport:
    """The figures of one cohort (``cohort`` is its name) or of all (``cohort`` None)."""

    cohort: str | None
    figures: list[Shown]


@dataclass(frozen=True)
class Report:
    """A report: when it was made, and the figures per cohort (the total last)."""

    made_at: datetime
    scopes: list[ScopeReport]


# --- the data the figures are computed from -------------------------------------------


@dataclass(frozen=True)
class _Member:
    token: str
    cohort_id: int
    role: str
    left: bool
    joined_at: datetime


@dataclass(frozen=True)
class _Pair:
    cohort_id: int
    tokens: tuple[str, str]
    status: str
    created_at: datetime
    activated_at: datetime | None
    ended_at: datetime | None
    # Per side: whether that person used /mentor forget (the pair lost their plain ID).
    forgotten: tuple[bool, bool] = (False, False)


@dataclass(frozen=True)
class _Session:
    id: int
    pair_id: int
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True)
class _Reflection:
    session_id: int
    token: str
    happened: bool
    rating: int | None


@dataclass(frozen=True)
class _Goal:
    id: int
    token: str
    cohort_id: int
    progress: int | None
    done: bool
    created_at: datetime
    updated_at: datetime


@dataclass
class Data:
    """Everything the figures need, with people as tokens (keyed hashes of their IDs)."""

    now: datetime
    members: list[_Member] = field(default_factory=list)
    pairs: dict[int, _Pair] = field(default_factory=dict)
    sessions: list[_Session] = field(default_factory=list)
    reflections: dict[int, list[_Reflection]] = field(default_factory=dict)
    goals: list[_Goal] = field(default_factory=list)
    # The participants' rows (id, joined) as read: a row gone by the time the figures are
    # released means a /mentor forget came between (see _forgotten_since).
    enrolled: set[tuple[int, datetime]] = field(default_factory=set)


def load(session: Session, token: Callable[[str], str], now: datetime) -> Data:
    """Read what the figures are computed from (never a reflection's or a goal's text).

    Args:
        session: The unit of work that reads them (see :func:`_released`).
        token: The keyed hash of a Slack ID (``Vault.user_key``).
        now: The time of the report.
    """
    data = Data(now=now)
    rows = session.execute(
        sa_select(
            col(Participant.id),
            col(Participant.user_id),
            col(Participant.cohort_id),
            col(Participant.role),
            col(Participant.status),
            col(Participant.joined_at),
        )
    )
    for participant_id, user_id, cohort_id, role, status, joined_at in rows:
        left = status == ParticipantStatus.LEFT.value
        data.members.append(_Member(token(user_id), cohort_id, role, left, joined_at))
        data.enrolled.add((participant_id, joined_at))
    rows = session.execute(
        sa_select(
            col(Pair.id),
            col(Pair.cohort_id),
            col(Pair.mentor_key),
            col(Pair.mentee_key),
            col(Pair.status),
            col(Pair.created_at),
            col(Pair.activated_at),
            col(Pair.ended_at),
            col(Pair.mentor_id).is_(None),
            col(Pair.mentee_id).is_(None),
        )
    )
    for pair_id, cohort_id, mentor, mentee, status, created, activated, ended, *gone in rows:
        data.pairs[pair_id] = _Pair(
            cohort_id,
            (mentor, mentee),
            status,
            created,
            activated,
            ended,
            (bool(gone[0]), bool(gone[1])),
        )
    rows = session.execute(
        sa_select(
            col(MentoringSession.id),
            col(MentoringSession.pair_id),
            col(MentoringSession.starts_at),
            col(MentoringSession.minutes),
            col(MentoringSession.status),
        )
    )
    for session_id, pair_id, starts_at, minutes, status in rows:
        ends_at = starts_at + timedelta(minutes=minutes)
        data.sessions.append(_Session(session_id, pair_id, starts_at, ends_at, status))
    rows = session.execute(
        sa_select(
            col(Reflection.session_id),
            col(Reflection.user_id),
            col(Reflection.happened),
            col(Reflection.rating),
        )
    )
    for session_id, user_id, happened, rating in rows:
        data.reflections.setdefault(session_id, []).append(
            _Reflection(session_id, token(user_id), happened, rating)
        )
    rows = session.execute(
        sa_select(
            col(Goal.id),
            col(Goal.user_id),
            col(Participant.cohort_id),
            col(Goal.progress),
            col(Goal.done),
            col(Goal.created_at),
            col(Goal.updated_at),
        ).join(Participant, col(Participant.user_id) == col(Goal.user_id))
    )
    for goal_id, user_id, cohort_id, progress, done, created, updated in rows:
        data.goals.append(
            _Goal(goal_id, token(user_id), cohort_id, progress, done, created, updated)
        )
    return data


# --- computing the figures ------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """``all`` (everything so far) or one calendar month (UTC), ``YYYY-MM``."""

    key: str
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        return cls(f"{year:04d}-{month:02d}", start, end)

    @property
    def is_month(self) -> bool:
        return self.start is not None

    def contains(self, moment: datetime | None) -> bool:
        """Whether ``moment`` falls in the period (``all`` contains every moment)."""
        if self.start is None or self.end is None:
            return moment is not None
        return moment is not None and self.start <= moment < self.end


EVERYTHING = Period(ALL)


def _count(metric: str, items: Iterable[Iterable[Contribution]]) -> Figure:
    """A count of ``items``, each given by its contributions (one per person)."""
    contributions: set[Contribution] = set()
    number = 0
    for item in items:
        number += 1
        contributions.update(item)
    return Figure(metric, float(number), frozenset(contributions))


def _average(metric: str, values: list[tuple[Contribution, int]]) -> Figure:
    """The mean of ``values`` (contribution, value); 0 when there are none."""
    mean = fmean(v for _, v in values) if values else 0.0
    return Figure(metric, mean, frozenset(c for c, _ in values))


def compute(data: Data, cohort_ids: frozenset[int] | None, period: Period) -> list[Figure]:
    """Every figure of :data:`METRICS` for some cohorts (None: all) and a period."""

    def in_scope(cohort_id: int) -> bool:
        return cohort_ids is None or cohort_id in cohort_ids

    def sides(pair_id: int, item: Callable[[int], str]) -> list[Contribution]:
        pair = data.pairs[pair_id]
        return [
            Contribution(token, item(side), f"{pair_id}|{side}" if pair.forgotten[side] else None)
            for side, token in enumerate(pair.tokens)
        ]

    def of_pair(pair_id: int) -> list[Contribution]:
        return sides(pair_id, lambda side: pair_item(pair_id, side))

    def of_session(meeting: _Session) -> list[Contribution]:
        return sides(meeting.pair_id, lambda side: session_item(meeting.id, side))

    members = [m for m in data.members if in_scope(m.cohort_id)]
    if period.is_month:
        members = [m for m in members if period.contains(m.joined_at)]
    else:
        members = [m for m in members if not m.left]

    pairs = {
        pair_id: pair
        for pair_id, pair in data.pairs.items()
        if in_scope(pair.cohort_id) and pair.status != PairStatus.CANCELLED.value
    }
    finished = (PairStatus.ENDED.value, PairStatus.DECLINED.value)
    if period.is_month:
        proposed = [i for i, p in pairs.items() if period.contains(p.created_at)]
        active = [i for i, p in pairs.items() if period.contains(p.activated_at)]
        ended = [
            i for i, p in pairs.items() if p.status in finished and period.contains(p.ended_at)
        ]
    else:
        proposed = [i for i, p in pairs.items() if p.status == PairStatus.PROPOSED.value]
        active = [i for i, p in pairs.items() if p.status == PairStatus.ACTIVE.value]
        ended = [i for i, p in pairs.items() if p.status in finished]

    held: list[_Session] = []
    skipped: list[_Session] = []
    for meeting in data.sessions:
        if meeting.pair_id not in pairs or not period.contains(meeting.starts_at):
            continue
        state = _session_state(meeting, data.reflections.get(meeting.id, []), data.now)
        if state == "held":
            held.append(meeting)
        elif state == "skipped":
            skipped.append(meeting)
    written = [r for m in held for r in data.reflections.get(m.id, [])]
    rate = 100.0 * len(written) / (2 * len(held)) if held else 0.0
    rate_parts = {c for m in held for c in of_session(m)}
    rate_parts.update(
        Contribution(r.token, f"reflection|{r.session_id}|{r.token}") for r in written
    )
    ratings = [
        (Contribution(r.token, f"rating|{r.session_id}|{r.token}|{r.rating}"), r.rating)
        for r in written
        if r.rating is not None
    ]

    goals = [g for g in data.goals if in_scope(g.cohort_id)]
    if period.is_month:
        goals_set = [g for g in goals if period.contains(g.created_at)]
        goals_done = [g for g in goals if g.done and period.contains(g.updated_at)]
        rated = [g for g in goals if g.progress is not None and period.contains(g.updated_at)]
    else:
        goals_set = goals
        goals_done = [g for g in goals if g.done]
        rated = [g for g in goals if g.progress is not None]

    def goal(g: _Goal, *value: int) -> Contribution:
        return Contribution(g.token, "|".join(["goal", str(g.id), g.token, *map(str, value)]))

    def member(m: _Member) -> list[Contribution]:
        return [Contribution(m.token, f"member|{m.token}")]

    return [
        _count("mentors", (member(m) for m in members if m.role == "mentor")),
        _count("mentees", (member(m) for m in members if m.role == "mentee")),
        _count("pairs_proposed", (of_pair(i) for i in proposed)),
        _count("pairs_active", (of_pair(i) for i in active)),
        _count("pairs_ended", (of_pair(i) for i in ended)),
        _count("sessions_held", (of_session(m) for m in held)),
        _count("sessions_skipped", (of_session(m) for m in skipped)),
        Figure("reflection_rate", rate, frozenset(rate_parts)),
        _average("average_rating", ratings),
        _count("goals_set", ([goal(g)] for g in goals_set)),
        _count("goals_done", ([goal(g)] for g in goals_done)),
        _average("goal_progress", [(goal(g, g.progress or 0), g.progress or 0) for g in rated]),
    ]


def _session_state(meeting: _Session, said: list[_Reflection], now: datetime) -> str | None:
    """``held``, ``skipped``, or None (still to come, or cancelled with its pair)."""
    if meeting.status == SessionStatus.SKIPPED.value:
        return "skipped"
    if meeting.status != SessionStatus.SCHEDULED.value or meeting.ends_at > now:
        return None
    if said and not any(r.happened for r in said):
        return "skipped"  # everyone who reflected on it said it did not take place
    return "held"


def rounded(metric: Metric, value: float) -> float:
    """The value as shown: whole counts and percentages, averages to one decimal (halves
    round up, as people expect: 4.25 is 4.3)."""
    step = Decimal("0.1") if metric.kind == AVERAGE else Decimal("1")
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


# --- releasing figures: overlap control -----------------------------------------------


def population_key(encryption_key: str) -> bytes:
    """The HMAC key for ``report_release``: a subkey of ``MENTOR_ENCRYPTION_KEY`` of its
    own, so these hashes cannot be matched with pair history or anything else."""
    raw = base64.urlsafe_b64decode(encryption_key.encode("ascii"))
    return hmac.new(raw, b"mentor-bot/report-population/v1", hashlib.sha256).digest()


def _hmac(key: bytes, message: str, chars: int = _HASH_CHARS) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:chars]


def person_hash(key: bytes, token: str) -> str:
    """How ``report_release`` names a person (``token``: the keyed hash of their ID)."""
    return _hmac(key, token)


def side_placeholder(key: bytes, side: str) -> str:
    """How ``report_release`` names a forgotten person's side of a pair (``PAIR|SIDE``)."""
    return FORGOTTEN_SIDE + _hmac(key, f"side|{side}", _HASH_CHARS - 1)


def contribution_hash(key: bytes, metric: str, item: str) -> str:
    """How ``report_release`` names a contribution (:attr:`Contribution.item`) to a
    figure of ``metric``."""
    return _hmac(key, f"{metric}|{item}")


def author_hash(key: bytes, token: str) -> str:
    """How ``best_practice`` names the author of a shared learning (``key``:
    :func:`population_key`; ``token``: the keyed hash of their ID), so that the playbook
    can count the people behind a group of learnings. A hash of its own: it matches
    neither pair history nor the people of ``report_release``."""
    return _hmac(key, f"author|{token}")


def _lock(session: Session) -> None:
    """Serialise releases and :func:`forget` (SQLite has one writer at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REPORT_LOCK})


def _comparable(period: str, other: str) -> bool:
    """Whether figures of two periods can be set against each other: the same month, or
    everything so far (which contains every month)."""
    return period == other or ALL in (period, other)


@dataclass(eq=False)
class _Release:
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
    cover: _Cover | None = None
    grows: tuple[_Release, bool] | None = None

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
    def of_row(cls, row: ReportRelease, owner: dict[str, str] | None = None) -> _Release:
        """The release of a stored row.

        With ``owner`` (contribution hash -> person hash, shared by the releases of a
        :class:`_Store`), a release that names nobody forgotten keeps no mapping of its
        own but that one: there a contribution hash always stands for the same person.
        """
        entries = {sys.intern(c): sys.intern(p) for p, c in row.contributions}
        who = typing.cast(dict[str, str | None], entries)  # the same mapping, mostly
        if any(p.startswith(FORGOTTEN_SIDE) for p in entries.values()):
            who = {c: None if p.startswith(FORGOTTEN_SIDE) else p for c, p in entries.items()}
        release = cls(row.scope, row.period, row.value, entries, who, row.released_at, row.id)
        if owner is None or not release.plain:
            return release
        if all(owner.setdefault(c, p) == p for c, p in entries.items()):
            release.entries = owner
            release.who = typing.cast(dict[str, str | None], owner)
        return release


@dataclass(eq=False)
class _Cover:
    """What the other releases inside a release leave uncovered of it, and those of
    them that it lacks some contributions of, each with those (see :func:`_inside`)."""

    uncovered: set[str]
    partly: list[tuple[_Release, AbstractSet[str]]] = field(default_factory=list)

    def add(self, outer: _Release, other: _Release) -> None:
        """Count ``other`` in if it is inside ``outer`` (and over a comparable period)."""
        if other is outer or not _comparable(other.period, outer.period):
            return
        missing = _inside(other, outer)
        if missing is None:
            return
        self.uncovered = _without(self.uncovered, other.keys)
        if missing:
            self.partly.append((other, missing))


def _without(target: set[str], keys: AbstractSet[str]) -> set[str]:
    """``target`` less ``keys``, at the cost of the smaller of the two."""
    if len(target) <= len(keys):
        return target - keys  # goes through target
    target.difference_update(keys)  # goes through keys
    return target


def _inside(
    inner: _Release, outer: _Release, missing: AbstractSet[str] | None = None
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


def _changed_people(
    parts: Iterable[tuple[_Release, Collection[str]]], enough: int = MIN_GROUP
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
    holders: list[_Release] = []
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


def _few(parts: Iterable[tuple[_Release, Collection[str]]]) -> bool:
    """Whether a subtraction over these contributions might concern 1 to 4 people."""
    people = _changed_people(parts)
    return people is not None and people < MIN_GROUP


STORE_IDLE = 600.0
"""Seconds a process keeps the parsed releases of a database after its last report."""


class _Store:
    """The committed releases of one database, parsed once per process.

    Every unit of work reads which rows there are (their ids only) and parses just the
    rows it has not seen; ``forget`` writes a person's rows anew, under new ids, so a
    changed row is never mistaken for a known one. What a unit of work adds stays out of
    here until it is committed (the next unit of work reads it as a new row).

    After :data:`STORE_IDLE` seconds unused, the parsed releases are dropped.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # One report or export of this process at a time computes its figures (see
        # _released), so the parsed releases are never newer than the view of the table
        # of the unit of work reading them (a forget meanwhile only drops them).
        self.computing = threading.Lock()
        self.metrics: dict[str, dict[int, _Release]] = {}
        self.ordered: dict[str, list[_Release]] = {}
        self.owner: dict[str, str] = {}  # see _Release.of_row
        self._timer: threading.Timer | None = None

    def releases(self, session: Session, metric: str) -> list[_Release]:
        """The committed releases of ``metric``, oldest first, as of ``session``."""
        with self.lock:
            self._touch()
            query = sa_select(col(ReportRelease.id)).where(col(ReportRelease.metric) == metric)
            ids = set(session.execute(query).scalars())
            kept = self.metrics.setdefault(metric, {})
            gone = kept.keys() - ids
            if gone:  # a forget elsewhere: read everything anew, keeping no trace
                self._drop()
                kept = self.metrics.setdefault(metric, {})
            fresh = ids - kept.keys()
            if fresh:
                for new in self._read(session, metric, fresh, everything=not kept):
                    for outer in kept.values():
                        if outer.cover is not None:
                            outer.cover.add(outer, new)
                    kept[typing.cast(int, new.id)] = new
            if fresh or metric not in self.ordered:
                self.ordered[metric] = sorted(
                    kept.values(), key=lambda r: (r.released_at, r.id or 0)
                )
            return self.ordered[metric]

    def _read(
        self, session: Session, metric: str, ids: set[int], *, everything: bool
    ) -> list[_Release]:
        query = select(ReportRelease).where(ReportRelease.metric == metric)
        if everything:
            return [_Release.of_row(row, self.owner) for row in session.exec(query)]
        wanted = sorted(ids)
        read: list[_Release] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = session.exec(query.where(col(ReportRelease.id).in_(chunk)))
            read += [_Release.of_row(row, self.owner) for row in rows]
        return read

    def _touch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(STORE_IDLE, self.clear)
        self._timer.daemon = True
        self._timer.start()

    def clear(self) -> None:
        """Drop the parsed releases (the next report reads them again)."""
        with self.lock:
            self._drop()

    def _drop(self) -> None:
        # New objects, not emptied ones: a unit of work may still use the old ones.
        self.metrics = {}
        self.ordered = {}
        self.owner = {}


_STORES: weakref.WeakKeyDictionary[object, _Store] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def _store(session: Session) -> _Store:
    engine = session.get_bind()
    return _store_of(getattr(engine, "engine", engine))  # a connection's engine


def _store_of(engine: object) -> _Store:
    with _STORES_LOCK:
        if engine not in _STORES:
            _STORES[engine] = _Store()
        return _STORES[engine]


class _Verdict(enum.Enum):
    """An earlier release set against a new one (see :meth:`Releaser._against_plain`)."""

    NOTHING = "nothing"  # no subtraction of the two singles anyone out
    SINGLES_OUT = "singles out"  # one does
    INSIDE = "inside"  # the earlier one is inside the new one, with the same contributions
    BELOW = "below"  # inside, and 5 or more people are behind what the new one adds


class Releaser:
    """Releases figures in one unit of work.

    A new value is held back when, against the earlier releases of the same metric over
    a comparable period (see :func:`_comparable`), 1 to 4 people would be singled out:

    - by the difference of two figures: the contributions in one and not the other
      (added, removed, or with another value);
    - by the figure minus the earlier figures inside it (a total over cohorts X, Y and Z
      minus X and Z is Z's figure; all time minus the months shown is the month not
      shown);
    - by an earlier figure minus this one and the other figures inside it.

    Args:
        session: The unit of work; what it releases is seen by later calls and, with
            ``write``, added to it.
        key: :func:`population_key`.
        now: The release time.
        write: False to only decide, in a unit of work that reads: the releases are
            kept in :attr:`rows` for a later one to write (see :func:`_released`), which
            checks that the releases it was decided against are still all there are.
            True: the unit of work writes them, holding the report lock, so that two
            admins asking at once cannot both release figures the other's release would
            have held back, nor a release come between a forget and its figures.
    """

    def __init__(self, session: Session, key: bytes, now: datetime, *, write: bool = True) -> None:
        self.session = session
        self.key = key
        self.now = now
        self.write = write
        self.rows: list[ReportRelease] = []
        self._releases: dict[str, list[_Release]] = {}
        self._stored: dict[str, list[_Release]] = {}
        self._overlay: dict[int, tuple[_Cover, int]] = {}
        self._people: dict[str, str] = {}
        if write:
            _lock(session)
        self._store = _store(session)

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

    def _new(self, scope: str, period: str, metric: str, figure: Figure, value: float) -> _Release:
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
        return _Release(scope, period, value, entries, who, self.now)

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

    def _of(self, metric: str) -> list[_Release]:
        """Every release of ``metric``, oldest first: the committed ones (see
        :class:`_Store`), then those of this unit of work."""
        if metric not in self._releases:
            self._releases[metric] = list(self._committed(metric))
        return self._releases[metric]

    def _committed(self, metric: str) -> list[_Release]:
        if metric not in self._stored:
            self._stored[metric] = self._store.releases(self.session, metric)
        return self._stored[metric]

    def _latest(self, metric: str, scope: str, period: str) -> _Release | None:
        for release in reversed(self._of(metric)):
            if release.scope == scope and release.period == period:
                return release
        return None

    def _cover(self, metric: str, outer: _Release) -> _Cover:
        """What the other releases inside ``outer`` leave of it (see :class:`_Cover`).

        Computed once per release. A committed release's own cover counts committed
        releases only (it is kept in the :class:`_Store`); those of this unit of work
        are counted in here, apart.
        """
        if outer.cover is None:
            outer.cover = _Cover(set(outer.keys))
            earlier = self._committed(metric) if outer.id is not None else self._of(metric)
            for other in earlier:
                outer.cover.add(outer, other)
        if outer.id is None:  # kept up to date by _add
            return outer.cover
        pending = self._of(metric)[len(self._committed(metric)) :]
        kept: tuple[_Cover | None, int] = self._overlay.get(id(outer), (None, 0))
        cover, seen = kept
        if cover is None or seen < len(pending):
            if cover is None:
                cover = _Cover(set(outer.cover.uncovered), list(outer.cover.partly))
            for other in pending[seen:]:
                cover.add(outer, other)
            self._overlay[id(outer)] = (cover, len(pending))
        return cover

    @staticmethod
    def _grows(earlier: _Release, later: _Release) -> bool:
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

    def _singles_out(self, metric: str, new: _Release) -> bool:
        inside: list[tuple[_Release, AbstractSet[str]]] = []
        # Per scope and period: the release after this one (they are read newest
        # first), and whether it is inside the new one with 5 or more people added.
        # Then so is every release before it that it grew from, no closer: set against
        # the new one, they tell nothing it does not.
        after: dict[tuple[str, str], _Release] = {}
        shadow: dict[tuple[str, str], bool] = {}
        for earlier in reversed(self._of(metric)):
            if not _comparable(earlier.period, new.period):
                continue
            chain = (earlier.scope, earlier.period)
            later = after.get(chain)
            after[chain] = earlier
            if shadow.get(chain) and later is not None and self._grows(earlier, later):
                continue
            shadow[chain] = False
            if earlier.plain and new.plain:
                verdict = self._against_plain(metric, new, earlier)
                if verdict is _Verdict.SINGLES_OUT:
                    return True
                if verdict in (_Verdict.INSIDE, _Verdict.BELOW):
                    inside.append((earlier, frozenset()))
                    shadow[chain] = verdict is _Verdict.BELOW
                continue
            gone = earlier.keys - new.keys
            added = new.keys - earlier.keys
            if _few([(earlier, gone), (new, added)]):
                return True  # the difference of the two
            missing = _inside(earlier, new, gone)
            if missing is not None:
                inside.append((earlier, missing))
                continue
            extra = _inside(new, earlier, added)
            if extra is not None and self._less(metric, earlier, new, extra):
                return True
        # This one, less the earlier ones inside it (the largest first: what is left of
        # this one shrinks fastest).
        rest = set(new.keys)
        for earlier, _ in sorted(inside, key=lambda part: -len(part[0].keys)):
            if not rest:
                break
            rest = _without(rest, earlier.keys)
        return _few([(new, rest), *((earlier, gone) for earlier, gone in inside if gone)])

    def _against_plain(self, metric: str, new: _Release, earlier: _Release) -> _Verdict:
        """The checks of :meth:`_singles_out` against an earlier release that names
        nobody forgotten.

        Contribution hashes then stand for the same people in both, so people alone
        settle most comparisons: whoever is in one and not the other is behind some
        change, and only a release over no one else can be inside another.
        """
        if earlier.live.isdisjoint(new.live):
            return _Verdict.NOTHING  # nothing in common: each of 5 or more people differs
        if abs(len(new.live) - len(earlier.live)) < MIN_GROUP:
            gone = earlier.keys - new.keys
            added = new.keys - earlier.keys
            if _few([(earlier, gone), (new, added)]):
                return _Verdict.SINGLES_OUT  # the difference of the two
            if not gone:  # inside the new one
                return _Verdict.BELOW if added else _Verdict.INSIDE
            if not added and self._less(metric, earlier, new, frozenset()):
                return _Verdict.SINGLES_OUT  # the new one is inside it
            return _Verdict.NOTHING
        # 5 or more people in one and not the other: at most one is inside the other,
        # the one with fewer people, if it names no one the other does not.
        if len(earlier.live) < len(new.live):
            if earlier.live <= new.live and earlier.keys <= new.keys:
                return _Verdict.BELOW
            return _Verdict.NOTHING
        inside = new.live <= earlier.live and new.keys <= earlier.keys  # the new one
        if inside and self._less(metric, earlier, new, frozenset()):
            return _Verdict.SINGLES_OUT
        return _Verdict.NOTHING

    def _less(self, metric: str, earlier: _Release, new: _Release, extra: AbstractSet[str]) -> bool:
        """Whether ``earlier`` less ``new`` (inside it, but for ``extra``) and the other
        releases inside it singles people out."""
        cover = self._cover(metric, earlier)
        rest = cover.uncovered - new.keys
        return _few([(earlier, rest), (new, extra), *cover.partly])

    def _add(self, metric: str, new: _Release, people: int) -> None:
        releases = self._of(metric)
        for outer in releases[len(self._committed(metric)) :]:  # see _cover for the others
            if outer.cover is not None:
                outer.cover.add(outer, new)
        releases.append(new)
        row = ReportRelease(
            metric=metric,
            scope=new.scope,
            period=new.period,
            value=new.value,
            people=people,
            contributions=sorted([p, c] for c, p in new.entries.items()),
            released_at=new.released_at,
        )
        self.rows.append(row)
        if self.write:
            self.session.add(row)


def forget(session: Session, key: bytes, token: str) -> int:
    """Replace a person's hashes in ``report_release`` and ``best_practice``
    (``/mentor forget``).

    Their contributions to pairs and sessions keep their hash, under the placeholder of
    their side of the pair (later figures name them the same way). Every other
    contribution of theirs gets a random hash, and they a random placeholder per metric;
    a hash that appears in several releases gets the same replacement in each, so the
    releases still compare as before and every figure keeps its size.

    Args:
        session: The unit of work of the forget.
        key: :func:`population_key`.
        token: The keyed hash of the person's Slack ID (``Vault.user_key``).

    Returns:
        How many releases named the person.
    """
    _lock(session)
    # Their shared learnings stay in the playbook, under a random placeholder: still one
    # person when the playbook counts the people behind a group, but nobody's hash.
    session.execute(
        update(BestPractice)
        .where(col(BestPractice.author) == author_hash(key, token))
        .values(author=FORGOTTEN + secrets.token_hex(16)[1:])
    )
    person = person_hash(key, token)
    contributions = cast(col(ReportRelease.contributions), Text)
    rows = session.exec(select(ReportRelease).where(contributions.contains(person))).all()
    if not rows:
        return 0
    sides = _sides_of(session, key, token)
    stand_ins: dict[str, str] = {}  # metric -> the person's placeholder
    renamed: dict[str, str] = {}  # contribution hash -> its random replacement
    stale: list[ReportRelease] = []
    changed = 0
    for row in rows:
        if not any(named == person for named, _ in row.contributions):
            continue
        entries = []
        for named, contribution in row.contributions:
            if named != person:
                entries.append([named, contribution])
            elif contribution in sides:
                entries.append([sides[contribution], contribution])
            else:
                if row.metric not in stand_ins:
                    stand_ins[row.metric] = FORGOTTEN + secrets.token_hex(16)[1:]
                if contribution not in renamed:
                    renamed[contribution] = secrets.token_hex(16)
                entries.append([stand_ins[row.metric], renamed[contribution]])
        stale.append(row)
        session.add(
            ReportRelease(
                metric=row.metric,
                scope=row.scope,
                period=row.period,
                value=row.value,
                people=row.people,
                contributions=sorted(entries),
                released_at=row.released_at,
            )
        )
        changed += 1
    # Written anew, under new ids, so that a process that parsed a row before reads it
    # again (see _Store). The new rows go in first: SQLite gives a row the highest id
    # plus one, which must never be the id of one deleted.
    session.flush()
    for row in stale:
        session.delete(row)
    # Nor does this process keep the person's hash in the releases it parsed.
    _store(session).clear()
    return changed


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


# --- the report and the export --------------------------------------------------------


def find_cohorts(ctx: Context, name: str | None) -> list[Cohort]:
    """The cohort called ``name`` (open or closed), or every cohort, oldest first.

    Raises:
        UnknownCohort: No cohort is called ``name``.
    """
    with ctx.db.transaction(write=False) as session:
        if name is None:
            return list(session.exec(select(Cohort).order_by(col(Cohort.id))))
        cohort = queries.cohort_by_name(session, name)
        if cohort is None:
            raise UnknownCohort(name)
        return [cohort]


@dataclass(frozen=True)
class _Step:
    """The figures of one scope and period, in the order they are released."""

    scope: str
    period: str
    figures: list[Figure]
    label: typing.Any = None  # what the caller knows the step by


def _released(
    ctx: Context, now: datetime, plan: Callable[[Data], list[_Step]]
) -> list[tuple[_Step, list[Shown]]]:
    """Compute the figures of ``plan`` and release them: each step with what it shows.

    The figures are computed, and set against the earlier releases, in a unit of work
    that only reads (on SQLite it holds no lock, so commands go on writing meanwhile).
    A short one then writes the releases, holding the report lock, after checking that
    what they were decided on still holds:

    - the releases of each metric are still those the decisions were set against; for a
      metric with others (another report released meanwhile, or a forget rewrote its
      rows) its figures are decided again, against what is there now;
    - nobody in the data has used ``/mentor forget`` meanwhile (their hash must not be
      stored again): then everything is read, computed and decided again, under the
      lock.
    """
    key = population_key(ctx.settings.encryption_key.get_secret_value())
    with _store_of(ctx.db.engine).computing:
        with ctx.db.transaction(write=False) as session:
            data = load(session, ctx.vault.user_key, now)
            steps = plan(data)
            releaser = Releaser(session, key, now, write=False)
            shown = [[releaser.release(s.scope, s.period, f) for f in s.figures] for s in steps]
        with ctx.db.transaction() as session:
            _lock(session)
            if _forgotten_since(session, data):
                data = load(session, ctx.vault.user_key, now)
                steps = plan(data)
                again = Releaser(session, key, now)
                shown = [[again.release(s.scope, s.period, f) for f in s.figures] for s in steps]
                return list(zip(steps, shown, strict=True))
            changed = _changed_since(session, releaser.seen())
            if changed:
                again = Releaser(session, key, now)
                for step, figures in zip(steps, shown, strict=True):
                    for index, figure in enumerate(step.figures):
                        if figure.metric in changed:
                            figures[index] = again.release(step.scope, step.period, figure)
            session.add_all([row for row in releaser.rows if row.metric not in changed])
    return list(zip(steps, shown, strict=True))


def _forgotten_since(session: Session, data: Data) -> bool:
    """Whether someone in ``data`` has used ``/mentor forget`` since it was read: their
    participant row is gone, or a side of a pair lost its ID."""
    rows = session.execute(sa_select(col(Participant.id), col(Participant.joined_at)))
    if not data.enrolled <= {(participant_id, joined) for participant_id, joined in rows}:
        return True
    rows = session.execute(
        sa_select(col(Pair.id), col(Pair.mentor_id).is_(None), col(Pair.mentee_id).is_(None)).where(
            or_(col(Pair.mentor_id).is_(None), col(Pair.mentee_id).is_(None))
        )
    )
    for pair_id, *gone in rows:
        pair = data.pairs.get(pair_id)
        if pair is not None and any(g and not f for g, f in zip(gone, pair.forgotten, strict=True)):
            return True
    return False


def _changed_since(session: Session, seen: dict[str, frozenset[int]]) -> set[str]:
    """The metrics whose releases are no longer those of ``seen`` (:meth:`Releaser.seen`)."""
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


def make_report(ctx: Context, cohorts: list[Cohort], *, total: bool) -> Report:
    """The figures of everything so far for each cohort, then (``total``) for all."""
    now = ctx.clock()

    def plan(data: Data) -> list[_Step]:
        steps = [
            _Step(str(c.id), ALL, compute(data, frozenset({c.id or 0}), EVERYTHING), c.name)
            for c in cohorts
        ]
        if total:
            steps.append(_Step(ALL, ALL, compute(data, None, EVERYTHING)))
        return steps

    scopes = [ScopeReport(step.label, shown) for step, shown in _released(ctx, now, plan)]
    return Report(made_at=now, scopes=scopes)


def months_of(data: Data, cohort: Cohort) -> list[Period]:
    """The months from the cohort's first activity up to the current one."""
    cohort_id = cohort.id or 0
    moments = [m.joined_at for m in data.members if m.cohort_id == cohort_id]
    moments += [p.created_at for p in data.pairs.values() if p.cohort_id == cohort_id]
    moments += [g.created_at for g in data.goals if g.cohort_id == cohort_id]
    moments += [
        s.starts_at
        for s in data.sessions
        if (pair := data.pairs.get(s.pair_id)) is not None and pair.cohort_id == cohort_id
    ]
    moments.append(cohort.created_at)
    past = [moment for moment in moments if moment <= data.now]
    first = min(past) if past else data.now
    year, month = first.year, first.month
    periods = []
    while (year, month) <= (data.now.year, data.now.month):
        periods.append(Period.month(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


CSV_HEADER = ["cohort", "month", *(metric.column for metric in METRICS), "notes"]


def make_csv(ctx: Context, cohorts: list[Cohort]) -> bytes:
    """The figures per cohort and month as CSV (UTF-8), one row per cohort and month.

    A figure over fewer than 5 people reads ``fewer than 5``; one held back by overlap
    control shows its earlier value (the ``notes`` column says since when) or
    ``not shown``.
    """
    now = ctx.clock()

    def plan(data: Data) -> list[_Step]:
        order = [(period, cohort) for cohort in cohorts for period in months_of(data, cohort)]
        order.sort(key=lambda item: (item[0].key, item[1].id or 0))  # oldest month first
        return [
            _Step(
                str(cohort.id),
                period.key,
                compute(data, frozenset({cohort.id or 0}), period),
                cohort,
            )
            for period, cohort in order
        ]

    rows: dict[tuple[int, str], list[str]] = {}
    for step, shown in _released(ctx, now, plan):
        cohort = step.label
        rows[(cohort.id or 0, step.period)] = [cohort.name, step.period, *_csv_cells(shown)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for cohort in cohorts:
        for key in sorted(k for k in rows if k[0] == (cohort.id or 0)):
            writer.writerow(rows[key])
    return out.getvalue().encode("utf-8")


def csv_number(metric: Metric, value: float) -> str:
    """A value for the CSV: whole numbers without a decimal point, averages with one."""
    return f"{value:.1f}" if metric.kind == AVERAGE else str(int(value))


def _csv_cells(shown: list[Shown]) -> list[str]:
    cells: list[str] = []
    notes: list[str] = []
    for figure in shown:
        if figure.state == FEWER_THAN or figure.value is None:
            cells.append(FEWER if figure.state == FEWER_THAN else NOT_SHOWN)
            continue
        cells.append(csv_number(figure.metric, figure.value))
        if figure.state == UNCHANGED and figure.since is not None:
            since = figure.since.date().isoformat()
            notes.append(f"{figure.metric.column} unchanged since {since}")
    return [*cells, "; ".join(notes)]
