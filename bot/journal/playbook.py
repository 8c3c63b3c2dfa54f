"""The anonymous best-practice playbook of ``/mentor admin export``, as Markdown.

It holds only what participants chose to share ("share anonymously as a best practice"
in the reflection modal), which :mod:`bot.reflections` stored with the month and a keyed
hash of its author (:func:`bot.reporting.hashes.author_hash`), never their ID. Like every figure of
the reports, no group of learnings in it stands for fewer than
:data:`~bot.reporting.figures.MIN_GROUP` people (:func:`arrange`), so that a cohort, a topic and a
month cannot narrow a learning down to one pair: what a topic and month of a cohort
cannot show goes to the topic's "various months", then to "various topics and months",
else it is held back (the document says so, without a number). Within a group the
learnings are sorted by their text, so their order tells nothing about who wrote them or
when. Slack mentions and anything that looks like a Slack user ID are taken out, and the
text cannot break the document's structure.

Only learnings of months that are over (calendar months in UTC) are shown: a learning
shared in a month appears on the first day of the next, together with every other of that
month. So two exports within a month are the same document (apart from its date), and
setting them side by side cannot tell which learning is new or when it came, not even
which group it joined.

Learnings shared before authors were kept get theirs back where the reflection they were
shared from says who wrote them (:func:`backfill_authors`, at start-up).
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date
from cryptography.fernet import InvalidToken
from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import col

from bot.core.context import Context
from bot.core.i18n import fmt_date, t
from bot.reporting import hashes
from bot.reporting.figures import MIN_GROUP
from bot.sessions.topics import BY_KEY, TOPICS
from storage.db import unreachable
from storage.models import BestPractice, Cohort, MentoringSession, Pair, Reflection

logger = logging.getLogger(__name__)

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
        month: ``YYYY-MM``, the calendar month (UTC) it was shared in.
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


def current_month(now: datetime) -> str:
    """``YYYY-MM`` of the calendar month (UTC) ``now`` is in: the month whose learnings
    are not shown yet."""
    return now.astimezone(UTC).strftime("%Y-%m")


def build(ctx: Context, cohorts: list[Cohort], lang: str, tz: str | None, *, every: bool) -> str:
    """The playbook for ``cohorts`` (``every``: all cohorts, also learnings whose cohort
    is gone), in the admin's language, from the learnings of months that are over.

    Everything in the document, also what merges into "various months" or "various
    topics and months" and whether anything is held back, comes from those months alone.
    """
    cohort_ids = [cohort.id for cohort in cohorts]
    now = ctx.clock()
    with ctx.db.transaction(write=False) as session:
        query = sa_select(
            col(BestPractice.cohort_id),
            col(BestPractice.topic),
            col(BestPractice.month),
            col(BestPractice.author),
            col(BestPractice.text),
        ).where(col(BestPractice.month) < current_month(now))
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
    return render(arrangement, lang, tz, now, None if every else cohorts)


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
        "",
        t(lang, "playbook.this_month"),
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


# --- authors of learnings shared before they were kept ----------------------------------

# What a shared learning and the reflection it came from have in common: the cohort (of
# the pair), the topic (of the session's agenda), the month (of the learning; of the
# reflection, when it was shared as it was written), the text.
_Origin = tuple[int, str | None, str, str]


@dataclass(frozen=True)
class _Attribution:
    """Learnings without an author, all by the person of ``evidence``."""

    rows: list[int]
    author: str
    evidence: list[int]  # that person's reflections with the same origin


def _opened(ctx: Context, token: str) -> str | None:
    try:
        return ctx.vault.decrypt(token)
    except (InvalidToken, ValueError):
        return None


def _attributions(ctx: Context) -> list[_Attribution]:
    """Which learnings without an author can be given one, read in one unit of work.

    A shared learning is a copy of its reflection's text, written when the reflection
    was shared, so it has the origin of a shared reflection: the pair's cohort, the
    session's topic, the month of the reflection (one that was shared later, in another
    month, is not found) and the same text. Per origin, each reflection was shared once:
    when one person alone has more such reflections than learnings already under their
    hash, and at least as many as there are learnings without an author, those are
    theirs. Anything else (two people with the same text, more learnings than
    reflections left, as after a ``/mentor forget``, which deletes the reflections)
    stays without an author: it may be someone else's.
    """
    rows = _read_origins(ctx)
    if rows is None:
        return []
    orphans, shared, authored = rows
    wanted = {(c, topic, month) for _, c, topic, month, _ in orphans if c is not None}
    without = _without_author(ctx, orphans)
    key = hashes.population_key(ctx.settings.encryption_key.get_secret_value())
    author_of: dict[str, str] = {}
    reflected: dict[_Origin, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for reflection_id, user_id, learned, created_at, kind, ref, cohort_id in shared:
        place = (cohort_id, ref if kind == "topic" else None, current_month(created_at))
        if place not in wanted:
            continue
        text = _opened(ctx, learned)
        if text is None or (*place, text) not in without:
            continue
        if user_id not in author_of:
            author_of[user_id] = hashes.author_hash(key, ctx.vault.user_key(user_id))
        reflected[(*place, text)][user_id].append(reflection_id)
    taken = _taken(ctx, authored, wanted, set(author_of.values()))
    found: list[_Attribution] = []
    for origin, learnings in without.items():
        sole = _sole_author(reflected.get(origin, {}), taken, origin, author_of)
        if sole is not None and len(learnings) <= sole[1]:
            user_id, _, ids = sole
            found.append(_Attribution(sorted(learnings), author_of[user_id], sorted(ids)))
    return sorted(found, key=lambda attribution: attribution.rows[0])


def _read_origins(ctx: Context) -> tuple[list[Any], list[Any], list[Any]] | None:
    """The learnings without an author; the shared reflections of their cohorts; the
    learnings of those cohorts and months that have an author. None when every learning
    has one (one query)."""
    with ctx.db.transaction(write=False) as session:
        orphans = session.execute(
            sa_select(
                col(BestPractice.id),
                col(BestPractice.cohort_id),
                col(BestPractice.topic),
                col(BestPractice.month),
                col(BestPractice.text),
            ).where(col(BestPractice.author).is_(None))
        ).all()
        if not orphans:
            return None
        cohorts = {c for _, c, _, _, _ in orphans if c is not None}
        months = {month for _, c, _, month, _ in orphans if c is not None}
        shared = session.execute(
            sa_select(
                col(Reflection.id),
                col(Reflection.user_id),
                col(Reflection.learned),
                col(Reflection.created_at),
                col(MentoringSession.agenda_kind),
                col(MentoringSession.agenda_ref),
                col(Pair.cohort_id),
            )
            .join(MentoringSession, col(MentoringSession.id) == col(Reflection.session_id))
            .join(Pair, col(Pair.id) == col(MentoringSession.pair_id))
            .where(col(Reflection.shared).is_(True))
            .where(col(Reflection.learned).is_not(None))
            .where(col(Pair.cohort_id).in_(cohorts))
        ).all()
        authored = session.execute(
            sa_select(
                col(BestPractice.cohort_id),
                col(BestPractice.topic),
                col(BestPractice.month),
                col(BestPractice.author),
                col(BestPractice.text),
            )
            .where(col(BestPractice.author).is_not(None))
            .where(col(BestPractice.cohort_id).in_(cohorts))
            .where(col(BestPractice.month).in_(months))
        ).all()
    return list(orphans), list(shared), list(authored)


def _without_author(ctx: Context, orphans: list[Any]) -> dict[_Origin, list[int]]:
    """The ids of the learnings without an author, by origin (a cohort's only)."""
    without: dict[_Origin, list[int]] = defaultdict(list)
    for row_id, cohort_id, topic, month, token in orphans:
        text = _opened(ctx, token) if cohort_id is not None else None
        if text is not None:
            without[(cohort_id, topic, month, text)].append(row_id)
    return without


def _taken(
    ctx: Context, authored: list[Any], wanted: set[tuple[int, str | None, str]], authors: set[str]
) -> Counter[tuple[_Origin, str]]:
    """How many learnings of each origin are already under each of these authors."""
    taken: Counter[tuple[_Origin, str]] = Counter()
    for cohort_id, topic, month, author, token in authored:
        if author in authors and (cohort_id, topic, month) in wanted:
            text = _opened(ctx, token)
            if text is not None:
                taken[((cohort_id, topic, month, text), author)] += 1
    return taken


def _sole_author(
    reflected: dict[str, list[int]],
    taken: Counter[tuple[_Origin, str]],
    origin: _Origin,
    hashes: dict[str, str],
) -> tuple[str, int, list[int]] | None:
    """The one person with shared reflections of this origin left over (more than their
    learnings already counted): their ID, how many are left, the reflections. None when
    nobody or more than one person has any left."""
    left = {
        user_id: (len(ids) - taken[(origin, hashes[user_id])], ids)
        for user_id, ids in reflected.items()
    }
    spare = [(user_id, count, ids) for user_id, (count, ids) in left.items() if count > 0]
    return spare[0] if len(spare) == 1 else None


def backfill_authors(ctx: Context) -> int:
    """Give learnings shared before authors were kept (``author`` None) the keyed hash
    :mod:`bot.journal.reflections` would have stored, where the reflections they were
    shared from name one person (see :func:`_attributions`); the rest stay None and count
    as nobody. Cheap when there is nothing to do: one query.

    Each attribution is written only while that person's reflections still exist, and
    holds them (``FOR KEY SHARE`` on PostgreSQL, the single writer on SQLite) until it
    commits: a ``/mentor forget`` deleting them waits, and then replaces the hash like
    any other of theirs, or went first and left nothing to attribute.

    Returns:
        How many learnings got their author.
    """
    found = _attributions(ctx)
    if not found:
        return 0
    filled = 0
    with ctx.db.transaction() as session:
        for attribution in found:
            still = session.execute(
                sa_select(col(Reflection.id))
                .where(col(Reflection.id).in_(attribution.evidence))
                .where(col(Reflection.shared).is_(True))
                .with_for_update(read=True, key_share=True)
            ).all()
            if len(still) < len(attribution.evidence):
                continue
            result = session.execute(
                update(BestPractice)
                .where(col(BestPractice.id).in_(attribution.rows))
                .where(col(BestPractice.author).is_(None))
                .values(author=attribution.author)
            )
            filled += result.rowcount  # type: ignore[attr-defined]
    return filled


def backfill_at_start(ctx: Context) -> None:
    """:func:`backfill_authors` at start-up (``mentor-bot run`` and ``dispatch``): one log
    line when it gave any learning its author; a failure is logged and never stops the
    bot from starting."""
    try:
        filled = backfill_authors(ctx)
    except Exception as error:  # the bot starts anyway; the next start tries again
        reason = unreachable(error)
        if reason is not None:
            logger.warning("authors of shared learnings not backfilled: %s", reason)
        else:
            logger.exception("authors of shared learnings not backfilled")
        return
    if filled:
        logger.info("%d learnings shared before authors were kept have their author", filled)
