"""The agenda of a session: which item comes next, and which prompts go with it.

Pure functions, no I/O. An agenda item is either one of the mentee's open learning goals
(referenced by the goal's id) or one of the pair's shared topics (referenced by its key).
Nothing a person wrote is held here: the caller looks a goal's text up when it needs it.

Rotation: the items of one *round* are the goals and the topics, interleaved goal, topic,
goal, topic, ... in the order given (whatever is left of the longer list follows at the
end). No item repeats until every item was used once; then a new round begins in the same
order. The state of the current round is read from the history of earlier sessions, so
goals or topics that were added or removed in between are handled: removed ones are
ignored, new ones join the current round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

from bot.sessions.topics import BY_KEY, goal_prompts

GOAL = "goal"
TOPIC = "topic"
KINDS = (GOAL, TOPIC)


@dataclass(frozen=True)
class AgendaItem:
    """One agenda item: ``kind`` is "goal" or "topic"; ``ref`` a goal id or a topic key."""

    kind: str
    ref: str
    # Nothing a person wrote is stored here: the caller looks the goal text up.

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"agenda item kind must be one of {KINDS}, not {self.kind!r}")


def _unique(values: Sequence[str]) -> list[str]:
    """``values`` without duplicates, first occurrence kept."""
    return list(dict.fromkeys(values))


def round_order(*, goals: Sequence[str], topics: Sequence[str]) -> list[AgendaItem]:
    """The items of one round in order: goals and topics alternating, goal first.

    Duplicates are dropped, and so are topic keys the library does not know (they have no
    prompts). The remainder of the longer list follows at the end.
    """
    goal_items = [AgendaItem(GOAL, ref) for ref in _unique(goals)]
    topic_items = [AgendaItem(TOPIC, key) for key in _unique(topics) if key in BY_KEY]
    return [
        item for pair in zip_longest(goal_items, topic_items) for item in pair if item is not None
    ]


def next_item(
    *, goals: Sequence[str], topics: Sequence[str], used: Sequence[AgendaItem]
) -> AgendaItem | None:
    """The agenda item of the next session, or None when there are no goals and no topics.

    Args:
        goals: The ids (as str) of the mentee's open goals, in the order to use them.
        topics: The keys of the pair's shared topics, in the order to use them.
        used: The items of the earlier sessions, oldest first. Items that are no longer among
            ``goals`` or ``topics`` are ignored.
    """
    order = round_order(goals=goals, topics=topics)
    if not order:
        return None
    current = set(order)
    in_round: set[AgendaItem] = set()
    for item in used:
        if item not in current:
            continue
        if item in in_round:  # a repeat: the history started a new round here
            in_round = set()
        in_round.add(item)
        if in_round == current:  # the round is complete
            in_round = set()
    remaining = [item for item in order if item not in in_round]
    if not in_round:
        return remaining[0]  # a new round starts at the beginning
    # Within a round, keep alternating: prefer the other kind than last time.
    last_kind = used[-1].kind if used else None
    for item in remaining:
        if item.kind != last_kind:
            return item
    return remaining[0]


def times_used(item: AgendaItem, used: Sequence[AgendaItem]) -> int:
    """How often ``item`` was on the agenda before: 0 in its first round, 1 in its second…

    Passed as ``session_number`` to :func:`prompts_for`, it guarantees that every appearance
    of an item starts with other prompts than its previous one.
    """
    return sum(1 for earlier in used if earlier == item)


def prompts_for(item: AgendaItem, lang: str, *, session_number: int, count: int = 3) -> list[str]:
    """Up to ``count`` conversation prompts for ``item`` in ``lang``.

    ``lang`` is "de" or "en"; anything else gets English. Goal items get the generic goal
    prompts, topic items their topic's prompts; a topic key the library does not know gets
    none. The prompts rotate: session ``n`` starts at prompt ``n`` (modulo their number) and
    takes the following ones, wrapping around. Every library list has 5 prompts, so the same
    item in the next round starts elsewhere unless the round length is a multiple of 5; pass
    :func:`times_used` as ``session_number`` to rule that out.

    Raises:
        ValueError: ``count`` is less than 1.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    if item.kind == GOAL:
        pool = goal_prompts(lang)
    else:
        topic = BY_KEY.get(item.ref)
        pool = topic.prompts(lang) if topic is not None else ()
    if not pool:
        return []
    start = session_number % len(pool)
    return [pool[(start + step) % len(pool)] for step in range(min(count, len(pool)))]
