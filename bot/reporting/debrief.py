"""The debrief for the management workshop after a cohort's term (Markdown, in the
admin's language): the outcome figures as the report released them, the chart beside it,
and the playbook. Pure: it gets the released report, the playbook and the chart's file
name, and shows nothing the report did not."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from bot.core.i18n import fmt_date, t
from bot.reporting.figures import METRICS, Shown
from bot.reporting.report import Report
from bot.reporting.views import outcome_lines, report_value
from storage.models import Cohort

#: The outcome figures first, then the rest of the program's figures.
OUTCOMES = ("net_promoter", "pulse_average", "sessions_per_pair", "pairs_rematched", "pairs_lapsed")


def _plain(mrkdwn: str) -> str:
    """A report line without Slack's emphasis (the values are numbers and fixed texts)."""
    return mrkdwn.replace("*", "").replace("_", "")


def build(
    lang: str, tz: str | None, made: Report, cohort: Cohort, playbook: str, chart: str | None
) -> str:
    """The debrief of ``cohort`` from its released report."""
    figures = made.scopes[-1].figures if made.scopes else []
    by_key: dict[str, Shown] = {shown.metric.key: shown for shown in figures}
    start = format_date(cohort.created_at.date(), format="medium", locale=lang)
    end = (
        format_date(date.fromisoformat(cohort.term_end), format="medium", locale=lang)
        if cohort.term_end
        else ""
    )
    lines = [
        "# " + t(lang, "debrief.title", name=cohort.name),
        "",
        t(lang, "debrief.term", start=start, end=end)
        + " "
        + t(lang, "report.as_of", date=fmt_date(made.made_at, lang, tz))
        + ".",
        "",
        t(lang, "debrief.intro"),
        "",
        "## " + t(lang, "debrief.outcomes"),
        "",
    ]
    order = [*OUTCOMES, *(m.key for m in METRICS if m.key not in OUTCOMES)]
    for key in order:
        if key in by_key:
            label = t(lang, f"report.metric.{key}")
            lines.append(f"- {label}: {_plain(report_value(lang, tz, by_key[key]))}")
    confidence, demand = outcome_lines(lang, tz, figures)
    for title, rows in (("report.confidence", confidence), ("report.demand", demand)):
        if rows:
            lines += ["", "## " + t(lang, title).rstrip(":"), "", *(_plain(r) for r in rows)]
    lines = [line.replace("• ", "- ", 1) if line.startswith("• ") else line for line in lines]
    if chart:
        lines += [
            "",
            "## " + t(lang, "debrief.chart"),
            "",
            t(lang, "debrief.chart_file", file=chart),
        ]
    lines += ["", "## " + t(lang, "debrief.playbook"), ""]
    lines += ["#" + line if line.startswith("#") else line for line in playbook.splitlines()]
    return "\n".join(lines).rstrip() + "\n"
