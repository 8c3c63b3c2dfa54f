"""Aggregate figures for program admins: ``/mentor admin report`` and ``/mentor admin export``.

Only aggregates leave this module: counts, rates and averages, never a name, a Slack ID or
anything a person wrote (reflection and goal texts are not even read). Every figure is
computed over a *population*, the people it counts or averages, and is released under two
rules:

1. A figure over fewer than :data:`MIN_GROUP` people reads "fewer than 5".
2. Overlap control. Each released figure is stored in ``report_release`` with its
   population, as keyed hashes of the people (an HMAC with a subkey of
   ``MENTOR_ENCRYPTION_KEY``), never their IDs. A new figure is not released when,
   set against the earlier releases of the same metric, subtraction would tell
   something about 1 to 4 people: its population differs from an earlier one by 1 to 4
   people (a cohort of 6 today and of 5 tomorrow; a total over cohorts X and Y next to
   X alone), or 1 to 4 of its people are in no earlier figure inside it (a total over
   X, Y and Z next to X and Z), or an earlier figure keeps 1 to 4 people outside this
   one and the other figures inside it. Instead the earlier value of the same metric,
   scope and period is shown as "unchanged since DATE" (it was true for the 5 or more
   people it was about), or, without one, "not shown". Comparisons cover every scope
   (other cohorts, the total, the other figures of the same report: cohorts are
   evaluated first, the total last) and the same period, where the period "all"
   contains, and so is compared with, every month.

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

Populations: the participants counted; both people of each pair or session counted; the
pairs of the sessions held (reflection rate); the people who rated (average rating); the
owners of the goals counted. A pair keeps its people's keyed hashes after ``/mentor
forget``, so a forgotten person still counts in the pairs and sessions they were part of.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import fmean

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import Session, col, select

from bot.context import Context
from storage import queries
from storage.models import (
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


class UnknownCohort(LookupError):
    """No cohort has that name."""


# --- what a report shows --------------------------------------------------------------

VALUE, FEWER_THAN, UNCHANGED, WITHHELD = "value", "fewer", "unchanged", "withheld"


@dataclass(frozen=True)
class Figure:
    """A computed figure, before the release rules: its value and its population."""

    metric: str
    value: float
    population: frozenset[str]


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


def load(ctx: Context, now: datetime) -> Data:
    """Read what the figures are computed from (never a reflection's or a goal's text)."""
    token = ctx.vault.user_key
    data = Data(now=now)
    with ctx.db.transaction(write=False) as session:
        rows = session.execute(
            sa_select(
                col(Participant.user_id),
                col(Participant.cohort_id),
                col(Participant.role),
                col(Participant.status),
                col(Participant.joined_at),
            )
        )
        for user_id, cohort_id, role, status, joined_at in rows:
            left = status == ParticipantStatus.LEFT.value
            data.members.append(_Member(token(user_id), cohort_id, role, left, joined_at))
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
            )
        )
        for pair_id, cohort_id, mentor, mentee, status, created, activated, ended in rows:
            data.pairs[pair_id] = _Pair(
                cohort_id, (mentor, mentee), status, created, activated, ended
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
                col(Goal.user_id),
                col(Participant.cohort_id),
                col(Goal.progress),
                col(Goal.done),
                col(Goal.created_at),
                col(Goal.updated_at),
            ).join(Participant, col(Participant.user_id) == col(Goal.user_id))
        )
        for user_id, cohort_id, progress, done, created, updated in rows:
            data.goals.append(_Goal(token(user_id), cohort_id, progress, done, created, updated))
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


def _count(metric: str, items: Iterable[Iterable[str]]) -> Figure:
    """A count of ``items``, each given by the people it is about."""
    people: set[str] = set()
    number = 0
    for tokens in items:
        number += 1
        people.update(tokens)
    return Figure(metric, float(number), frozenset(people))


def _average(metric: str, values: list[tuple[str, int]]) -> Figure:
    """The mean of ``values`` (person, value); 0 when there are none."""
    mean = fmean(v for _, v in values) if values else 0.0
    return Figure(metric, mean, frozenset(person for person, _ in values))


def compute(data: Data, cohort_ids: frozenset[int] | None, period: Period) -> list[Figure]:
    """Every figure of :data:`METRICS` for some cohorts (None: all) and a period."""

    def in_scope(cohort_id: int) -> bool:
        return cohort_ids is None or cohort_id in cohort_ids

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
        proposed = [p for p in pairs.values() if period.contains(p.created_at)]
        active = [p for p in pairs.values() if period.contains(p.activated_at)]
        ended = [p for p in pairs.values() if p.status in finished and period.contains(p.ended_at)]
    else:
        proposed = [p for p in pairs.values() if p.status == PairStatus.PROPOSED.value]
        active = [p for p in pairs.values() if p.status == PairStatus.ACTIVE.value]
        ended = [p for p in pairs.values() if p.status in finished]

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
    written = sum(len(data.reflections.get(m.id, [])) for m in held)
    rate = 100.0 * written / (2 * len(held)) if held else 0.0
    ratings = [
        (r.token, r.rating)
        for m in held
        for r in data.reflections.get(m.id, [])
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

    return [
        _count("mentors", ([m.token] for m in members if m.role == "mentor")),
        _count("mentees", ([m.token] for m in members if m.role == "mentee")),
        _count("pairs_proposed", (p.tokens for p in proposed)),
        _count("pairs_active", (p.tokens for p in active)),
        _count("pairs_ended", (p.tokens for p in ended)),
        _count("sessions_held", (pairs[m.pair_id].tokens for m in held)),
        _count("sessions_skipped", (pairs[m.pair_id].tokens for m in skipped)),
        Figure(
            "reflection_rate",
            rate,
            frozenset(token for m in held for token in pairs[m.pair_id].tokens),
        ),
        _average("average_rating", ratings),
        _count("goals_set", ([g.token] for g in goals_set)),
        _count("goals_done", ([g.token] for g in goals_done)),
        _average("goal_progress", [(g.token, g.progress or 0) for g in rated]),
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
    """The HMAC key for report populations: a subkey of ``MENTOR_ENCRYPTION_KEY`` of its
    own, so these hashes cannot be matched with pair history or anything else."""
    raw = base64.urlsafe_b64decode(encryption_key.encode("ascii"))
    return hmac.new(raw, b"mentor-bot/report-population/v1", hashlib.sha256).digest()


def _comparable(period: str, other: str) -> bool:
    """Whether figures of two periods can be set against each other: the same month, or
    everything so far (which contains every month)."""
    return period == other or ALL in (period, other)


def _few(people: int) -> bool:
    """Whether a difference of ``people`` people would single them out (1 to 4)."""
    return 0 < people < MIN_GROUP


@dataclass(eq=False)
class _Release:
    """A released figure, as the release rules need it."""

    scope: str
    period: str
    value: float
    population: frozenset[str]
    released_at: datetime
    # The union of the populations of the other releases inside this one (lazy).
    covered: set[str] | None = None


class Releaser:
    """Releases figures in one unit of work, holding the report lock.

    A figure over ``population`` is held back when, against the earlier releases of the
    same metric over a comparable period (see :func:`_comparable`), 1 to 4 people would
    be singled out:

    - by the difference of two figures (the symmetric difference of the populations);
    - by the figure minus the earlier figures inside it (a total over cohorts X, Y and Z
      minus X and Z is Z's figure);
    - by an earlier figure minus this one and the other figures inside it.

    Args:
        session: The unit of work; releases are added to it (and seen by later calls).
        key: :func:`population_key`.
        now: The release time.
    """

    def __init__(self, session: Session, key: bytes, now: datetime) -> None:
        self.session = session
        self.key = key
        self.now = now
        self._releases: dict[str, list[_Release]] = {}
        if session.get_bind().dialect.name == "postgresql":
            # Two admins asking at once must not both release figures the other's
            # release would have held back. (SQLite has one writer at a time anyway.)
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REPORT_LOCK})

    def _hash(self, token: str) -> str:
        digest = hmac.new(self.key, token.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:_HASH_CHARS]

    def release(self, scope: str, period: str, figure: Figure) -> Shown:
        """Apply the release rules to ``figure`` of ``scope`` (a cohort id or ``all``)."""
        metric = BY_KEY[figure.metric]
        if len(figure.population) < MIN_GROUP:
            return Shown(metric, FEWER_THAN)
        population = frozenset(self._hash(token) for token in figure.population)
        value = rounded(metric, figure.value)
        previous = self._latest(metric.key, scope, period)
        if self._singles_out(metric.key, period, population):
            if previous is not None:
                return Shown(metric, UNCHANGED, value=previous.value, since=previous.released_at)
            return Shown(metric, WITHHELD)
        trend = round(value - previous.value, 1) if previous is not None else None
        if previous is None or previous.value != value or previous.population != population:
            self._add(metric.key, _Release(scope, period, value, population, self.now))
        return Shown(metric, VALUE, value=value, trend=trend)

    def _of(self, metric: str) -> list[_Release]:
        """Every release of ``metric``, oldest first (read once per unit of work)."""
        if metric not in self._releases:
            rows = self.session.exec(
                select(ReportRelease)
                .where(ReportRelease.metric == metric)
                .order_by(col(ReportRelease.released_at), col(ReportRelease.id))
            )
            self._releases[metric] = [
                _Release(r.scope, r.period, r.value, frozenset(r.population), r.released_at)
                for r in rows
            ]
        return self._releases[metric]

    def _latest(self, metric: str, scope: str, period: str) -> _Release | None:
        same = [r for r in self._of(metric) if r.scope == scope and r.period == period]
        return same[-1] if same else None

    def _covered(self, metric: str, outer: _Release) -> set[str]:
        if outer.covered is None:
            outer.covered = set()
            for other in self._of(metric):
                if (
                    other is not outer
                    and _comparable(other.period, outer.period)
                    and other.population <= outer.population
                ):
                    outer.covered |= other.population
        return outer.covered

    def _singles_out(self, metric: str, period: str, population: frozenset[str]) -> bool:
        inside: set[str] = set()
        for earlier in self._of(metric):
            if not _comparable(earlier.period, period):
                continue
            if _few(len(population ^ earlier.population)):
                return True
            if earlier.population <= population:
                inside |= earlier.population
            elif population < earlier.population:
                rest = earlier.population - self._covered(metric, earlier) - population
                if _few(len(rest)):
                    return True
        return _few(len(population - inside))

    def _add(self, metric: str, new: _Release) -> None:
        releases = self._of(metric)
        for outer in releases:
            if (
                outer.covered is not None
                and _comparable(new.period, outer.period)
                and new.population <= outer.population
            ):
                outer.covered |= new.population
        releases.append(new)
        self.session.add(
            ReportRelease(
                metric=metric,
                scope=new.scope,
                period=new.period,
                value=new.value,
                people=len(new.population),
                population=sorted(new.population),
                released_at=new.released_at,
            )
        )


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


def make_report(ctx: Context, cohorts: list[Cohort], *, total: bool) -> Report:
    """The figures of everything so far for each cohort, then (``total``) for all."""
    now = ctx.clock()
    data = load(ctx, now)
    scopes: list[ScopeReport] = []
    with ctx.db.transaction() as session:
        releaser = Releaser(session, population_key(ctx.settings.encryption_key), now)
        for cohort in cohorts:
            figures = compute(data, frozenset({cohort.id or 0}), EVERYTHING)
            shown = [releaser.release(str(cohort.id), ALL, figure) for figure in figures]
            scopes.append(ScopeReport(cohort.name, shown))
        if total:
            figures = compute(data, None, EVERYTHING)
            scopes.append(ScopeReport(None, [releaser.release(ALL, ALL, f) for f in figures]))
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
    data = load(ctx, now)
    rows: dict[tuple[int, str], list[str]] = {}
    plan = [(period, cohort) for cohort in cohorts for period in months_of(data, cohort)]
    plan.sort(key=lambda item: (item[0].key, item[1].id or 0))  # oldest month first
    with ctx.db.transaction() as session:
        releaser = Releaser(session, population_key(ctx.settings.encryption_key), now)
        for period, cohort in plan:
            figures = compute(data, frozenset({cohort.id or 0}), period)
            shown = [releaser.release(str(cohort.id), period.key, f) for f in figures]
            rows[(cohort.id or 0, period.key)] = [cohort.name, period.key, *_csv_cells(shown)]
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
