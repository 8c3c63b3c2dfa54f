"""The figures of admin reports: what each counts, and who contributes to it.

Every figure is computed from *contributions*: what one person adds to it, an item with
its value (a membership, one side of a pair or of a session, a reflection, a rating of 4
on a session, a goal, a goal's progress of 3). Its *population* is the people behind
them. Whether a figure is released is decided elsewhere (:mod:`bot.reporting.releaser`).

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
sessions_per_pair   sessions held / pairs with one held/skipped sessions of the month
pairs_rematched     ended by a new-partner wish                 ended in the month
pairs_lapsed        closed after no session reported held       ended in the month
pulse_average       average of the check-ins (1-5)              answered in the month
net_promoter        % 9-10 minus % 0-6 of would-recommend       answered in the month
==================  ==========================================  ===========================

Per topic, in the report only (:data:`TOPIC_METRICS`, :mod:`bot.reporting.outcomes`):
confidence before and after, and demand.

Contributions: a participant's membership; each side of each pair or session counted
(both sides of the sessions held, and each reflection on them, for the reflection rate);
each rating; each goal (with its progress, for the average). A pair keeps its people's
keyed hashes after ``/mentor forget``, so a forgotten person still counts in the pairs and
sessions they were part of.

``/mentor forget`` (:func:`forget`): in ``report_release``, the person's hash gives way to
a random placeholder (one per metric), and the hashes of their own contributions
(membership, reflections, ratings, goals) to random ones; each placeholder stands for one
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from statistics import fmean

from bot.reporting.data import Data, _Goal, _Member, _Pair, _Reflection, _Session
from bot.sessions.topics import KEYS
from storage.models import Cohort, PairStatus, SessionStatus

MIN_GROUP = 5
"""The smallest number of people a released figure may be about."""

ALL = "all"
"""The scope of the total over every cohort, and the period of everything so far."""

FEWER = "fewer than 5"
"""What the CSV says for a figure over fewer than :data:`MIN_GROUP` people."""

NOT_SHOWN = "not shown"

COUNT, PERCENT, AVERAGE, NET = "count", "percent", "average", "net"


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
    Metric("sessions_per_pair", AVERAGE, "sessions_held_per_pair"),
    Metric("pairs_rematched", COUNT, "pairs_rematched"),
    Metric("pairs_lapsed", COUNT, "pairs_lapsed"),
    Metric("pulse_average", AVERAGE, "pulse_average"),
    Metric("net_promoter", NET, "would_recommend_net_score"),
)

CONFIDENCE_BEFORE, CONFIDENCE_AFTER, WANTED, OFFERED = (
    "conf_before",
    "conf_after",
    "wanted",
    "offered",
)

TOPIC_METRICS: tuple[Metric, ...] = tuple(
    Metric(f"{prefix}:{topic}", kind, f"{prefix}_{topic}")
    for topic in KEYS
    for prefix, kind in (
        (CONFIDENCE_BEFORE, AVERAGE),
        (CONFIDENCE_AFTER, AVERAGE),
        (WANTED, COUNT),
        (OFFERED, COUNT),
    )
)
"""Per topic of the library (``PREFIX:TOPIC``): the confidence of the mentees who rated
it both when their pair began and in the closing survey, before and after; how many
mentees want it and how many mentors offer it (see :mod:`bot.reporting.outcomes`)."""

BY_KEY = {metric.key: metric for metric in (*METRICS, *TOPIC_METRICS)}

PAIR_METRICS = (
    "pairs_proposed",
    "pairs_active",
    "pairs_ended",
    "pairs_rematched",
    "pairs_lapsed",
    "sessions_per_pair",
)
"""The metrics that count sides of pairs (items :func:`pair_item`)."""

SESSION_METRICS = ("sessions_held", "sessions_skipped", "reflection_rate", "sessions_per_pair")
"""The metrics that count sides of sessions (items :func:`session_item`)."""


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


def counted(metric: str, items: Iterable[Iterable[Contribution]]) -> Figure:
    """A count of ``items``, each given by its contributions (one per person)."""
    contributions: set[Contribution] = set()
    number = 0
    for item in items:
        number += 1
        contributions.update(item)
    return Figure(metric, float(number), frozenset(contributions))


def averaged(metric: str, values: list[tuple[Contribution, int]]) -> Figure:
    """The mean of ``values`` (contribution, value); 0 when there are none."""
    mean = fmean(v for _, v in values) if values else 0.0
    return Figure(metric, mean, frozenset(c for c, _ in values))


def compute(data: Data, cohort_ids: frozenset[int] | None, period: Period) -> list[Figure]:
    """Every figure of :data:`METRICS` for some cohorts (None: all) and a period."""
    scope = _Scope(data, cohort_ids, period)
    return [
        *scope.memberships(),
        *scope.pairs(),
        *scope.sessions(),
        *scope.goals(),
        *scope.outcomes(),
    ]


@dataclass(frozen=True)
class _Scope:
    """The figures of some cohorts (None: all) and a period, in groups of metrics."""

    data: Data
    cohort_ids: frozenset[int] | None
    period: Period

    def within(self, cohort_id: int) -> bool:
        return self.cohort_ids is None or cohort_id in self.cohort_ids

    def sides(self, pair_id: int, item: Callable[[int], str]) -> list[Contribution]:
        pair = self.data.pairs[pair_id]
        return [
            Contribution(token, item(side), f"{pair_id}|{side}" if pair.forgotten[side] else None)
            for side, token in enumerate(pair.tokens)
        ]

    def of_pair(self, pair_id: int) -> list[Contribution]:
        return self.sides(pair_id, lambda side: pair_item(pair_id, side))

    def of_session(self, meeting: _Session) -> list[Contribution]:
        return self.sides(meeting.pair_id, lambda side: session_item(meeting.id, side))

    @cached_property
    def live_pairs(self) -> dict[int, _Pair]:
        """The pairs in scope, but those cancelled (with their sessions)."""
        return {
            pair_id: pair
            for pair_id, pair in self.data.pairs.items()
            if self.within(pair.cohort_id) and pair.status != PairStatus.CANCELLED.value
        }

    def memberships(self) -> list[Figure]:
        """``mentors`` and ``mentees``."""
        period = self.period
        members = [m for m in self.data.members if self.within(m.cohort_id)]
        if period.is_month:
            members = [m for m in members if period.contains(m.joined_at)]
        else:
            members = [m for m in members if not m.left]

        def member(m: _Member) -> list[Contribution]:
            return [Contribution(m.token, f"member|{m.token}")]

        return [
            counted("mentors", (member(m) for m in members if m.role == "mentor")),
            counted("mentees", (member(m) for m in members if m.role == "mentee")),
        ]

    def pairs(self) -> list[Figure]:
        """``pairs_proposed``, ``pairs_active`` and ``pairs_ended``."""
        period = self.period
        pairs = self.live_pairs
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
        return [
            counted("pairs_proposed", (self.of_pair(i) for i in proposed)),
            counted("pairs_active", (self.of_pair(i) for i in active)),
            counted("pairs_ended", (self.of_pair(i) for i in ended)),
        ]

    @cached_property
    def held_and_skipped(self) -> tuple[list[_Session], list[_Session]]:
        """The sessions in scope held, and those skipped."""
        data, pairs = self.data, self.live_pairs
        held: list[_Session] = []
        skipped: list[_Session] = []
        for meeting in data.sessions:
            if meeting.pair_id not in pairs or not self.period.contains(meeting.starts_at):
                continue
            state = _session_state(meeting, data.reflections.get(meeting.id, []), data.now)
            if state == "held":
                held.append(meeting)
            elif state == "skipped":
                skipped.append(meeting)
        return held, skipped

    def sessions(self) -> list[Figure]:
        """``sessions_held``, ``sessions_skipped``, ``reflection_rate`` and
        ``average_rating``."""
        data = self.data
        held, skipped = self.held_and_skipped
        written = [r for m in held for r in data.reflections.get(m.id, [])]
        rate = 100.0 * len(written) / (2 * len(held)) if held else 0.0
        rate_parts = {c for m in held for c in self.of_session(m)}
        rate_parts.update(
            Contribution(r.token, f"reflection|{r.session_id}|{r.token}") for r in written
        )
        ratings = [
            (Contribution(r.token, f"rating|{r.session_id}|{r.token}|{r.rating}"), r.rating)
            for r in written
            if r.rating is not None
        ]
        return [
            counted("sessions_held", (self.of_session(m) for m in held)),
            counted("sessions_skipped", (self.of_session(m) for m in skipped)),
            Figure("reflection_rate", rate, frozenset(rate_parts)),
            averaged("average_rating", ratings),
        ]

    def goals(self) -> list[Figure]:
        """``goals_set``, ``goals_done`` and ``goal_progress``."""
        period = self.period
        goals = [g for g in self.data.goals if self.within(g.cohort_id)]
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

        progress = [(goal(g, g.progress or 0), g.progress or 0) for g in rated]
        return [
            counted("goals_set", ([goal(g)] for g in goals_set)),
            counted("goals_done", ([goal(g)] for g in goals_done)),
            averaged("goal_progress", progress),
        ]

    def outcomes(self) -> list[Figure]:
        """``sessions_per_pair`` (sessions held per pair that had a session due in the
        period: held or skipped, not one still to come),
        ``pairs_rematched``, ``pairs_lapsed``, ``pulse_average`` and ``net_promoter``
        (would recommend, 0-10: the share of 9s and 10s minus that of 0 to 6, in
        points)."""
        period, pairs = self.period, self.live_pairs
        held, skipped = self.held_and_skipped
        started = sorted({m.pair_id for m in (*held, *skipped)})  # a session was due
        per_pair = len(held) / len(started) if started else 0.0
        parts = {c for i in started for c in self.of_pair(i)}
        parts.update(c for m in held for c in self.of_session(m))
        answers = [
            a
            for a in self.data.answers
            if self.within(a.cohort_id) and period.contains(a.answered_at) and a.score is not None
        ]
        pulses = [
            (
                Contribution(a.token, f"pulse|{a.pair_id}|{a.moment}|{a.token}|{a.score}"),
                a.score or 0,
            )
            for a in answers
            if a.kind == "pulse"
        ]
        scores = [a.score or 0 for a in answers if a.kind == "closing"]
        net = (
            100.0 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
            if scores
            else 0.0
        )
        recommend = {
            Contribution(a.token, f"recommend|{a.pair_id}|{a.token}|{a.score}")
            for a in answers
            if a.kind == "closing"
        }

        def ended(reason: str) -> Iterable[list[Contribution]]:
            return (
                self.of_pair(i)
                for i, p in pairs.items()
                if p.end_reason == reason and period.contains(p.ended_at)
            )

        return [
            Figure("sessions_per_pair", per_pair, frozenset(parts)),
            counted("pairs_rematched", ended("rematch")),
            counted("pairs_lapsed", ended("lapsed")),
            averaged("pulse_average", pulses),
            Figure("net_promoter", net, frozenset(recommend)),
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
    step = Decimal("0.1") if metric.kind == AVERAGE else Decimal("1")  # NET: whole points
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


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
