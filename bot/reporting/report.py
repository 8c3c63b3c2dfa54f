"""Admin reports and exports: ``/mentor admin report`` and ``/mentor admin export``.

Only aggregates leave reporting: counts, rates and averages, never a name, a Slack ID or
anything a person wrote. The parts:

- :mod:`bot.reporting.data` reads what the figures are computed from, and
  :mod:`bot.reporting.figures` computes them, each with its contributions;
- :mod:`bot.reporting.releaser` applies the release rules (fewer than 5 people; overlap
  control, :mod:`bot.reporting.overlap`, with the rule as first written beside it in
  :mod:`bot.reporting.overlap_reference`);
- :mod:`bot.reporting.releases` stores what was released (``report_release``, each
  figure as what changed since its previous release) and handles ``/mentor forget``;
- this module makes the report and the CSV export: it computes the figures and releases
  them in the order they are shown, in units of work that keep concurrent reports and
  forgets apart (:func:`_released`).
"""

from __future__ import annotations

import csv
import io
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.context import Context
from bot.reporting import outcomes, releases
from bot.reporting.data import Data, load
from bot.reporting.figures import (
    ALL,
    AVERAGE,
    EVERYTHING,
    FEWER,
    FEWER_THAN,
    METRICS,
    NOT_SHOWN,
    UNCHANGED,
    Figure,
    Metric,
    Period,
    Shown,
    compute,
    months_of,
)
from bot.reporting.hashes import (
    population_key,
)
from bot.reporting.releaser import Releaser
from storage import queries
from storage.models import Cohort, Pair, Participant


class UnknownCohort(LookupError):
    """No cohort has that name."""


@dataclass(frozen=True)
class ScopeReport:
    """The figures of one cohort (``cohort`` is its name) or of all (``cohort`` None)."""

    cohort: str | None
    figures: list[Shown]


@dataclass(frozen=True)
class Report:
    """A report: when it was made, the figures per cohort (the total last), and the
    sessions held per month of the total (or of the one cohort) for the chart."""

    made_at: datetime
    scopes: list[ScopeReport]
    months: list[tuple[str, Shown]] = field(default_factory=list)


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
    store = releases.store_for(ctx.db.engine)
    with store.computing:
        with ctx.db.transaction(write=False) as session:
            data = load(session, ctx.vault.user_key, now)
            steps = plan(data)
            releaser = Releaser(session, key, now, write=False, releases=store)
            shown = [[releaser.release(s.scope, s.period, f) for f in s.figures] for s in steps]
        with ctx.db.transaction() as session:
            releases.lock(session)
            if _forgotten_since(session, data):
                data = load(session, ctx.vault.user_key, now)
                steps = plan(data)
                again = Releaser(session, key, now, releases=store)
                shown = [[again.release(s.scope, s.period, f) for f in s.figures] for s in steps]
                return list(zip(steps, shown, strict=True))
            changed = releases.changed_since(session, releaser.seen())
            if changed:
                again = Releaser(session, key, now, releases=store)
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


def make_report(ctx: Context, cohorts: list[Cohort], *, total: bool) -> Report:
    """The figures of everything so far for each cohort, then (``total``) for all, each
    with its outcomes per topic; then, for the chart, the sessions held in each month of
    the total (or of the one cohort), released under the same rules as the CSV's."""
    now = ctx.clock()

    def plan(data: Data) -> list[_Step]:
        steps = []
        for cohort in cohorts:
            ids = frozenset({cohort.id or 0})
            figures = [*compute(data, ids, EVERYTHING), *outcomes.by_topic(data, ids)]
            steps.append(_Step(str(cohort.id), ALL, figures, cohort.name))
        if total:
            figures = [*compute(data, None, EVERYTHING), *outcomes.by_topic(data, None)]
            steps.append(_Step(ALL, ALL, figures))
        if total or len(cohorts) == 1:
            scope = ALL if total else str(cohorts[0].id)
            chosen = None if total else frozenset({cohorts[0].id or 0})
            for period in _months(data, cohorts):
                held = [f for f in compute(data, chosen, period) if f.metric == "sessions_held"]
                steps.append(_Step(scope, period.key, held, MONTH))
        return steps

    released = _released(ctx, now, plan)
    scopes = [ScopeReport(step.label, shown) for step, shown in released if step.label is not MONTH]
    months = [(step.period, shown[0]) for step, shown in released if step.label is MONTH]
    return Report(made_at=now, scopes=scopes, months=months)


MONTH = object()
"""The label of a report's steps for the chart's months."""


def _months(data: Data, cohorts: list[Cohort]) -> list[Period]:
    """The months from the first activity of any of the cohorts up to the current one."""
    found: dict[str, Period] = {}
    for cohort in cohorts:
        found.update((period.key, period) for period in months_of(data, cohort))
    return [found[key] for key in sorted(found)]


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
