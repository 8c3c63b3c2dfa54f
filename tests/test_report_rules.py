"""The release rules of admin reports, figure by figure, and the report's rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from bot.core.crypto import generate_key
from bot.fakeslack.blockkit import check_message
from bot.journal.playbook import clean
from bot.reporting.figures import (
    ALL,
    BY_KEY,
    FEWER_THAN,
    METRICS,
    UNCHANGED,
    VALUE,
    WITHHELD,
    Contribution,
    Figure,
    Shown,
)
from bot.reporting.hashes import contribution_hash, person_hash, population_key
from bot.reporting.releaser import Releaser
from bot.reporting.releases import forget, read_all
from bot.reporting.report import Report, ScopeReport
from bot.reporting.views import build_report
from storage.db import Database
from storage.models import ReportRelease

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def figure(people: str, metric: str = "mentors") -> Figure:
    """A count of the memberships of the people named by the letters of ``people``."""
    members = frozenset(Contribution(p, f"member|{p}") for p in people)
    return Figure(metric, float(len(people)), members)


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
        rows = read_all(session)
    assert sorted((r.metric, r.scope, r.period, r.value) for r in rows) == [
        ("mentees", "1", ALL, 5),
        ("mentors", "1", "2026-10", 5),
        ("mentors", "1", "2026-12", 6),
        ("mentors", "1", ALL, 6),
        ("mentors", "1", ALL, 11),
    ]
    # Keyed hashes only: of each person, and of each contribution (never a raw token).
    tokens = set("abcdefghijkuvwxyz")
    for row in rows:
        persons = {person for person, _ in row.contributions}
        items = {item for _, item in row.contributions}
        assert not (persons | items) & tokens
        assert not {f"member|{p}" for p in tokens} & items
        named = {p for p in tokens if person_hash(key, p) in persons}
        assert persons == {person_hash(key, p) for p in named}
        assert items == {contribution_hash(key, row.metric, f"member|{p}") for p in named}
        assert row.people == len(named) == len(row.contributions)


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


def sessions(held: dict[int, str]) -> Figure:
    """A count of sessions held, each by the two people named by its letters."""
    sides = frozenset(
        Contribution(person, f"session|{number}|{side}")
        for number, pair in held.items()
        for side, person in enumerate(pair)
    )
    return Figure("sessions_held", float(len(held)), sides)


def ratings(given: list[tuple[str, int, int]]) -> Figure:
    """The average of ratings (person, session, rating)."""
    parts = frozenset(Contribution(p, f"rating|{n}|{p}|{r}") for p, n, r in given)
    return Figure("average_rating", sum(r for _, _, r in given) / len(given), parts)


OCTOBER = {1: "ab", 2: "cd", 3: "ef", 4: "gh", 5: "ij"}  # 10 people
NOVEMBER = {6: "ab"}  # one pair: "fewer than 5"
DECEMBER = {7: "ab", 8: "cd", 9: "ef", 10: "gh", 11: "ij"}  # the same 10 people


def test_one_session_more_over_the_same_people_is_held_back(db: Database) -> None:
    with db.transaction() as session:
        rules = releaser(session)
        assert rules.release("1", "2026-10", sessions(OCTOBER)).state == VALUE
        assert rules.release("1", "2026-11", sessions(NOVEMBER)).state == FEWER_THAN
        # 6 over the same 10 people as October's 5: 6 - 5 is November's session.
        assert rules.release("1", ALL, sessions(OCTOBER | NOVEMBER)).state == WITHHELD
        assert rules.release(ALL, ALL, sessions(OCTOBER | NOVEMBER)).state == WITHHELD
        # Sessions of more people (8 people changed) are fine.
        more = OCTOBER | NOVEMBER | {12: "kl", 13: "mn", 14: "op"}
        assert rules.release("1", ALL, sessions(more)).state == VALUE


def test_all_time_minus_the_months_shown_does_not_reveal_a_month(db: Database) -> None:
    everything = OCTOBER | NOVEMBER | DECEMBER
    with db.transaction() as session:  # the months first (the export), then all time
        rules = releaser(session)
        assert rules.release("1", "2026-10", sessions(OCTOBER)).state == VALUE
        assert rules.release("1", "2026-11", sessions(NOVEMBER)).state == FEWER_THAN
        assert rules.release("1", "2026-12", sessions(DECEMBER)).state == VALUE
        # 11 - 5 - 5 would be November's session.
        assert rules.release("1", ALL, sessions(everything)).state == WITHHELD
    with db.transaction() as session:
        session.execute(delete(ReportRelease))
    with db.transaction() as session:  # all time first (the report), then the months
        rules = releaser(session)
        assert rules.release("1", ALL, sessions(everything)).state == VALUE
        assert rules.release("1", "2026-10", sessions(OCTOBER)).state == VALUE
        assert rules.release("1", "2026-11", sessions(NOVEMBER)).state == FEWER_THAN
        # 11 - 5 - this would be November's session.
        assert rules.release("1", "2026-12", sessions(DECEMBER)).state == WITHHELD


def test_a_rating_added_or_changed_by_the_same_raters_is_held_back(db: Database) -> None:
    first = [("a", 1, 4), ("b", 2, 4), ("c", 3, 4), ("d", 4, 4), ("e", 5, 2)]
    with db.transaction() as session:
        rules = releaser(session)
        shown = rules.release("1", ALL, ratings(first))
        assert (shown.state, shown.value) == (VALUE, 3.6)
        # The same 5 raters: a's rating of one more session, or e's new mind.
        for given in (first + [("a", 6, 5)], first[:4] + [("e", 5, 3)]):
            shown = rules.release("1", ALL, ratings(given))
            assert (shown.state, shown.value, shown.since) == (UNCHANGED, 3.6, NOW)
        # Five raters with a rating more: the new value, with its trend.
        given = first + [(p, 7, 5) for p in "abcde"]
        shown = rules.release("1", ALL, ratings(given))
        assert (shown.state, shown.value, shown.trend) == (VALUE, 4.3, 0.7)


def test_forget_replaces_a_persons_hashes_and_they_count_once(db: Database) -> None:
    key = population_key(generate_key())
    with db.transaction() as session:
        rules = Releaser(session, key, NOW)
        assert rules.release("1", ALL, figure("abcdef")).state == VALUE
        assert rules.release("1", "2026-11", figure("abcdef")).state == VALUE
        assert rules.release("1", ALL, figure("abcdefghijk", "mentees")).state == VALUE
    with db.transaction() as session:
        assert forget(session, key, "a") == 3
    with db.transaction() as session:
        assert forget(session, key, "a") == 0  # nothing left to replace
        rows = read_all(session)
    everything = [entry for row in rows for entry in row.contributions]
    assert person_hash(key, "a") not in {p for p, _ in everything}
    for metric in ("mentors", "mentees"):
        assert contribution_hash(key, metric, "member|a") not in {c for _, c in everything}
    assert [(row.people, len(row.contributions)) for row in rows] == [(6, 6), (6, 6), (11, 11)]
    # One placeholder per metric; the same replacement wherever the same hash was.
    stand_ins = [(row.metric, p, c) for row in rows for p, c in row.contributions if p[0] == "~"]
    assert len(stand_ins) == 3 and stand_ins[0][1:] == stand_ins[1][1:]
    assert stand_ins[0][1] != stand_ins[2][1] and rows[0].contributions == rows[1].contributions

    with db.transaction() as session:
        rules = Releaser(session, key, NOW + timedelta(days=1))
        assert rules.release("1", ALL, figure("bcdef")).state == UNCHANGED  # a is gone
        # a, g, h and i changed, or only g, h and i if a is back under the same ID.
        assert rules.release("1", ALL, figure("abcdefghi")).state == UNCHANGED
        shown = rules.release("1", ALL, figure("abcdefghij"))
        assert (shown.state, shown.value, shown.trend) == (VALUE, 10, 4)
        # Gone with 4 others whom the earlier figure named: 5 people, whoever came back.
        shown = rules.release("1", ALL, figure("fghijk", "mentees"))
        assert (shown.state, shown.value, shown.trend) == (VALUE, 6, -5)


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


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_outcomes_of_every_topic_fit_slack_and_show_a_change_only_between_shown_values(
    lang: str,
) -> None:
    from bot.reporting.figures import TOPIC_METRICS

    scalar = [Shown(m, UNCHANGED, value=4.5, since=NOW) for m in METRICS]
    per_topic = [Shown(m, UNCHANGED, value=2.5, since=NOW) for m in TOPIC_METRICS]
    names = [f"{'c' * 38}{n:02d}" for n in range(30)]
    scopes = [ScopeReport(name, scalar + per_topic) for name in names]
    messages = build_report(lang, "Europe/Berlin", Report(NOW, scopes))
    for text, blocks in messages:
        assert check_message(text=text, blocks=blocks) is None
        assert "…" not in json.dumps(blocks, ensure_ascii=False)
    everything = json.dumps(messages, ensure_ascii=False)
    assert all(everything.count(name) == 1 for name in names)
    masked = [
        Shown(BY_KEY["conf_before:genai"], FEWER_THAN),
        Shown(BY_KEY["conf_after:genai"], FEWER_THAN),
        Shown(BY_KEY["conf_before:cx"], VALUE, value=2.0),
        Shown(BY_KEY["conf_after:cx"], VALUE, value=3.5),
    ]
    [(_, blocks)] = build_report("en", None, Report(NOW, [ScopeReport("c", masked)]))
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Generative AI: _fewer than 5_ → _fewer than 5_\\n" in text  # no change to tell
    assert "*2.0* → *3.5* (change +1.5)" in text
