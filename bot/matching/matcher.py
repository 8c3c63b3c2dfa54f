"""The matcher: optimal one-to-one mentor/mentee pairs, as a pure function.

No database and no Slack: :func:`match` takes the candidates of one pool (one cohort) and the
pairs that existed before, and returns the proposed pairs and the people left waiting.

Hard rules (a pair that breaks one is never proposed):

* one mentor with one mentee;
* never two people of the same department when both gave one (compared trimmed and
  case-insensitively; an empty department counts as not given);
* never a pair whose ``frozenset({mentor.history_key, mentee.history_key})`` is in
  ``past_pairs`` (whatever role each had back then);
* never a pair without a shared topic: such people wait for a better counterpart.

Objective, strictly lexicographic:

1. maximise the total topic overlap, ``sum(|mentor.topics & mentee.topics|)`` over the pairs,
   exactly;
2. among the assignments with that maximal total, maximise the sum of the pairs' slot scores
   (:func:`slot_score`, quantised to steps of ``1 / SLOT_QUANTUM``).

Both levels go into one integer weight per (mentor, mentee) cell::

    weight = overlap * big_m + slot_points        (slot_points in 0..SLOT_QUANTUM)
    big_m  = SLOT_QUANTUM * min(#mentors, #mentees) + 1

counting only the people with at least one valid partner (the others cannot be paired and do
not enter the solver). No assignment has more than ``min(#mentors, #mentees)`` pairs, so the
slot points of any assignment sum to less than ``big_m``: one unit of overlap outweighs every
possible slot difference, and among equal overlaps the slot points decide. All weights and
sums are integers below 2**53, so the float64 arithmetic of the solver is exact.

Forbidden cells and cells without overlap get weight 0; the assignment is solved with SciPy's
``linear_sum_assignment`` and cells of weight 0 that the rectangular assignment was forced to
use are dropped afterwards. Every valid cell weighs at least ``big_m`` > 0, so the best
assignment restricted to valid cells is exactly the best valid matching.

Reproducibility: candidates are sorted by ``id`` and topics by key before the matrix is built, so
the same set of candidates gives the same matrix, and the (deterministic) solver the same pairs,
whatever the input order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MENTOR = "mentor"
MENTEE = "mentee"

#: Local time windows in minutes after midnight, [start, end). "any" is the working day.
TIME_WINDOWS: dict[str, tuple[int, int]] = {
    "any": (9 * 60, 17 * 60),
    "morning": (9 * 60, 12 * 60),
    "midday": (12 * 60, 14 * 60),
    "afternoon": (14 * 60, 17 * 60),
}

#: The slot score is an integer number of points out of this many (score = points / quantum).
SLOT_QUANTUM = 1000
#: Points of the three parts of the slot score; they add up to ``SLOT_QUANTUM``.
WEEKDAY_POINTS = 400
WINDOW_POINTS = 400
ZONE_POINTS = 200

_DAY = 24 * 60
_HALF_DAY = 12 * 60
_EXACT_LIMIT = 2**53

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Candidate:
    """One participant of the pool.

    Attributes:
        id: Slack user ID; results are reported in these.
        history_key: Keyed hash of the ID; ``past_pairs`` are given in these keys.
        role: ``"mentor"`` or ``"mentee"``; anyone else takes no part (and stays unmatched).
        topics: Topic keys a mentor offers or a mentee wants.
        department: Optional department; compared trimmed and case-insensitively.
        utc_offset_minutes: The person's current UTC offset, ``None`` if unknown.
        weekdays: Preferred weekdays, 0=Mon..4=Fri (5, 6 accepted); empty means any.
        time_window: ``"any"``, ``"morning"`` (9-12), ``"midday"`` (12-14) or
            ``"afternoon"`` (14-17), local time; an unknown value counts as ``"any"``.
    """

    id: str
    history_key: str
    role: str
    topics: frozenset[str]
    department: str | None = None
    utc_offset_minutes: int | None = None
    weekdays: frozenset[int] = frozenset()
    time_window: str = "any"


@dataclass(frozen=True)
class ProposedPair:
    """A proposed mentor/mentee pair.

    Attributes:
        mentor_id: The mentor's Slack user ID.
        mentee_id: The mentee's Slack user ID.
        shared_topics: The topics the mentor offers and the mentee wants, sorted.
        score: The pair's slot score in 0..1 (secondary criterion), for information.
    """

    mentor_id: str
    mentee_id: str
    shared_topics: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class MatchResult:
    """What :func:`match` proposes.

    Attributes:
        pairs: The proposed pairs, sorted by ``(mentor_id, mentee_id)``.
        unmatched: IDs of everyone in the input who is in no pair, sorted.
        total_overlap: Sum of ``len(shared_topics)`` over the pairs.
    """

    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[str, ...]
    total_overlap: int


@dataclass(frozen=True)
class _Slots:
    """Slot attributes of a list of people, one entry or row per person."""

    weekdays: IntArray  # bit mask of preferred weekdays, 0 = any
    clock: IntArray  # columns: window start, window end (local minutes), offset, offset known

    @staticmethod
    def of(people: Sequence[Candidate]) -> _Slots:
        """The slot attributes of ``people``."""
        clock = np.zeros((len(people), 4), dtype=np.int64)
        for row, p in enumerate(people):
            start, end = TIME_WINDOWS.get(p.time_window, TIME_WINDOWS["any"])
            known = p.utc_offset_minutes is not None
            clock[row] = (start, end, p.utc_offset_minutes or 0, int(known))
        return _Slots(
            weekdays=np.array([_weekday_mask(p.weekdays) for p in people], dtype=np.int64),
            clock=clock,
        )


def _department_key(department: str | None) -> str | None:
    if department is None:
        return None
    key = department.strip().casefold()
    return key or None


def _department_codes(people: Sequence[Candidate], codes: dict[str, int]) -> IntArray:
    """Integer codes of the people's departments (shared ``codes``), -1 when not given."""
    out = np.full(len(people), -1, dtype=np.int64)
    for row, person in enumerate(people):
        key = _department_key(person.department)
        if key is not None:
            out[row] = codes.setdefault(key, len(codes))
    return out


