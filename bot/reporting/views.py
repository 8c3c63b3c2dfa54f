"""Block Kit builders of reporting: pure functions from plain data to Slack messages and modals."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

from bot.core.i18n import fmt_date, t
from bot.reporting.figures import (
    AVERAGE,
    CONFIDENCE_AFTER,
    CONFIDENCE_BEFORE,
    FEWER_THAN,
    METRICS,
    NET,
    OFFERED,
    PERCENT,
    UNCHANGED,
    VALUE,
    WANTED,
    Metric,
    Shown,
)
from bot.reporting.report import Report
from bot.sessions.topics import BY_KEY as BY_TOPIC
from bot.sessions.topics import KEYS
from bot.slack.blocks import Blocks, mrkdwn, plain, section
from bot.slack.text import escape

# Slack takes 50 blocks per message; a report with many cohorts goes out in parts.
REPORT_BLOCKS_PER_MESSAGE = 49

SCALAR = {metric.key for metric in METRICS}


def report_number(lang: str, metric: Metric, value: float) -> str:
    """A figure in the admin's language: 12, 83 % (de) / 83% (en), 4.2 / 4,2, +40."""
    if metric.kind == PERCENT:
        return format_percent(value / 100, locale=lang)
    pattern = "#,##0.0" if metric.kind == AVERAGE else "#,##0"
    number = format_decimal(
        abs(value) if metric.kind == NET else value, format=pattern, locale=lang
    )
    if metric.kind == NET and value != 0:
        return ("+" if value > 0 else "−") + number
    return number


def report_trend(lang: str, metric: Metric, trend: float) -> str:
    """A change since the last report: +3, −0.2, ±0, +5 pp."""
    if trend == 0:
        text = "±0"
    else:
        pattern = "#,##0.0" if metric.kind == AVERAGE else "#,##0"
        magnitude = format_decimal(abs(trend), format=pattern, locale=lang)
        text = ("+" if trend > 0 else "−") + magnitude
    return t(lang, "report.points", value=text) if metric.kind == PERCENT else text


def report_value(lang: str, tz: str | None, shown: Shown) -> str:
    """A figure as the report shows it: its value (with its trend), the earlier value it
    still shows, "fewer than 5", or "not shown"."""
    if shown.state == VALUE and shown.value is not None:
        value = f"*{report_number(lang, shown.metric, shown.value)}*"
        if shown.trend is not None:
            value += f" ({report_trend(lang, shown.metric, shown.trend)})"
    elif shown.state == UNCHANGED and shown.value is not None and shown.since is not None:
        since = t(lang, "report.unchanged", date=fmt_date(shown.since, lang, tz))
        value = f"*{report_number(lang, shown.metric, shown.value)}* _({since})_"
    elif shown.state == FEWER_THAN:
        value = "_" + t(lang, "report.fewer") + "_"
    else:
        value = "_" + t(lang, "report.withheld") + "_"
    return value


def report_line(lang: str, tz: str | None, shown: Shown) -> str:
    """One figure of the report, as a mrkdwn list line."""
    return f"• {t(lang, f'report.metric.{shown.metric.key}')}: {report_value(lang, tz, shown)}"


def _by_topic(figures: list[Shown], prefix: str) -> dict[str, Shown]:
    return {
        shown.metric.key.split(":", 1)[1]: shown
        for shown in figures
        if shown.metric.key.startswith(prefix + ":")
    }


def outcome_lines(lang: str, tz: str | None, figures: list[Shown]) -> tuple[list[str], list[str]]:
    """The confidence per topic (before → after, and the change when both are shown) and
    the demand per topic (wanted by mentees, offered by mentors), as mrkdwn lines."""
    before, after = _by_topic(figures, CONFIDENCE_BEFORE), _by_topic(figures, CONFIDENCE_AFTER)
    confidence = []
    for topic in (key for key in KEYS if key in before and key in after):
        first, last = before[topic], after[topic]
        values = f"{report_value(lang, tz, first)} → {report_value(lang, tz, last)}"
        line = f"• {BY_TOPIC[topic].label(lang)}: {values}"
        same = first.state == last.state and first.since == last.since  # the same people
        if first.value is not None and last.value is not None and same:
            change = report_trend(lang, first.metric, round(last.value - first.value, 1))
            line += " " + t(lang, "report.change", change=change)
        confidence.append(line)
    wanted, offered = _by_topic(figures, WANTED), _by_topic(figures, OFFERED)
    demand = [
        "• "
        + t(
            lang,
            "report.demand.line",
            topic=BY_TOPIC[topic].label(lang),
            wanted=report_value(lang, tz, wanted[topic]),
            offered=report_value(lang, tz, offered[topic]),
        )
        for topic in KEYS
        if topic in wanted and topic in offered
    ]
    return confidence, demand


def build_report(lang: str, tz: str | None, report: Report) -> list[tuple[str, Blocks]]:
    """The admin report as one or more DM messages (fallback text, blocks): per cohort its
    figures, the total last, and the privacy rule in the footer."""
    title = t(lang, "report.title")
    as_of = t(lang, "report.as_of", date=fmt_date(report.made_at, lang, tz))
    intro = f"{as_of[:1].upper()}{as_of[1:]}. {t(lang, 'report.trend_note')}"
    current: Blocks = [
        {"type": "header", "text": plain(title, 150)},
        {"type": "context", "elements": [mrkdwn(intro)]},
    ]
    messages: list[tuple[str, Blocks]] = []
    fallback = f"{title} ({as_of})"
    for scope in report.scopes:
        name = (
            t(lang, "report.total")
            if scope.cohort is None
            else t(lang, "report.cohort", name=escape(scope.cohort))
        )
        scalar = [shown for shown in scope.figures if shown.metric.key in SCALAR]
        lines = [f"*{name}*", *(report_line(lang, tz, shown) for shown in scalar)]
        confidence, demand = outcome_lines(lang, tz, scope.figures)
        blocks: Blocks = [{"type": "divider"}, section("\n".join(lines))]
        if confidence:
            blocks.append(
                section("\n".join(["_" + t(lang, "report.confidence") + "_", *confidence]))
            )
        if demand:
            blocks.append(section("\n".join(["_" + t(lang, "report.demand") + "_", *demand])))
        if len(current) + len(blocks) + 1 > REPORT_BLOCKS_PER_MESSAGE:
            messages.append((fallback, current))
            fallback = t(lang, "report.continued")
            current = []
        current += blocks
    current.append({"type": "context", "elements": [mrkdwn("_" + t(lang, "report.footer") + "_")]})
    messages.append((fallback, current))
    return messages
