"""The outcome figures per topic (:data:`bot.reporting.figures.TOPIC_METRICS`), for the
report and the debrief: confidence before and after, and topic demand.

Confidence counts only mentees who rated a topic both when their pair began (the
self-assessment) and in that pair's closing survey, so "before" and "after" are about the
same people and their change is the difference of the two; each rating is a contribution
of its own (``conf|PAIR|TOKEN|TOPIC|VALUE``), so the release rules see a changed or added
rating as a change by that one person. Demand counts the people enrolled now: mentees who
want a topic, mentors who offer it. A topic nobody rated, wanted or offered has no
figure at all.
"""

from __future__ import annotations

from bot.reporting.data import Data, _Answer
from bot.reporting.figures import (
    CONFIDENCE_AFTER,
    CONFIDENCE_BEFORE,
    OFFERED,
    WANTED,
    Contribution,
    Figure,
    averaged,
    counted,
)
from bot.sessions.topics import KEYS


def _rated(answers: list[_Answer], kind: str) -> dict[tuple[int, str], dict[str, int]]:
    return {(a.pair_id, a.token): dict(a.confidence) for a in answers if a.kind == kind}


def confidence(data: Data, cohort_ids: frozenset[int] | None) -> list[Figure]:
    """Per topic that someone rated before and after: the average before and after."""
    answers = [a for a in data.answers if cohort_ids is None or a.cohort_id in cohort_ids]
    before = _rated(answers, "baseline")
    after = _rated(answers, "closing")
    figures: list[Figure] = []
    for topic in KEYS:
        pairs = [
            (pair_id, token, start[topic], after[pair_id, token][topic])
            for (pair_id, token), start in sorted(before.items())
            if topic in start and topic in after.get((pair_id, token), {})
        ]
        if not pairs:
            continue
        for metric, index in ((CONFIDENCE_BEFORE, 2), (CONFIDENCE_AFTER, 3)):
            values = [
                (Contribution(p[1], f"conf|{p[0]}|{p[1]}|{topic}|{p[index]}"), int(p[index]))
                for p in pairs
            ]
            figures.append(averaged(f"{metric}:{topic}", values))
    return figures


def demand(data: Data, cohort_ids: frozenset[int] | None) -> list[Figure]:
    """Per topic that someone enrolled now wants or offers: how many mentees want it,
    and how many mentors offer it."""
    members = [
        m for m in data.members if not m.left and (cohort_ids is None or m.cohort_id in cohort_ids)
    ]
    figures: list[Figure] = []
    for topic in KEYS:
        wanted = [m for m in members if m.role == "mentee" and topic in m.topics]
        offered = [m for m in members if m.role == "mentor" and topic in m.topics]
        if not wanted and not offered:
            continue
        figures += [
            counted(
                f"{WANTED}:{topic}",
                ([Contribution(m.token, f"member|{m.token}|{topic}")] for m in wanted),
            ),
            counted(
                f"{OFFERED}:{topic}",
                ([Contribution(m.token, f"member|{m.token}|{topic}")] for m in offered),
            ),
        ]
    return figures


def by_topic(data: Data, cohort_ids: frozenset[int] | None) -> list[Figure]:
    """Every outcome figure per topic of some cohorts (None: all), everything so far."""
    return [*confidence(data, cohort_ids), *demand(data, cohort_ids)]