def _weekday_mask(weekdays: frozenset[int]) -> int:
    mask = 0
    for day in weekdays:
        if 0 <= day <= 6:
            mask |= 1 << day
    return mask


def _weekday_points(mentors: IntArray, mentees: IntArray) -> IntArray:
    """Weekday points of every (mentor, mentee) pair of weekday masks."""
    wm = mentors[:, None]
    we = mentees[None, :]
    # Full points when either has no preference or the sets intersect.
    return np.where((wm == 0) | (we == 0) | ((wm & we) != 0), WEEKDAY_POINTS, 0)


def _clock_points(mentors: IntArray, mentees: IntArray) -> IntArray:
    """Time window and time zone points of every (mentor, mentee) pair of clock rows."""
    a1, b1 = mentors[:, 0:1], mentors[:, 1:2]
    offset_m, known_m = mentors[:, 2:3], mentors[:, 3:4]
    a2, b2 = mentees[None, :, 0], mentees[None, :, 1]
    offset_e, known_e = mentees[None, :, 2], mentees[None, :, 3]

    # Clock difference: how many minutes the mentee's clock is ahead of the mentor's.
    # Unknown on either side: compare the windows as if both lived in the same zone.
    both_known = (known_m & known_e) == 1
    shift = np.where(both_known, offset_e - offset_m, 0)

    # Time windows: shared minutes, on the mentor's clock, over the shorter window's length.
    # The mentee's window is tried on the previous, same and next day (far-apart zones).
    shared = np.zeros(shift.shape, dtype=np.int64)
    for day in (-_DAY, 0, _DAY):
        start = np.maximum(a1, a2 - shift + day)
        end = np.minimum(b1, b2 - shift + day)
        np.maximum(shared, end - start, out=shared)
    shorter = np.minimum(b1 - a1, b2 - a2)
    # Rounded half up, in integers: floor((2 * 400 * shared + shorter) / (2 * shorter)).
    window = (2 * WINDOW_POINTS * shared + shorter) // (2 * shorter)

    # Time zones: closer is better, 12 hours apart (around the clock) or more scores 0;
    # half the points when either zone is unknown.
    distance = np.abs(shift) % _DAY
    distance = np.minimum(distance, _DAY - distance)
    zone = (2 * ZONE_POINTS * (_HALF_DAY - distance) + _HALF_DAY) // (2 * _HALF_DAY)
    return np.asarray(window + np.where(both_known, zone, ZONE_POINTS // 2), dtype=np.int64)


def _dense_slot_points(mentors: _Slots, mentees: _Slots) -> IntArray:
    """Slot points (0..SLOT_QUANTUM) of every (mentor, mentee) cell; the definition."""
    weekday = _weekday_points(mentors.weekdays, mentees.weekdays)
    return np.asarray(weekday + _clock_points(mentors.clock, mentees.clock), dtype=np.int64)


def _slot_points(mentors: _Slots, mentees: _Slots) -> npt.NDArray[np.int16]:
    """Slot points of every (mentor, mentee) cell, the same as :func:`_dense_slot_points`.

    People share few distinct weekday sets and few distinct (window, zone) combinations, so
    each part is computed once per pair of distinct values and gathered into the full matrix
    with an index lookup: a few small tables instead of arithmetic over every cell.
    """
    weekdays_m, code_m = np.unique(mentors.weekdays, return_inverse=True)
    weekdays_e, code_e = np.unique(mentees.weekdays, return_inverse=True)
    table = _weekday_points(weekdays_m, weekdays_e).astype(np.int16)
    points = table[code_m.reshape(-1)[:, None], code_e.reshape(-1)[None, :]]
    clock_m, code_m = np.unique(mentors.clock, axis=0, return_inverse=True)
    clock_e, code_e = np.unique(mentees.clock, axis=0, return_inverse=True)
    table = _clock_points(clock_m, clock_e).astype(np.int16)
    points += table[code_m.reshape(-1)[:, None], code_e.reshape(-1)[None, :]]
    return points


def _topics_matrix(people: Sequence[Candidate], topic_index: dict[str, int]) -> FloatArray:
    matrix = np.zeros((len(people), len(topic_index)), dtype=np.float32)
    for row, person in enumerate(people):
        matrix[row, [topic_index[topic] for topic in person.topics]] = 1.0
    return matrix


def slot_score(mentor: Candidate, mentee: Candidate) -> float:
    """The secondary (slot) score of one pair, in steps of ``1 / SLOT_QUANTUM``.

    The score is the sum of three parts (points out of ``SLOT_QUANTUM`` = 1000):

    * weekdays, 400: both prefer a common weekday, or either has no preference; else 0;
    * time window, 400 times the shared part of the two windows, put on one clock with the
      two UTC offsets, relative to the shorter window ("any" is 9-17 local); when either
      offset is unknown the windows are compared as local times;
    * time zone, 200 for the same offset, falling linearly to 0 at 12 hours apart (measured
      around the clock); 100 when either offset is unknown.

    Args:
        mentor: The mentor.
        mentee: The mentee.

    Returns:
        The score, 0.0 (nothing fits) to 1.0 (same zone, fitting days and windows).
    """
    points = _dense_slot_points(_Slots.of([mentor]), _Slots.of([mentee]))
    return int(points[0, 0]) / SLOT_QUANTUM


def match(
    candidates: Sequence[Candidate], past_pairs: Collection[frozenset[str]] = ()
) -> MatchResult:
    """Pairs mentors with mentees: maximal total topic overlap, then the best slots.

    See the module docstring for the rules and for why the combination of the two criteria
    is exactly lexicographic.

    Args:
        candidates: The pool. Only roles ``"mentor"`` and ``"mentee"`` take part; everyone
            else is reported as unmatched.
        past_pairs: Earlier pairs as ``frozenset({history_key, history_key})``, in either
            role order; these are never proposed again. Sets of another size are ignored.

    Returns:
        The proposed pairs (sorted by mentor, then mentee ID), everyone else's IDs, and the
        total topic overlap.

    Raises:
        ValueError: Two candidates share an ``id``; or the weights would not be exact in float64
            (only with tens of thousands of people per role, beyond a dense matrix anyway).
    """
    people = sorted(candidates, key=lambda person: person.id)
    ids = [person.id for person in people]
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i, j in zip(ids, ids[1:], strict=False) if i == j})
        raise ValueError(f"duplicate candidate ids: {', '.join(duplicates)}")

    mentor_list = [person for person in people if person.role == MENTOR]
    mentee_list = [person for person in people if person.role == MENTEE]
    pairs: list[ProposedPair] = []
    if mentor_list and mentee_list:
        pairs = _solve(mentor_list, mentee_list, past_pairs)

    paired = {pair.mentor_id for pair in pairs} | {pair.mentee_id for pair in pairs}
    return MatchResult(
        pairs=tuple(sorted(pairs, key=lambda pair: (pair.mentor_id, pair.mentee_id))),
        unmatched=tuple(i for i in ids if i not in paired),
        total_overlap=sum(len(pair.shared_topics) for pair in pairs),
    )


