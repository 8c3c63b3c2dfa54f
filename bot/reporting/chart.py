"""The report's chart (PNG, matplotlib): sessions held per month, and the mentees'
confidence per topic when their pair began and in the closing survey.

It draws only what the report released: a month or a topic whose figure reads "fewer
than 5" (or was held back) has no bar, only that note, so the chart never shows more
than the text beside it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from bot.core.i18n import t
from bot.reporting.figures import CONFIDENCE_AFTER, CONFIDENCE_BEFORE, Shown
from bot.reporting.report import Report
from bot.sessions.topics import BY_KEY, KEYS

BEFORE_COLOUR, AFTER_COLOUR, HELD_COLOUR = "#9bb7d4", "#1f5f99", "#2e7d5b"


@dataclass(frozen=True)
class ChartData:
    """What the chart shows, in the admin's language: per month its label and sessions
    held (None: not shown), per topic its label and confidence before and after."""

    months: list[tuple[str, float | None]]
    topics: list[tuple[str, float | None, float | None]]

    @property
    def empty(self) -> bool:
        return all(v is None for _, v in self.months) and all(
            b is None or a is None for _, b, a in self.topics
        )


def _value(shown: Shown | None) -> float | None:
    return shown.value if shown is not None and shown.value is not None else None


def chart_data(lang: str, report: Report) -> ChartData:
    """The chart's figures from the report: its months, and the topics of the total (or
    of its one cohort)."""
    months = [
        (format_date(date(int(key[:4]), int(key[5:7]), 1), "MMM yyyy", locale=lang), _value(s))
        for key, s in report.months
    ]
    shown = {s.metric.key: s for s in report.scopes[-1].figures} if report.scopes else {}
    topics = [
        (
            BY_KEY[topic].label(lang),
            _value(shown.get(f"{CONFIDENCE_BEFORE}:{topic}")),
            _value(shown.get(f"{CONFIDENCE_AFTER}:{topic}")),
        )
        for topic in KEYS
        if f"{CONFIDENCE_BEFORE}:{topic}" in shown
    ]
    return ChartData(months, topics)


def render(lang: str, data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.figure import Figure  # imported on first use: it takes a while

    figure = Figure(figsize=(10, 7.5), dpi=100, layout="constrained")
    sessions, confidence = figure.subplots(2, 1)
    fewer = t(lang, "report.fewer")
    labels = [label for label, _ in data.months]
    heights = [value or 0 for _, value in data.months]
    sessions.bar(range(len(labels)), heights, color=HELD_COLOUR)
    for x, (_, value) in enumerate(data.months):
        if value is None:
            sessions.text(x, 0, fewer, rotation=90, ha="center", va="bottom", fontsize=8)
    sessions.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    sessions.set_title(t(lang, "chart.sessions"))
    names = [name for name, _, _ in data.topics]
    width = 0.38
    for offset, index, colour, key in (
        (-width / 2, 1, BEFORE_COLOUR, "chart.before"),
        (width / 2, 2, AFTER_COLOUR, "chart.after"),
    ):
        values = [row[index] for row in data.topics]
        xs = [x + offset for x in range(len(names))]
        confidence.bar(xs, [v or 0 for v in values], width, color=colour, label=t(lang, key))
    for x, (_, before, after) in enumerate(data.topics):
        if before is None or after is None:
            confidence.text(x, 0.1, fewer, rotation=90, ha="center", va="bottom", fontsize=8)
    confidence.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
    confidence.set_ylim(0, 5)
    confidence.set_title(t(lang, "chart.confidence"))
    if names:
        confidence.legend(loc="upper left", fontsize=8)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
