"""The topic prompts and the agenda rotation, as pure functions."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.core import i18n
from bot.sessions.agenda import AgendaItem, next_item, prompts_for, round_order, times_used
from bot.sessions.topics import (
    BY_KEY,
    PROMPT_MAX_CHARS,
    TOPICS,
    Topic,
    goal_prompts,
    labels,
)

GOAL_PROMPTS_EN = goal_prompts("en")
GOAL_PROMPTS_DE = goal_prompts("de")

KEYS = (
    "genai",
    "social_media",
    "platform_economy",
    "hybrid_work",
    "data",
    "security",
    "productivity",
    "collaboration",
    "cx",
    "innovation",
    "gen_z",
    "sustainability",
)


def goal(ref: str) -> AgendaItem:
    return AgendaItem("goal", ref)


def topic(key: str) -> AgendaItem:
    return AgendaItem("topic", key)


def run(
    goals: Sequence[str], topics: Sequence[str], sessions: int, used: Sequence[AgendaItem] = ()
) -> list[AgendaItem]:
    """The agenda of ``sessions`` further sessions, each fed the history so far."""
    history = list(used)
    for _ in range(sessions):
        item = next_item(goals=goals, topics=topics, used=history)
        assert item is not None
        history.append(item)
    return history[len(used) :]


# --- the library -------------------------------------------------------------------------


def test_library_keys_and_labels_unchanged() -> None:
    assert tuple(t.key for t in TOPICS) == KEYS
    assert BY_KEY["genai"].label("en") == "Generative AI"
    assert BY_KEY["genai"].label("de") == "Generative KI"
    assert BY_KEY["platform_economy"].label("de") == "Plattformökonomie"
    assert labels(["cx", "nope", "data"], "en") == [
        "Digital customer experience",
        "Data and analytics",
    ]
    assert Topic("x").prompts("en") == ()  # a topic the catalogs do not know has none


@pytest.mark.parametrize("key", KEYS)
def test_every_topic_has_prompts_in_both_languages(key: str) -> None:
    t = BY_KEY[key]
    en, de = t.prompts("en"), t.prompts("de")
    assert len(en) >= 3 and len(de) >= 3
    assert len(en) == len(de) == 5  # prompts_for's docstring relies on five
    assert en == tuple(i18n.t("en", f"topic.{key}.prompt.{n}") for n in range(1, 6))
    assert de == tuple(i18n.t("de", f"topic.{key}.prompt.{n}") for n in range(1, 6))
    assert t.prompts("fr") == en
    assert not set(en) & set(de)
    for prompt in en + de:
        assert prompt == prompt.strip() and prompt
        assert len(prompt) < PROMPT_MAX_CHARS
        assert not set(prompt) & set("<>&")  # safe as Slack mrkdwn without escaping
    assert len(set(en)) == len(en) and len(set(de)) == len(de)


def test_goal_prompts() -> None:
    assert goal_prompts("en") == GOAL_PROMPTS_EN
    assert goal_prompts("de") == GOAL_PROMPTS_DE
    assert goal_prompts("xx") == GOAL_PROMPTS_EN
    assert len(GOAL_PROMPTS_EN) == len(GOAL_PROMPTS_DE) == 5
    assert not set(GOAL_PROMPTS_EN) & set(GOAL_PROMPTS_DE)
    for prompt in GOAL_PROMPTS_EN + GOAL_PROMPTS_DE:
        assert len(prompt) < PROMPT_MAX_CHARS
        assert not set(prompt) & set("<>&")


def test_german_prompts_are_informal() -> None:
    formal = (" Sie ", " Ihnen ", " Ihrem ", " Ihren ")
    for prompt in [p for t in TOPICS for p in t.prompts("de")] + list(GOAL_PROMPTS_DE):
        assert not any(word in f" {prompt} " for word in formal), prompt


# --- rotation ----------------------------------------------------------------------------


def test_nothing_to_talk_about() -> None:
    assert next_item(goals=[], topics=[], used=[]) is None
    assert next_item(goals=[], topics=[], used=[goal("1"), topic("genai")]) is None
    assert next_item(goals=[], topics=["no_such_topic"], used=[]) is None


def test_alternates_goals_and_topics_and_repeats_nothing_within_a_round() -> None:
    agenda = run(["1", "2"], ["genai", "data"], 8)
    first = [goal("1"), topic("genai"), goal("2"), topic("data")]
    assert agenda == first + first


def test_longer_list_finishes_the_round_then_it_starts_over_in_the_same_order() -> None:
    agenda = run(["1", "2", "3"], ["cx"], 8)
    first = [goal("1"), topic("cx"), goal("2"), goal("3")]
    assert agenda == first + first
    agenda = run(["7"], ["cx", "data", "security"], 8)
    first = [goal("7"), topic("cx"), topic("data"), topic("security")]
    assert agenda == first + first


@pytest.mark.parametrize(
    ("goals", "topics"),
    [
        (["1", "2", "3"], []),
        ([], ["genai", "data", "security"]),
        (["5"], []),
        ([], ["genai"]),
    ],
)
def test_only_goals_or_only_topics(goals: list[str], topics: list[str]) -> None:
    expected = [goal(g) for g in goals] + [topic(t) for t in topics]
    assert run(goals, topics, 3 * len(expected)) == expected * 3


def test_every_item_once_per_round() -> None:
    goals, topics = ["1", "2", "3", "4"], ["genai", "cx"]
    agenda = run(goals, topics, 18)
    for start in range(0, 18, 6):
        assert set(agenda[start : start + 6]) == set(round_order(goals=goals, topics=topics))


def test_removed_goals_and_topics_are_skipped() -> None:
    history = [goal("1"), topic("genai"), goal("2")]
    # Goal 2 was reached and goal 1 dropped; genai is no longer shared.
    assert next_item(goals=["2", "3"], topics=["data"], used=history) == topic("data")
    assert run(["2", "3"], ["data"], 4, used=history) == [
        topic("data"),
        goal("3"),
        goal("2"),
        topic("data"),
    ]
    # Only removed items in the history: a fresh start.
    assert next_item(goals=["9"], topics=["cx"], used=[goal("1"), topic("genai")]) == goal("9")


def test_new_items_join_the_current_round() -> None:
    history = [goal("1"), topic("genai")]
    assert next_item(goals=["1", "2"], topics=["genai"], used=history) == goal("2")
    # A completed round, then a goal added: it comes before anything repeats.
    history = [goal("1"), topic("genai"), goal("2")]
    assert next_item(goals=["1", "2", "3"], topics=["genai"], used=history) == goal("3")


def test_unknown_topic_keys_and_duplicates_are_ignored() -> None:
    assert round_order(goals=["1", "1"], topics=["genai", "nope", "genai"]) == [
        goal("1"),
        topic("genai"),
    ]
    assert run(["1"], ["nope", "genai"], 4) == [goal("1"), topic("genai")] * 2


def test_keeps_alternating_within_a_round_when_the_history_is_out_of_order() -> None:
    # Earlier sessions used another order; within the round the kind still alternates.
    history = [topic("data"), goal("1")]
    assert next_item(goals=["1", "2"], topics=["genai", "data"], used=history) == topic("genai")


def test_deterministic() -> None:
    used = [goal("1"), topic("genai")]
    results = {
        next_item(goals=["3", "1"], topics=["security", "genai"], used=used) for _ in range(20)
    }
    assert results == {goal("3")}
    assert run(["3", "1"], ["security"], 9) == run(["3", "1"], ["security"], 9)


def test_agenda_item_is_a_plain_value() -> None:
    assert goal("12") == AgendaItem(kind="goal", ref="12")
    assert len({goal("1"), goal("1"), topic("1")}) == 2
    with pytest.raises(ValueError, match="kind"):
        AgendaItem("note", "x")
    assert times_used(topic("cx"), [topic("cx"), goal("1"), topic("cx")]) == 2
    assert times_used(goal("2"), [topic("cx")]) == 0


# --- prompts -----------------------------------------------------------------------------


def test_topic_prompts_in_the_language() -> None:
    en = prompts_for(topic("genai"), "en", session_number=0)
    de = prompts_for(topic("genai"), "de", session_number=0)
    assert en == list(BY_KEY["genai"].prompts("en")[:3])
    assert de == list(BY_KEY["genai"].prompts("de")[:3])
    for lang in ("fr", "", "EN", "de-CH"):
        assert prompts_for(topic("genai"), lang, session_number=0) == en


def test_goal_items_get_the_generic_prompts() -> None:
    assert prompts_for(goal("42"), "en", session_number=0) == list(GOAL_PROMPTS_EN[:3])
    assert prompts_for(goal("42"), "de", session_number=0) == list(GOAL_PROMPTS_DE[:3])
    assert prompts_for(goal("42"), "xx", session_number=1) == list(GOAL_PROMPTS_EN[1:4])


def test_count() -> None:
    assert len(prompts_for(topic("cx"), "en", session_number=3, count=2)) == 2
    assert len(prompts_for(topic("cx"), "en", session_number=3)) == 3
    assert prompts_for(topic("cx"), "en", session_number=3, count=99) == [
        *BY_KEY["cx"].prompts("en")[3:],
        *BY_KEY["cx"].prompts("en")[:3],
    ]
    with pytest.raises(ValueError, match="count"):
        prompts_for(topic("cx"), "en", session_number=3, count=0)
    assert prompts_for(topic("gone"), "en", session_number=3) == []


def test_prompts_wrap_around() -> None:
    pool = BY_KEY["data"].prompts("de")
    assert prompts_for(topic("data"), "de", session_number=4) == [pool[4], pool[0], pool[1]]
    assert prompts_for(topic("data"), "de", session_number=4 + len(pool)) == [
        pool[4],
        pool[0],
        pool[1],
    ]


@pytest.mark.parametrize(
    ("goals", "topics"),
    [
        (["1"], ["genai"]),
        (["1", "2"], ["genai", "data"]),
        ([], ["genai", "data", "security"]),
        (["1", "2", "3"], ["cx", "data", "gen_z"]),
    ],
)
def test_the_same_item_in_a_later_round_starts_with_other_prompts(
    goals: list[str], topics: list[str]
) -> None:
    rounds = 3
    size = len(goals) + len(topics)
    agenda = run(goals, topics, rounds * size)
    first_prompt: dict[AgendaItem, list[str]] = {}
    for number, item in enumerate(agenda, start=1):
        prompts = prompts_for(item, "en", session_number=number)
        assert 2 <= len(prompts) <= 3
        first_prompt.setdefault(item, []).append(prompts[0])
    for item, firsts in first_prompt.items():
        if item.kind == "topic":
            assert len(set(firsts)) == rounds, item  # no round repeats an opener


def test_times_used_rotates_whatever_the_round_length() -> None:
    # Five items per round: by session number the openers would repeat every round.
    goals, topics = ["1", "2"], ["genai", "data", "cx"]
    history: list[AgendaItem] = []
    openers: dict[AgendaItem, list[str]] = {}
    for _ in range(15):
        item = next_item(goals=goals, topics=topics, used=history)
        assert item is not None
        prompts = prompts_for(item, "de", session_number=times_used(item, history))
        openers.setdefault(item, []).append(prompts[0])
        history.append(item)
    for item, firsts in openers.items():
        assert len(set(firsts)) == 3, item