def _forbidden_past(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    past_pairs: Collection[frozenset[str]],
) -> tuple[IntArray, IntArray]:
    """Row and column indices of the cells that repeat a past pair."""
    mentor_rows: dict[str, list[int]] = {}
    for row, person in enumerate(mentors):
        mentor_rows.setdefault(person.history_key, []).append(row)
    mentee_cols: dict[str, list[int]] = {}
    for col, person in enumerate(mentees):
        mentee_cols.setdefault(person.history_key, []).append(col)
    rows: list[int] = []
    cols: list[int] = []
    for pair in past_pairs:
        if len(pair) != 2:
            continue
        first, second = sorted(pair)
        for a, b in ((first, second), (second, first)):
            for row in mentor_rows.get(a, ()):
                for col in mentee_cols.get(b, ()):
                    rows.append(row)
                    cols.append(col)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def _solve(
    mentor_list: Sequence[Candidate],
    mentee_list: Sequence[Candidate],
    past_pairs: Collection[frozenset[str]],
) -> list[ProposedPair]:
    mentors, mentees, overlap, valid = _valid_cells(mentor_list, mentee_list, past_pairs)
    if not mentors:
        return []
    slot = _slot_points(_Slots.of(mentors), _Slots.of(mentees))
    weight = _weights(overlap, slot, valid)
    del overlap
    # Imported here: scipy.optimize takes about 0.3 s to import, which every start of
    # ``mentor-bot dispatch`` would pay though only a matching round needs it.
    from scipy.optimize import linear_sum_assignment

    assigned_rows, assigned_cols = linear_sum_assignment(weight, maximize=True)
    del weight

    pairs: list[ProposedPair] = []
    for r, c in zip(assigned_rows.tolist(), assigned_cols.tolist(), strict=True):
        if not valid[r, c]:  # a cell the rectangular assignment had to fill
            continue
        mentor, mentee = mentors[r], mentees[c]
        pairs.append(
            ProposedPair(
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                shared_topics=tuple(sorted(mentor.topics & mentee.topics)),
                score=int(slot[r, c]) / SLOT_QUANTUM,
            )
        )
    return pairs


