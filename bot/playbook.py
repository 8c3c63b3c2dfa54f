"""The anonymous best-practice playbook of ``/mentor admin export``, as Markdown.

It holds only what participants chose to share ("share anonymously as a best practice"
in the reflection modal), which :mod:`bot.reflections` stored without its author. The
learnings are grouped by topic and month; within a month they are sorted by their text,
so their order tells nothing about who wrote them or when. Slack mentions and anything
that looks like a Slack user ID are taken out, and the text cannot break the document's
structure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime

from babel.dates import format_date
from sqlmodel import col, select

from bot.context import Context
from bot.i18n import fmt_date, t
from bot.topics import BY_KEY, TOPICS
from storage.models import BestPractice, Cohort

# <@U123>, <!here>, <#C123|name>: Slack's markup for people, groups and channels.
_SLACK_MARKUP = re.compile(r"<[@!#][^>]*>")
# A bare Slack user ID (U or W, then capitals and digits with at least one digit).
_USER_ID = re.compile(r"\b[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{6,}\b")
_BLOCK_START = re.compile(r"^(\s*)([#>*+\-=|`~]|[0-9]+[.)])")


def clean(text: str) -> str:
    """A shared learning made safe for the playbook: no mentions or IDs, no Markdown
    structure (headings, quotes, lists, HTML), one list item."""
    text = _SLACK_MARKUP.sub("[…]", text)
    text = _USER_ID.sub("[…]", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [_BLOCK_START.sub(r"\1\\\2", line) for line in lines if line.strip()]
    return "\n  ".join(lines)


def _month_label(month: str, lang: str) -> str:
    try:
        year, number = (int(part) for part in month.split("-"))
        return format_date(date(year, number, 1), format="MMMM y", locale=lang)
    except ValueError:
        return month


def build(ctx: Context, cohorts: list[Cohort], lang: str, tz: str | None, *, every: bool) -> str:
    """The playbook for ``cohorts`` (``every``: all cohorts, also learnings whose cohort
    is gone), in the admin's language."""
    cohort_ids = [cohort.id for cohort in cohorts]
    with ctx.db.transaction(write=False) as session:
        query = select(BestPractice.topic, BestPractice.month, BestPractice.text)
        if not every:
            query = query.where(col(BestPractice.cohort_id).in_(cohort_ids))
        rows = session.exec(query).all()
    grouped: dict[str | None, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for topic, month, token in rows:
        key = topic if topic in BY_KEY else None
        grouped[key][month].append(clean(ctx.vault.decrypt(token)))
    return render(grouped, lang, tz, ctx.clock(), None if every else cohorts)


def render(
    grouped: dict[str | None, dict[str, list[str]]],
    lang: str,
    tz: str | None,
    now: datetime,
    cohorts: list[Cohort] | None,
) -> str:
    """The Markdown document: topics in the library's order, "other" last, newest month
    first."""
    scope = (
        t(lang, "report.total")
        if cohorts is None
        else ", ".join(t(lang, "report.cohort", name=c.name) for c in cohorts)
    )
    lines = [
        f"# {t(lang, 'playbook.title')}",
        "",
        f"_{scope} · {t(lang, 'report.as_of', date=fmt_date(now, lang, tz))}_",
        "",
        t(lang, "playbook.intro"),
    ]
    order: list[str | None] = [topic.key for topic in TOPICS]
    order.append(None)
    if not grouped:
        lines += ["", t(lang, "playbook.empty")]
    for key in order:
        months = grouped.get(key)
        if not months:
            continue
        title = BY_KEY[key].label(lang) if key is not None else t(lang, "playbook.other")
        lines += ["", f"## {title}"]
        for month in sorted(months, reverse=True):
            lines += ["", f"### {_month_label(month, lang)}", ""]
            lines += [f"- {entry}" for entry in sorted(months[month])]
    return "\n".join(lines) + "\n"
