"""Block Kit builders of reporting: pure functions from plain data to Slack messages and modals."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

from bot.core.i18n import fmt_date, t
from bot.reporting.figures import (
    AVERAGE,
    FEWER_THAN,
    PERCENT,
    UNCHANGED,
    VALUE,
    Metric,
    Shown,
)
from bot.reporting.report import Report
from bot.slack.blocks import Blocks, mrkdwn, plain, section
from bot.slack.text import escape

# Slack takes 50 blocks per message; a report with many cohorts goes out in parts.
REPORT_BLOCKS_PER_MESSAGE = 49


def report_number(lang: str, metric: Metric, value: float) -> str:
    """A figure in the admin's language: 12, 83 % (de) / 83% (en), 4.2 / 4,2."""
    if metric.kind == PERCENT:
        return format_percent(value / 100, locale=lang)
    pattern = "#,##0.0" if metric.kind == AVERAGE else "#,##0"
    return format_decimal(value, format=pattern, locale=lang)


def report_trend(lang: str, metric: Metric, trend: float) -> str:
    """A change since the last report: +3, −0.2, ±0, +5 pp."""
    if trend == 0:
        text = "±0"
    else:
        pattern = "#,##0.0" if metric.kind == AVERAGE else "#,##0"
        magnitude = format_decimal(abs(trend), format=pattern, locale=lang)
        text = ("+" if trend > 0 else "−") + magnitude
    return t(lang, "report.points", value=text) if metric.kind == PERCENT else text


def report_line(lang: str, tz: str | None, shown: Shown) -> str:
    """One figure of the report, as a mrkdwn list line."""
    label = t(lang, f"report.metric.{shown.metric.key}")
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
    return f"• {label}: {value}"


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
        lines = [f"*{name}*", *(report_line(lang, tz, shown) for shown in scope.figures)]
        if len(current) + 3 > REPORT_BLOCKS_PER_MESSAGE:
            messages.append((fallback, current))
            fallback = t(lang, "report.continued")
            current = []
        current += [{"type": "divider"}, section("\n".join(lines))]
    current.append({"type": "context", "elements": [mrkdwn("_" + t(lang, "report.footer") + "_")]})
    messages.append((fallback, current))
    return messages