def _valid_cells(
    mentor_list: Sequence[Candidate],
    mentee_list: Sequence[Candidate],
    past_pairs: Collection[frozenset[str]],
) -> tuple[list[Candidate], list[Candidate], FloatArray, npt.NDArray[np.bool_]]:
    """The mentors and mentees with at least one valid partner (a shared topic, another
    department, not a past pair), their topic overlap and which cells are valid.

    Only they enter the solver: a smaller matrix, the same optimum. No mentor is left
    when no cell is valid."""
    topic_keys = sorted({t for person in (*mentor_list, *mentee_list) for t in person.topics})
    topic_index = {topic: column for column, topic in enumerate(topic_keys)}
    # Exact: 0/1 entries, sums of at most len(topic_keys) ones.
    overlap = _topics_matrix(mentor_list, topic_index) @ _topics_matrix(mentee_list, topic_index).T
    valid = overlap > 0

    codes: dict[str, int] = {}
    dm = _department_codes(mentor_list, codes)[:, None]
    de = _department_codes(mentee_list, codes)[None, :]
    valid &= (dm != de) | (dm < 0)

    rows, cols = _forbidden_past(mentor_list, mentee_list, past_pairs)
    valid[rows, cols] = False

    keep_rows = np.flatnonzero(valid.any(axis=1))
    keep_cols = np.flatnonzero(valid.any(axis=0))
    mentors = [mentor_list[i] for i in keep_rows.tolist()]
    mentees = [mentee_list[j] for j in keep_cols.tolist()]
    if mentors and (keep_rows.size < len(mentor_list) or keep_cols.size < len(mentee_list)):
        overlap = overlap[np.ix_(keep_rows, keep_cols)]
        valid = valid[np.ix_(keep_rows, keep_cols)]
    return mentors, mentees, overlap, valid


def _weights(
    overlap: FloatArray, slot: npt.NDArray[np.int16], valid: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """overlap * big_m + slot on valid cells, 0 elsewhere: integers, exact in float64, so
    the topic overlap comes strictly first and the slot fit second.

    Raises:
        ValueError: The weights would not be exact in float64.
    """
    most_pairs = min(overlap.shape)
    big_m = SLOT_QUANTUM * most_pairs + 1
    if most_pairs * (float(overlap.max()) * big_m + SLOT_QUANTUM) >= _EXACT_LIMIT:
        raise ValueError("pool too large for exact float64 weights")
    weight = overlap.astype(np.float64)
    weight *= big_m
    weight += slot
    weight[~valid] = 0.0
    return weight
