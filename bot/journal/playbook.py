"""The anonymous best-practice playbook of ``/mentor admin export``, as Markdown.

It holds only what participants chose to share ("share anonymously as a best practice"
in the reflection modal), which :mod:`bot.reflections` stored with the month and a keyed
hash of its author (:func:`bot.report.author_hash`), never their ID. Like every figure of
the reports, no group of learnings in it stands for fewer than
:data:`~bot.report.MIN_GROUP` people (:func:`arrange`), so that a cohort, a topic and a
month cannot narrow a learning down to one pair: what a topic and month of a cohort
cannot show goes to the topic's "various months", then to "various topics and months",
else it is held back (the document says so, without a number). Within a group the
learnings are sorted by their text, so their order tells nothing about who wrote them or
when. Slack mentions and anything that looks like a Slack user ID are taken out, and the
text cannot break the document's structure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_date
from sqlalchemy import select as sa_select
from sqlmodel import col

from bot.core.context import Context
from bot.core.i18n import fmt_date, t
from bot.reporting.report import MIN_GROUP
from bot.sessions.topics import BY_KEY, TOPICS
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


@dataclass(frozen=True)
class Learning:
    """A shared learning as the playbook groups it.

    Attributes:
        cohort_id: Its cohort (None when the cohort is gone).
        topic: A key of the topic library, or None (no topic, or one no longer offered).
        month: ``YYYY-MM``, when it was shared.
        author: The keyed hash of its author, a forgotten author's placeholder, or None
            for a learning shared before authors were kept.
        text: What is shown (encrypted until :func:`build` decrypts what it shows).
    """

    cohort_id: int | None
    topic: str | None
    month: str
    author: str | None
    text: str


@dataclass
class Arrangement:
    """Where each learning goes: under its topic and month, under its topic's "various
    months" (month None), under "various topics and months", or nowhere (held back)."""

    topics: dict[str | None, dict[str | None, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    mixed: list[str] = field(default_factory=list)
    held_back: bool = False


def people(learnings: Iterable[Learning]) -> int:
    """How many people surely stand behind ``learnings``: their distinct authors. A
    learning shared before authors were kept could be by any of them, so it counts as
    nobody."""
    return len({learning.author for learning in learnings if learning.author is not None})


def _place(learnings: list[Learning], into: Arrangement) -> list[Learning]:
    """Arrange the learnings of one cohort; returns those no group of 5 people takes."""
    by_month: dict[tuple[str | None, str], list[Learning]] = defaultdict(list)
    for learning in learnings:
        by_month[(learning.topic, learning.month)].append(learning)
    rest: dict[str | None, list[Learning]] = defaultdict(list)
    for (topic, month), group in by_month.items():
        if people(group) >= MIN_GROUP:
            into.topics[topic][month] += [learning.text for learning in group]
        else:
            rest[topic] += group
    left: list[Learning] = []
    for topic, group in rest.items():
        if people(group) >= MIN_GROUP:
            into.topics[topic][None] += [learning.text for learning in group]
        else:
            left += group
    if people(left) >= MIN_GROUP:
        into.mixed += [learning.text for learning in left]
        return []
    return left


def arrange(learnings: Iterable[Learning]) -> Arrangement:
    """Group the learnings so that each group shown stands for 5 or more people.

    Per cohort: a topic's month is shown when 5 or more people shared in it; what its
    other months hold goes to the topic's "various months" when that makes 5 people;
    what is left of all topics to "various topics and months" when that does. Grouping
    per cohort also in the playbook of all cohorts gives every learning there the group
    it has in its cohort's playbook or a wider one, so that setting the two side by side
    narrows nothing down. What no cohort can show goes to "various topics and months"
    of all cohorts if 5 or more people are behind it; the rest is held back.
    """
    by_cohort: dict[int | None, list[Learning]] = defaultdict(list)
    for learning in learnings:
        by_cohort[learning.cohort_id].append(learning)
    arrangement = Arrangement()
    left: list[Learning] = []
    for cohort_id in sorted(by_cohort, key=lambda c: (c is None, c or 0)):
        left += _place(by_cohort[cohort_id], arrangement)
    if people(left) >= MIN_GROUP:  # held back in their cohorts, together 5 people
        arrangement.mixed += [learning.text for learning in left]
    elif left:
        arrangement.held_back = True
    return arrangement


def build(ctx: Context, cohorts: list[Cohort], lang: str, tz: str | None, *, every: bool) -> str:
    """The playbook for ``cohorts`` (``every``: all cohorts, also learnings whose cohort
    is gone), in the admin's language."""
    cohort_ids = [cohort.id for cohort in cohorts]
    with ctx.db.transaction(write=False) as session:
        query = sa_select(
            col(BestPractice.cohort_id),
            col(BestPractice.topic),
            col(BestPractice.month),
            col(BestPractice.author),
            col(BestPractice.text),
        )
        if not every:
            query = query.where(col(BestPractice.cohort_id).in_(cohort_ids))
        rows = session.execute(query).all()
    arrangement = arrange(
        Learning(cohort_id, topic if topic in BY_KEY else None, month, author, token)
        for cohort_id, topic, month, author, token in rows
    )

    def shown(tokens: list[str]) -> list[str]:
        return [clean(ctx.vault.decrypt(token)) for token in tokens]

    arrangement.topics = {
        topic: {month: shown(tokens) for month, tokens in months.items()}
        for topic, months in arrangement.topics.items()
    }
    arrangement.mixed = shown(arrangement.mixed)
    return render(arrangement, lang, tz, ctx.clock(), None if every else cohorts)


def render(
    arrangement: Arrangement,
    lang: str,
    tz: str | None,
    now: datetime,
    cohorts: list[Cohort] | None,
) -> str:
    """The Markdown document: topics in the library's order, "other" last, newest month
    first and "various months" after the months; "various topics and months" last."""
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
    grouped = arrangement.topics
    if not grouped and not arrangement.mixed and not arrangement.held_back:
        lines += ["", t(lang, "playbook.empty")]
    for key in order:
        months = grouped.get(key)
        if not months:
            continue
        title = BY_KEY[key].label(lang) if key is not None else t(lang, "playbook.other")
        lines += ["", f"## {title}"]
        dated = sorted((m for m in months if m is not None), reverse=True)
        sections: list[str | None] = [*dated, None] if None in months else [*dated]
        for month in sections:
            label = t(lang, "playbook.various_months")
            if month is not None:
                label = _month_label(month, lang)
            lines += ["", f"### {label}", ""]
            lines += [f"- {entry}" for entry in sorted(months[month])]
    if arrangement.mixed:
        lines += ["", f"## {t(lang, 'playbook.various')}", ""]
        lines += [f"- {entry}" for entry in sorted(arrangement.mixed)]
    if arrangement.held_back:
        lines += ["", f"_{t(lang, 'playbook.held_back')}_"]
    return "\n".join(lines) + "\n"
