"""The admin's report and export: ``/mentor admin report [COHORT]`` (the figures as DMs,
with the chart as a PNG) and ``/mentor admin export [COHORT]`` (the figures per month as
CSV, the playbook, and after a cohort's term the debrief), each built in the background."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.background import log_failure
from bot.core.context import Context
from bot.core.i18n import t
from bot.core.people import Person
from bot.journal import playbook
from bot.reporting import chart, debrief, report
from bot.reporting.views import build_report
from bot.slack.text import escape, truncate
from handlers.common import Invocation, slack_error_text

logger = logging.getLogger(__name__)


def report_targets(call: Invocation, name: str | None, command: str) -> list[Any] | None:
    """The cohorts an admin report or export covers; None (after saying why) when none."""
    lang = call.person.lang
    try:
        targets = report.find_cohorts(call.ctx, name)
    except report.UnknownCohort:
        call.answer(
            t(lang, "report.unknown", name=escape(truncate(name or "", 40)), command=command)
        )
        return None
    if not targets:
        call.answer(t(lang, "report.no_cohorts"))
        return None
    return targets


def admin_report(call: Invocation, name: str | None) -> None:
    """``/mentor admin report [COHORT]``: the figures follow as a DM."""
    targets = report_targets(call, name, "report")
    if targets is not None:
        call.answer(t(call.person.lang, "report.building"))
        response_url = call.command["response_url"]
        call.ctx.later(send_report, call.ctx, call.person, targets, name is None, response_url)


def send_report(
    ctx: Context, person: Person, targets: list[Any], total: bool, response_url: str
) -> None:
    """Compute and release the figures, and DM them to the admin."""
    try:
        made = report.make_report(ctx, targets, total=total)
        for text, blocks in build_report(person.lang, person.tz, made):
            ctx.slack.post_dm(person.user_id, text, blocks)
        send_chart(ctx, person, made, f"reverse-mentoring-chart-{ctx.clock().date().isoformat()}")
    except (SlackApiError, SlackClientError) as error:
        logger.warning("admin report failed: %s", error)
        ctx.slack.respond(response_url, slack_error_text(person.lang, error))
    except Exception:
        log_failure(logger, "admin report")
        ctx.slack.respond(response_url, t(person.lang, "error.internal"))


def admin_export(call: Invocation, name: str | None) -> None:
    """``/mentor admin export [COHORT]``: CSV and playbook follow as files in a DM."""
    targets = report_targets(call, name, "export")
    if targets is not None:
        call.answer(t(call.person.lang, "export.admin_building"))
        response_url = call.command["response_url"]
        every = name is None
        call.ctx.later(send_admin_export, call.ctx, call.person, targets, every, response_url)


def send_admin_export(
    ctx: Context, person: Person, targets: list[Any], every: bool, response_url: str
) -> None:
    """Upload the figures per month (CSV) and the playbook (Markdown) to the admin's DM."""
    lang = person.lang
    stem = "all" if every else re.sub(r"[^A-Za-z0-9_-]", "_", targets[0].name)
    day = ctx.clock().date().isoformat()
    try:
        ctx.slack.upload_to_dm(
            person.user_id,
            filename=f"reverse-mentoring-figures-{stem}-{day}.csv",
            content=report.make_csv(ctx, targets),
            title=t(lang, "export.csv_title"),
            comment=t(lang, "export.csv_comment"),
        )
        ctx.slack.upload_to_dm(
            person.user_id,
            filename=f"reverse-mentoring-playbook-{stem}-{day}.md",
            content=playbook.build(ctx, targets, lang, person.tz, every=every).encode("utf-8"),
            title=t(lang, "export.playbook_title"),
            comment=t(lang, "export.playbook_comment"),
        )
        if not every and not targets[0].is_open:  # the term is over: the debrief too
            send_debrief(ctx, person, targets[0], stem, day)
    except (SlackApiError, SlackClientError) as error:
        logger.warning("admin export upload failed: %s", error)
        ctx.slack.respond(response_url, slack_error_text(lang, error))
    except Exception:
        log_failure(logger, "admin export")
        ctx.slack.respond(response_url, t(lang, "error.internal"))


def send_chart(ctx: Context, person: Person, made: report.Report, stem: str) -> str | None:
    """Upload the report's chart (PNG) into the asking admin's DM, only theirs; returns
    its file name, or None when there is nothing to draw."""
    drawn = chart.chart_data(person.lang, made, person.tz)
    if drawn.empty:
        return None
    ctx.slack.upload_to_dm(
        person.user_id,
        filename=f"{stem}.png",
        content=chart.render(person.lang, drawn),
        title=t(person.lang, "chart.title"),
        comment=t(person.lang, "chart.comment"),
    )
    return f"{stem}.png"


def send_debrief(ctx: Context, person: Person, cohort: Any, stem: str, day: str) -> None:
    """The debrief of a cohort whose term is over: its chart and the Markdown document,
    from figures released under the report's rules."""
    lang = person.lang
    made = report.make_report(ctx, [cohort], total=False)
    picture = send_chart(ctx, person, made, f"reverse-mentoring-chart-{stem}-{day}")
    learnings = playbook.build(ctx, [cohort], lang, person.tz, every=False)
    document = debrief.build(lang, person.tz, made, cohort, learnings, picture)
    ctx.slack.upload_to_dm(
        person.user_id,
        filename=f"reverse-mentoring-debrief-{stem}-{day}.md",
        content=document.encode("utf-8"),
        title=t(lang, "debrief.file_title"),
        comment=t(lang, "debrief.comment"),
    )
