"""The matcher (bot.matching): hard rules, determinism, exact optimality, lexicographic slots."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import networkx as nx
import pytest

from bot.matching.matcher import (
    SLOT_QUANTUM,
    Candidate,
    MatchResult,
    ProposedPair,
    _slot_points,
    _Slots,
    match,
    slot_score,
)


def mentor(
    uid: str,
    topics: set[str] | frozenset[str],
    *,
    department: str | None = None,
    offset: int | None = 60,
    weekdays: frozenset[int] = frozenset(),
    window: str = "any",
) -> Candidate:
    return Candidate(
        id=uid,
        history_key="h-" + uid,
        role="mentor",
        topics=frozenset(topics),
        department=department,
        utc_offset_minutes=offset,
        weekdays=weekdays,
        time_window=window,
    )


def mentee(
    uid: str,
    topics: set[str] | frozenset[str],
    *,
    department: str | None = None,
    offset: int | None = 60,
    weekdays: frozenset[int] = frozenset(),
    window: str = "any",
) -> Candidate:
    return Candidate(
        id=uid,
        history_key="h-" + uid,
        role="mentee",
        topics=frozenset(topics),
        department=department,
        utc_offset_minutes=offset,
        weekdays=weekdays,
        time_window=window,
    )


Slot = tuple[int | None, frozenset[int], str]  # UTC offset, weekdays, time window
#: Two slot profiles that fit not at all: other weekday, disjoint windows, 12 hours apart.
EARLY: Slot = (0, frozenset({0}), "morning")
LATE: Slot = (720, frozenset({1}), "afternoon")


def at(person: Candidate, slot: Slot) -> Candidate:
    offset, weekdays, window = slot
    return replace(person, utc_offset_minutes=offset, weekdays=weekdays, time_window=window)


def pair_ids(result: MatchResult) -> set[tuple[str, str]]:
    return {(pair.mentor_id, pair.mentee_id) for pair in result.pairs}


def dept_key(department: str | None) -> str | None:
    return (department or "").strip().casefold() or None


def allowed(a: Candidate, b: Candidate, past: set[frozenset[str]]) -> bool:
    """The hard rules, written independently of the module."""
    da, db = dept_key(a.department), dept_key(b.department)
    if da is not None and da == db:
        return False
    if frozenset({a.history_key, b.history_key}) in past:
        return False
    return bool(a.topics & b.topics)


# --- hard rules ---------------------------------------------------------------------------


def test_same_department_never_paired_case_insensitive_and_trimmed() -> None:
    result = match(
        [
            mentor("M1", {"genai", "data"}, department=" Sales "),
            mentee("E1", {"genai", "data"}, department="sALES"),
        ]
    )
    assert result.pairs == ()
    assert result.unmatched == ("E1", "M1")
    assert result.total_overlap == 0

    # With another counterpart available, the same-department pair is skipped even though it
    # would have the larger overlap.
    result = match(
        [
            mentor("M1", {"genai", "data"}, department="Sales"),
            mentee("E1", {"genai", "data"}, department=" sales"),
            mentee("E2", {"genai"}, department="Finance"),
        ]
    )
    assert pair_ids(result) == {("M1", "E2")}
    assert result.unmatched == ("E1",)
    assert result.total_overlap == 1


def test_missing_or_blank_department_is_no_conflict() -> None:
    result = match(
        [
            mentor("M1", {"genai"}, department=None),
            mentee("E1", {"genai"}, department=None),
            mentor("M2", {"data"}, department="  "),
            mentee("E2", {"data"}, department=""),
            mentor("M3", {"cx"}, department="IT"),
            mentee("E3", {"cx"}, department=None),
        ]
    )
    assert pair_ids(result) == {("M1", "E1"), ("M2", "E2"), ("M3", "E3")}


@pytest.mark.parametrize("swapped", [False, True])
def test_past_pair_never_repeated_in_either_role_order(swapped: bool) -> None:
    alice = Candidate("UALICE", "k-alice", "mentor", frozenset({"genai", "data"}))
    bob = Candidate("UBOB", "k-bob", "mentee", frozenset({"genai", "data"}))
    if swapped:  # back then Alice learnt from Bob
        alice = Candidate("UALICE", "k-alice", "mentee", frozenset({"genai", "data"}))
        bob = Candidate("UBOB", "k-bob", "mentor", frozenset({"genai", "data"}))
    carol = Candidate(
        "UCAROL", "k-carol", "mentee" if not swapped else "mentor", frozenset({"data"})
    )
    past = {frozenset({"k-bob", "k-alice"})}

    result = match([alice, bob], past)
    assert result.pairs == ()
    assert result.unmatched == ("UALICE", "UBOB")

    # Alice gets the weaker but new partner instead of repeating the old pair.
    result = match([alice, bob, carol], past)
    assert len(result.pairs) == 1
    assert {result.pairs[0].mentor_id, result.pairs[0].mentee_id} == {"UALICE", "UCAROL"}
    assert result.unmatched == ("UBOB",)


def test_past_pairs_are_given_in_history_keys_not_ids() -> None:
    people = [mentor("M1", {"genai"}), mentee("E1", {"genai"})]
    assert pair_ids(match(people, [frozenset({"M1", "E1"})])) == {("M1", "E1")}
    assert match(people, [frozenset({"h-M1", "h-E1"})]).pairs == ()
    # Malformed entries (not two keys) are ignored.
    assert pair_ids(match(people, [frozenset({"h-M1"}), frozenset()])) == {("M1", "E1")}


def test_zero_overlap_is_never_paired() -> None:
    result = match([mentor("M1", {"genai"}), mentee("E1", {"data"})])
    assert result == MatchResult(pairs=(), unmatched=("E1", "M1"), total_overlap=0)

    # The square assignment is forced to fill a zero cell here; it must be dropped.
    result = match(
        [
            mentor("M1", {"genai"}),
            mentor("M2", {"genai"}),
            mentee("E1", {"genai"}),
            mentee("E2", {"security"}),
        ]
    )
    assert len(result.pairs) == 1
    assert result.pairs[0].mentee_id == "E1"
    assert "E2" in result.unmatched
    assert result.total_overlap == 1

    # People without topics wait.
    assert match([mentor("M1", set()), mentee("E1", set())]).pairs == ()


def test_forbidden_cells_are_dropped_even_when_the_assignment_must_use_them() -> None:
    # Every mentor can only go with E1; the square solver must put someone on a forbidden cell.
    result = match(
        [
            mentor("M1", {"genai"}, department="A"),
            mentor("M2", {"genai"}, department="B"),
            mentee("E1", {"genai"}, department="C"),
            mentee("E2", {"genai"}, department="b"),
        ],
        [frozenset({"h-M1", "h-E2"})],
    )
    assert pair_ids(result) == {("M2", "E1")} or pair_ids(result) == {("M1", "E1")}
    assert len(result.pairs) == 1
    assert len(result.unmatched) == 2


# --- shape of the result --------------------------------------------------------------------


def test_empty_input() -> None:
    assert match([]) == MatchResult(pairs=(), unmatched=(), total_overlap=0)
    assert match([], [frozenset({"a", "b"})]) == MatchResult((), (), 0)


def test_one_role_only_leaves_everyone_waiting() -> None:
    result = match([mentor("M2", {"genai"}), mentor("M1", {"genai"})])
    assert result == MatchResult(pairs=(), unmatched=("M1", "M2"), total_overlap=0)


def test_unequal_numbers_and_other_roles() -> None:
    people = [
        mentor("M1", {"genai", "data"}),
        mentor("M2", {"security"}),
        mentee("E1", {"genai", "data"}),
        mentee("E2", {"security", "genai"}),
        mentee("E3", {"genai"}),
        mentee("E4", {"cx"}),
        mentee("E5", {"data"}),
        Candidate("X1", "h-X1", "admin", frozenset({"genai"})),
    ]
    result = match(people)
    assert pair_ids(result) == {("M1", "E1"), ("M2", "E2")}
    assert result.total_overlap == 3
    assert result.unmatched == ("E3", "E4", "E5", "X1")
    assert result.pairs == tuple(sorted(result.pairs, key=lambda p: (p.mentor_id, p.mentee_id)))
    assert result.pairs[0] == ProposedPair("M1", "E1", ("data", "genai"), 1.0)
    assert result.pairs[1].shared_topics == ("security",)

    # More mentors than mentees.
    result = match([mentor(f"M{i}", {"genai"}) for i in range(5)] + [mentee("E1", {"genai"})])
    assert len(result.pairs) == 1
    assert len(result.unmatched) == 4


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        match([mentor("U1", {"genai"}), mentee("U1", {"genai"})])


# --- determinism ----------------------------------------------------------------------------

TOPICS = ("genai", "social_media", "data", "security", "cx", "innovation")
OFFSETS = (0, 60, 120, -300, -360, 330, None)
WINDOWS = ("any", "morning", "midday", "afternoon")


def random_people(
    rng: random.Random, mentors: int, mentees: int, topics: tuple[str, ...] = TOPICS
) -> list[Candidate]:
    people = []
    for index in range(mentors + mentees):
        people.append(
            Candidate(
                id=f"U{index:03d}{rng.choice('ABC')}",
                history_key=f"k{index}",
                role="mentor" if index < mentors else "mentee",
                topics=frozenset(rng.sample(topics, rng.randint(0, min(3, len(topics))))),
                department=rng.choice([None, "Sales", "sales ", "IT", "HR"]),
                utc_offset_minutes=rng.choice(OFFSETS),
                weekdays=frozenset(rng.sample(range(5), rng.randint(0, 2))),
                time_window=rng.choice(WINDOWS),
            )
        )
    return people


def random_past(rng: random.Random, people: list[Candidate], count: int) -> set[frozenset[str]]:
    keys = [person.history_key for person in people]
    if len(keys) < 2:
        return set()
    return {frozenset(rng.sample(keys, 2)) for _ in range(count)}


def test_same_candidates_in_any_order_give_the_same_result() -> None:
    rng = random.Random(7)
    people = random_people(rng, 40, 55)
    past = random_past(rng, people, 30)
    expected = match(people, past)
    assert expected.pairs
    for _ in range(5):
        shuffled = people[:]
        rng.shuffle(shuffled)
        past_list = list(past)
        rng.shuffle(past_list)
        assert match(shuffled, past_list) == expected
        assert match(tuple(shuffled), frozenset(past)) == expected


def test_ties_are_broken_the_same_way_every_time() -> None:
    # Four interchangeable mentors and mentees: many optimal answers, always the same one.
    people = [mentor(f"M{i}", {"genai"}) for i in range(4)]
    people += [mentee(f"E{i}", {"genai"}) for i in range(4)]
    first = match(people)
    assert len(first.pairs) == 4
    for seed in range(5):
        random.Random(seed).shuffle(people)
        assert match(people) == first


# --- optimality -----------------------------------------------------------------------------


def brute_force(
    mentors: list[Candidate], mentees: list[Candidate], past: set[frozenset[str]]
) -> tuple[int, int]:
    """Best (total overlap, total slot points), lexicographically, over all valid matchings.

    Every matching is a one-to-one map from the smaller side into the larger one, with the
    invalid edges dropped (they add nothing), so trying all of those maps covers them all.
    """
    small, large = (mentors, mentees) if len(mentors) <= len(mentees) else (mentees, mentors)
    # What each possible pair adds (0, 0 for an invalid one), worked out once.
    gain: list[list[tuple[int, int]]] = []
    for a in small:
        row = []
        for b in large:
            m, e = (a, b) if a.role == "mentor" else (b, a)
            valid = allowed(a, b, past)
            row.append(
                (len(m.topics & e.topics), round(slot_score(m, e) * SLOT_QUANTUM))
                if valid
                else (0, 0)
            )
        gain.append(row)
    best = (0, 0)
    for image in itertools.permutations(range(len(large)), len(small)):
        overlap = sum(gain[i][j][0] for i, j in enumerate(image))
        points = sum(gain[i][j][1] for i, j in enumerate(image))
        best = max(best, (overlap, points))
    return best


def networkx_optimum(
    mentors: list[Candidate], mentees: list[Candidate], past: set[frozenset[str]]
) -> int:
    graph = nx.Graph()
    for m in mentors:
        for e in mentees:
            if allowed(m, e, past):
                graph.add_edge(("m", m.id), ("e", e.id), weight=len(m.topics & e.topics))
    matching = nx.max_weight_matching(graph)
    return sum(graph.edges[u, v]["weight"] for u, v in matching)


def check_valid(people: list[Candidate], past: set[frozenset[str]], result: MatchResult) -> None:
    by_id = {person.id: person for person in people}
    seen: set[str] = set()
    for pair in result.pairs:
        m, e = by_id[pair.mentor_id], by_id[pair.mentee_id]
        assert m.role == "mentor" and e.role == "mentee"
        assert allowed(m, e, past)
        assert pair.shared_topics == tuple(sorted(m.topics & e.topics))
        assert pair.score == slot_score(m, e)
        assert not {m.id, e.id} & seen
        seen |= {m.id, e.id}
    assert set(result.unmatched) == set(by_id) - seen
    assert list(result.unmatched) == sorted(result.unmatched)
    assert result.total_overlap == sum(len(pair.shared_topics) for pair in result.pairs)


def test_total_overlap_is_the_exact_optimum_on_small_random_instances() -> None:
    rng = random.Random(2024)
    checked_nonzero = 0
    for _ in range(600):
        n_mentors, n_mentees = rng.randint(0, 6), rng.randint(0, 6)
        people = random_people(rng, n_mentors, n_mentees, TOPICS[: rng.randint(2, 6)])
        past = random_past(rng, people, rng.randint(0, 6))
        result = match(people, past)
        check_valid(people, past, result)

        mentors = [p for p in people if p.role == "mentor"]
        mentees = [p for p in people if p.role == "mentee"]
        best_overlap, best_points = brute_force(mentors, mentees, past)
        assert result.total_overlap == best_overlap
        assert result.total_overlap == networkx_optimum(mentors, mentees, past)
        # Lexicographic: among the overlap-optimal matchings, the best slot points.
        assert sum(round(p.score * SLOT_QUANTUM) for p in result.pairs) == best_points
        checked_nonzero += best_overlap > 0
    assert checked_nonzero > 300


# --- the secondary criterion (slots) --------------------------------------------------------


def test_slot_score_parts() -> None:
    monday = frozenset({0})
    tuesday = frozenset({1})
    same = slot_score(
        mentor("M", {"x"}, offset=60, weekdays=monday, window="morning"),
        mentee("E", {"x"}, offset=60, weekdays=frozenset({0, 3}), window="morning"),
    )
    assert same == 1.0
    # "any" contains the morning; no weekday preference fits every day.
    assert slot_score(mentor("M", {"x"}, window="any"), mentee("E", {"x"}, window="morning")) == 1.0
    # Berlin afternoon (13-16 UTC) and New York morning (14-17 UTC): 2 of 3 hours shared,
    # 6 hours apart: 400 + round(400 * 2 / 3) + 100 = 767 points.
    assert (
        slot_score(
            mentor("M", {"x"}, offset=60, window="afternoon"),
            mentee("E", {"x"}, offset=-300, window="morning"),
        )
        == 0.767
    )
    # Nothing fits: other weekday, disjoint windows, 12 hours apart.
    assert (
        slot_score(
            mentor("M", {"x"}, offset=0, weekdays=monday, window="morning"),
            mentee("E", {"x"}, offset=720, weekdays=tuesday, window="afternoon"),
        )
        == 0.0
    )
    # Unknown zone: windows compared as local times, half the zone points.
    assert (
        slot_score(
            mentor("M", {"x"}, offset=None, weekdays=monday, window="morning"),
            mentee("E", {"x"}, offset=-300, weekdays=tuesday, window="afternoon"),
        )
        == 0.1
    )


@pytest.mark.parametrize("good_id", ["E1", "E2"])
def test_slots_decide_between_equal_overlaps(good_id: str) -> None:
    bad_id = "E2" if good_id == "E1" else "E1"
    people = [
        mentor("M1", {"genai", "data"}, offset=60, weekdays=frozenset({2}), window="morning"),
        mentee(bad_id, {"genai"}, offset=-480, weekdays=frozenset({4}), window="afternoon"),
        mentee(good_id, {"data"}, offset=60, weekdays=frozenset({2}), window="morning"),
    ]
    result = match(people)
    assert pair_ids(result) == {("M1", good_id)}
    assert result.pairs[0].score == 1.0
    assert result.unmatched == (bad_id,)


def test_slots_never_cost_overlap_two_pairs() -> None:
    # A-E2 and B-E1 fit perfectly on slots but share 1 + 1 topics; A-E1 and B-E2 do not fit
    # at all but share 2 + 1 topics. Overlap first: 3 beats 2.
    people = [
        at(mentor("A", {"genai", "data"}), EARLY),
        at(mentor("B", {"genai"}), LATE),
        at(mentee("E1", {"genai", "data"}), LATE),
        at(mentee("E2", {"genai"}), EARLY),
    ]
    assert slot_score(people[0], people[3]) == slot_score(people[1], people[2]) == 1.0
    assert slot_score(people[0], people[2]) == slot_score(people[1], people[3]) == 0.0
    result = match(people)
    assert pair_ids(result) == {("A", "E1"), ("B", "E2")}
    assert result.total_overlap == 3
    assert [pair.score for pair in result.pairs] == [0.0, 0.0]


def test_slots_never_cost_overlap_even_summed_over_many_pairs() -> None:
    # A ring of 6 mentors and 6 mentees. The "diagonal" pairs (Mi, Ei) all fit perfectly on
    # slots and share 1 topic each (total 6, slots 6.0); the "shifted" pairs (Mi, Ei+1) fit
    # not at all and share 1 topic each, one of them 2 (total 7, slots 0.0). One unit of
    # overlap must outweigh six perfect slots.
    k = 6
    people = []
    for i in range(k):
        slot = EARLY if i % 2 == 0 else LATE
        bonus = {"bonus"} if i == 0 else set()
        people.append(at(mentor(f"M{i}", {f"t{i}", f"s{i}"} | bonus), slot))
        bonus = {"bonus"} if i == 1 else set()
        people.append(at(mentee(f"E{i}", {f"t{i}", f"s{(i - 1) % k}"} | bonus), slot))
    diagonal = match(people, [frozenset({f"h-M{i}", f"h-E{(i + 1) % k}"}) for i in range(k)])
    assert diagonal.total_overlap == k
    assert all(pair.score == 1.0 for pair in diagonal.pairs)

    result = match(people)
    assert pair_ids(result) == {(f"M{i}", f"E{(i + 1) % k}") for i in range(k)}
    assert result.total_overlap == k + 1
    assert all(pair.score == 0.0 for pair in result.pairs)


def test_total_overlap_is_optimal_on_larger_random_instances() -> None:
    rng = random.Random(99)
    for _ in range(4):
        people = random_people(rng, rng.randint(40, 80), rng.randint(40, 80))
        past = random_past(rng, people, 60)
        result = match(people, past)
        check_valid(people, past, result)
        mentors = [p for p in people if p.role == "mentor"]
        mentees = [p for p in people if p.role == "mentee"]
        assert result.total_overlap == networkx_optimum(mentors, mentees, past)


def test_slot_matrix_equals_the_pairwise_definition() -> None:
    # The matcher computes slot points per distinct profile and gathers them; they must equal
    # the definition (slot_score) for every cell.
    rng = random.Random(5)
    people = random_people(rng, 30, 30)
    people += [at(mentor("MX", {"genai"}), (840, frozenset({6}), "bogus"))]
    mentors = [p for p in people if p.role == "mentor"]
    mentees = [p for p in people if p.role == "mentee"]
    points = _slot_points(_Slots.of(mentors), _Slots.of(mentees))
    expected = [[round(slot_score(m, e) * SLOT_QUANTUM) for e in mentees] for m in mentors]
    assert points.tolist() == expected
    assert points.min() >= 0 and points.max() <= SLOT_QUANTUM
