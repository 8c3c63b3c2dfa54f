"""The report's chart (PNG, matplotlib): sessions held per month, and the mentees'
confidence per topic when their pair began and in the closing survey.

It draws only figures the report released: the report's confidence per topic, and the
sessions held per month, released with the report under the same rules as the export's
months. A figure that reads "fewer than 5" or "not shown" has no bar, only that note; an
earlier value still shown is hatched and says since when.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date

from bot.core.i18n import fmt_date, t
from bot.reporting.figures import (
    CONFIDENCE_AFTER,
    CONFIDENCE_BEFORE,
    FEWER_THAN,
    UNCHANGED,
    Shown,
)
from bot.reporting.report import Report
from bot.sessions.topics import BY_KEY, KEYS

BEFORE_COLOUR, AFTER_COLOUR, HELD_COLOUR = "#9bb7d4", "#1f5f99", "#2e7d5b"


@dataclass(frozen=True)
class Bar:
    """One value of the chart as the report released it: ``value`` None when it is not
    shown, ``note`` what the report says instead ("fewer than 5", "not shown") or, for
    an earlier value still shown, since when."""

    label: str
    value: float | None
    note: str = ""


@dataclass(frozen=True)
class ChartData:
    """What the chart shows, in the admin's language: the sessions held per month, and
    per topic the mentees' confidence when their pair began and in the closing survey."""

    months: list[Bar]
    topics: list[tuple[Bar, Bar]]

    @property
    def empty(self) -> bool:
        return all(bar.value is None for bar in self.months) and all(
            before.value is None or after.value is None for before, after in self.topics
        )


def _bar(lang: str, tz: str | None, label: str, shown: Shown | None) -> Bar:
    if shown is None or shown.state == FEWER_THAN:
        return Bar(label, None, t(lang, "report.fewer"))
    if shown.value is None:
        return Bar(label, None, t(lang, "chart.withheld"))
    if shown.state == UNCHANGED and shown.since is not None:
        return Bar(label, shown.value, t(lang, "chart.since", date=fmt_date(shown.since, lang, tz)))
    return Bar(label, shown.value)


def chart_data(lang: str, report: Report, tz: str | None = None) -> ChartData:
    """The chart's figures from the report: its months, and the topics of the total (or
    of its one cohort)."""
    months = [
        _bar(
            lang, tz, format_date(date(int(key[:4]), int(key[5:7]), 1), "MMM yyyy", locale=lang), s
        )
        for key, s in report.months
    ]
    shown = {s.metric.key: s for s in report.scopes[-1].figures} if report.scopes else {}
    topics = [
        (
            _bar(lang, tz, BY_KEY[topic].label(lang), shown.get(f"{CONFIDENCE_BEFORE}:{topic}")),
            _bar(lang, tz, BY_KEY[topic].label(lang), shown.get(f"{CONFIDENCE_AFTER}:{topic}")),
        )
        for topic in KEYS
        if f"{CONFIDENCE_BEFORE}:{topic}" in shown
    ]
    return ChartData(months, topics)


def _notes(axes: Any, x: float, bar: Bar, bottom: float) -> None:
    """Write what the report says in place of, or beside, a value."""
    if bar.note:
        box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1}
        axes.text(x, bottom, bar.note, rotation=90, ha="center", va="bottom", fontsize=7, bbox=box)


def render(lang: str, data: ChartData) -> bytes:
    """The chart as PNG bytes: an earlier value still shown is hatched, with its date."""
    from matplotlib.figure import Figure  # imported on first use: it takes a while
    from matplotlib.patches import Patch

    figure = Figure(figsize=(10, 7.5), dpi=100, layout="constrained")
    sessions, confidence = figure.subplots(2, 1)
    xs = range(len(data.months))
    sessions.bar(
        xs,
        [bar.value or 0 for bar in data.months],
        color=HELD_COLOUR,
        hatch=["//" if bar.note else "" for bar in data.months],
    )
    for month, bar in zip(xs, data.months, strict=True):
        _notes(sessions, month, bar, 0)
    labels = [bar.label for bar in data.months]
    sessions.set_xticks(xs, labels, rotation=45, ha="right", fontsize=8)
    sessions.set_title(t(lang, "chart.sessions"))
    width = 0.38
    for side, offset, colour, key in (
        (0, -width / 2, BEFORE_COLOUR, "chart.before"),
        (1, width / 2, AFTER_COLOUR, "chart.after"),
    ):
        bars = [pair[side] for pair in data.topics]
        positions = [x + offset for x in range(len(bars))]
        confidence.bar(
            positions,
            [bar.value or 0 for bar in bars],
            width,
            color=colour,
            hatch=["//" if bar.note else "" for bar in bars],
            label=t(lang, key),
        )
        for position, bar in zip(positions, bars, strict=True):
            _notes(confidence, position, bar, 0.1)
    names = [before.label for before, _ in data.topics]
    confidence.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
    confidence.set_ylim(0, 5)
    confidence.set_title(t(lang, "chart.confidence"))
    if names:  # plain swatches (a series' first bar may be hatched)
        swatches = [
            Patch(color=BEFORE_COLOUR, label=t(lang, "chart.before")),
            Patch(color=AFTER_COLOUR, label=t(lang, "chart.after")),
        ]
        confidence.legend(handles=swatches, loc="upper left", fontsize=8)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
