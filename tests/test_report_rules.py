"""The release rules of admin reports, figure by figure, and the report's rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.crypto import generate_key
from bot.fakeslack.blockkit import check_message
from bot.playbook import clean
from bot.report import (
    ALL,
    BY_KEY,
    FEWER_THAN,
    METRICS,
    UNCHANGED,
    VALUE,
    WITHHELD,
    Figure,
    Releaser,
    Report,
    ScopeReport,
    Shown,
    population_key,
)
from bot.views import build_report
from storage.db import Database
from storage.models import ReportRelease

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def figure(people: str, metric: str = "mentors") -> Figure:
    """A count over the people named by the letters of ``people``."""
    return Figure(metric, float(len(people)), frozenset(people))


def releaser(session: object, now: datetime = NOW) -> Releaser:
    return Releaser(session, population_key(generate_key()), now)  # type: ignore[arg-type]


def test_small_differences_are_held_back_and_large_ones_released(db: Database) -> None:
    key = population_key(generate_key())
    with db.transaction() as session:
        rules = Releaser(session, key, NOW)
        assert rules.release("1", ALL, figure("abcd")).state == FEWER_THAN
        first = rules.release("1", ALL, figure("abcdef"))
        assert (first.state, first.value, first.trend) == (VALUE, 6, None)
        again = rules.release("1", ALL, figure("abcdef"))  # the same people: no new row
        assert (again.state, again.value, again.trend) == (VALUE, 6, 0)
        for people in ("abcde", "abcdefg", "abcdefghij", "abcdeg"):  # 1 to 4 people differ
            shown = rules.release("1", ALL, figure(people))
            assert (shown.state, shown.value, shown.since) == (UNCHANGED, 6, NOW), people
        # Another scope has no earlier value to fall back on.
        assert rules.release(ALL, ALL, figure("abcdefg")).state == WITHHELD
        # Five people changed: released, with the change since the last release.
        later = rules.release("1", ALL, figure("abcdefghijk"))
        assert (later.state, later.value, later.trend) == (VALUE, 11, 5)
        # A month is set against everything so far, not against other months.
        assert rules.release("1", "2026-11", figure("abcdefghij")).state == WITHHELD
        assert rules.release("1", "2026-10", figure("vwxyz")).state == VALUE
        assert rules.release("1", "2026-12", figure("uvwxyz")).state == VALUE
        # Other metrics are other figures.
        assert rules.release("1", ALL, figure("abcde", "mentees")).state == VALUE
    with db.transaction() as session:
        rows = session.exec(select(ReportRelease)).all()
    assert sorted((r.metric, r.scope, r.period, r.value) for r in rows) == [
        ("mentees", "1", ALL, 5),
        ("mentors", "1", "2026-10", 5),
        ("mentors", "1", "2026-12", 6),
        ("mentors", "1", ALL, 6),
        ("mentors", "1", ALL, 11),
    ]
    hashes = [h for row in rows for h in row.population]
    assert all(len(h) == 32 and h not in "abcdefghijkuvwxyz" for h in hashes)
    assert all(row.people == len(row.population) for row in rows)


def test_a_total_minus_the_cohorts_shown_does_not_reveal_a_small_one(db: Database) -> None:
    with db.transaction() as session:
        rules = releaser(session)
        assert rules.release("1", ALL, figure("abcdef")).state == VALUE
        assert rules.release("2", ALL, figure("x")).state == FEWER_THAN
        assert rules.release("3", ALL, figure("ghijk")).state == VALUE
        # 12 - 6 - 5 would be cohort 2's one person.
        assert rules.release(ALL, ALL, figure("abcdefghijkx")).state == WITHHELD
        # With five people outside the cohorts shown, the total is fine.
        assert rules.release(ALL, ALL, figure("abcdefghijkvwxyz")).state == VALUE


def test_an_earlier_total_minus_new_cohort_figures_does_not_reveal_anyone(
    db: Database,
) -> None:
    with db.transaction() as session:
        rules = releaser(session)
        assert rules.release(ALL, ALL, figure("abcdefghijkl")).state == VALUE
        assert rules.release("1", ALL, figure("abcdef")).state == VALUE
        # The earlier total minus cohort 1 and this would be one person (l).
        assert rules.release("3", ALL, figure("ghijk")).state == WITHHELD
        assert rules.release("3", ALL, figure("ghijkl")).state == VALUE


def test_releases_persist_across_reports(db: Database) -> None:
    key = population_key(generate_key())
    with db.transaction() as session:
        assert Releaser(session, key, NOW).release("1", ALL, figure("abcdef")).state == VALUE
    tomorrow = NOW + timedelta(days=1)
    with db.transaction() as session:
        shown = Releaser(session, key, tomorrow).release("1", ALL, figure("abcde"))
    assert (shown.state, shown.value, shown.since) == (UNCHANGED, 6, NOW)
    with db.transaction() as session:
        other_key = population_key(generate_key())  # another deployment's hashes differ
        assert (
            Releaser(session, other_key, tomorrow).release("1", ALL, figure("abcdef")).state
            == VALUE
        )


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_report_fits_slack_also_with_many_cohorts(lang: str) -> None:
    states = [
        Shown(BY_KEY["mentors"], VALUE, value=1234, trend=-3),
        Shown(BY_KEY["reflection_rate"], VALUE, value=83, trend=5),
        Shown(BY_KEY["average_rating"], VALUE, value=4.3, trend=-0.2),
        Shown(BY_KEY["goals_set"], UNCHANGED, value=12, since=NOW),
        Shown(BY_KEY["goals_done"], FEWER_THAN),
        Shown(BY_KEY["goal_progress"], WITHHELD),
    ]
    figures = states + [Shown(m, VALUE, value=7, trend=0) for m in METRICS[len(states) :]]
    names = [f"{'c' * 38}{n:02d}" for n in range(60)]  # 40 characters, as long as allowed
    scopes = [ScopeReport(name, figures) for name in names] + [ScopeReport(None, figures)]
    messages = build_report(lang, "Europe/Berlin", Report(NOW, scopes))
    assert len(messages) == 3
    for text, blocks in messages:
        assert check_message(text=text, blocks=blocks) is None
        assert "…" not in json.dumps(blocks, ensure_ascii=False)
    everything = json.dumps(messages, ensure_ascii=False)
    assert all(everything.count(name) == 1 for name in names)
    if lang == "en":
        assert "*1,234* (−3)" in everything and "*83%* (+5 pp)" in everything
        assert "*4.3* (−0.2)" in everything and "(unchanged since Nov 24, 2026)" in everything
    else:
        assert "*1.234* (−3)" in everything and "*83\u00a0%* (+5 Pp.)" in everything
        assert "*4,3* (−0,2)" in everything and "(unverändert seit 24.11.2026)" in everything


def test_shared_learnings_lose_mentions_ids_and_markdown_structure() -> None:
    text = "# Big idea\n> quoted <@U012ABCDEF> and U012ABCDEF, <!channel>\n- list\n1. one"
    cleaned = clean(text)
    assert "U012ABCDEF" not in cleaned and "<" not in cleaned
    assert cleaned.split("\n") == [
        "\\# Big idea",
        "  &gt; quoted […] and […], […]",  # an entity: no quote
        "  \\- list",
        "  \\1. one",
    ]
    assert clean("Use UTC and UX research") == "Use UTC and UX research"
