"""Matching quality and cost: the optimal matcher against random shuffle and greedy pairing.

Generates reproducible (seeded) populations: half mentors, half mentees; each person picks 1-4
of the 12 library topics; 40 departments; about 10% of people have 1-3 past pairs; UTC offsets
among a few European and American zones (a few unknown); random preferred weekdays and time
windows. For 500 and 5,000 participants it prints, for each method, the seconds, the peak
memory, the number of pairs, the total topic overlap and the number of people left waiting:

* ``optimal``: ``bot.matching.match`` (SciPy ``linear_sum_assignment``, exact);
* ``random``: what Donut-style bots do, shuffle mentors and mentees and zip them, skipping
  forbidden pairs (same department, past pair) but not looking at topics;
* ``greedy``: the valid edges (shared topic, no hard rule broken) by decreasing overlap,
  each taken when both people are still free.

Each (size, method) runs in a fresh child process, so ``ru_maxrss`` (the process's peak
resident memory) is not inflated by an earlier run: the figures are the child's peak RSS and
its growth during the run, and the tracemalloc peak of a second, traced run. For 500
participants the optimal total is also checked against networkx ``max_weight_matching``, an
independent exact method.

Targets: 5,000 participants in under 5 s and under 1 GB; the total equals the optimum where
checked; overlap clearly above random.

Usage: .venv/bin/python benchmarks/matching.py [--seed 42] [--repeat 3]
The last line of the output is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import json
import os
import random
import resource
import statistics
import string
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.matching.matcher import Candidate, MatchResult, ProposedPair, match  # noqa: E402
from bot.sessions.topics import TOPICS  # noqa: E402

SIZES = (500, 5000)
METHODS = ("optimal", "greedy", "random")
DEPARTMENTS = 40
#: (zone, current UTC offset in minutes); None: the time zone is unknown.
ZONES: tuple[tuple[str, int | None], ...] = (
    ("Europe/London", 0),
    ("Europe/Berlin", 60),
    ("Europe/Helsinki", 120),
    ("America/New_York", -300),
    ("America/Chicago", -360),
    ("America/Los_Angeles", -480),
    ("America/Sao_Paulo", -180),
    ("unknown", None),
)
ZONE_WEIGHTS = (15, 30, 10, 20, 8, 8, 5, 4)
WINDOWS = ("any", "morning", "midday", "afternoon")
HISTORY_KEY = b"benchmark-history-key"
TARGET_SECONDS = 5.0
TARGET_MB = 1024.0

Population = tuple[list[Candidate], list[frozenset[str]]]


def population(size: int, seed: int) -> Population:
    """A reproducible pool of ``size`` people (half each role) and their past pairs."""
    rng = random.Random(f"{seed}-{size}")
    topic_keys = [topic.key for topic in TOPICS]
    alphabet = string.ascii_uppercase + string.digits
    people: list[Candidate] = []
    ids: set[str] = set()
    for index in range(size):
        uid = "U" + "".join(rng.choices(alphabet, k=10))
        while uid in ids:
            uid = "U" + "".join(rng.choices(alphabet, k=10))
        ids.add(uid)
        offset = rng.choices(ZONES, weights=ZONE_WEIGHTS)[0][1]
        people.append(
            Candidate(
                id=uid,
                history_key=hmac.new(HISTORY_KEY, uid.encode(), hashlib.sha256).hexdigest()[:32],
                role="mentor" if index % 2 == 0 else "mentee",
                topics=frozenset(rng.sample(topic_keys, rng.randint(1, 4))),
                department=f"Department {rng.randrange(DEPARTMENTS) + 1}",
                utc_offset_minutes=offset,
                weekdays=frozenset(rng.sample(range(5), rng.choice((0, 1, 2, 3)))),
                time_window=rng.choice(WINDOWS),
            )
        )
    mentors = [p for p in people if p.role == "mentor"]
    mentees = [p for p in people if p.role == "mentee"]
    past: set[frozenset[str]] = set()
    for person in rng.sample(people, size // 10):
        others = mentees if person.role == "mentor" else mentors
        for other in rng.sample(others, rng.randint(1, 3)):
            past.add(frozenset({person.history_key, other.history_key}))
    rng.shuffle(people)  # the matcher must not depend on the input order
    return people, sorted(past, key=sorted)


def _department(person: Candidate) -> str | None:
    return (person.department or "").strip().casefold() or None


def _allowed_rules(mentor: Candidate, mentee: Candidate, past: set[frozenset[str]]) -> bool:
    """The hard rules other than topic overlap: department and past pair."""
    dm, de = _department(mentor), _department(mentee)
    if dm is not None and dm == de:
        return False
    return frozenset({mentor.history_key, mentee.history_key}) not in past


def _result(people: Sequence[Candidate], pairs: list[tuple[Candidate, Candidate]]) -> MatchResult:
    """A MatchResult for baseline pairings (score left at 0)."""
    paired = {p.id for pair in pairs for p in pair}
    proposed = tuple(
        sorted(
            (ProposedPair(m.id, e.id, tuple(sorted(m.topics & e.topics)), 0.0) for m, e in pairs),
            key=lambda pair: (pair.mentor_id, pair.mentee_id),
        )
    )
    return MatchResult(
        pairs=proposed,
        unmatched=tuple(sorted(p.id for p in people if p.id not in paired)),
        total_overlap=sum(len(pair.shared_topics) for pair in proposed),
    )


def random_pairing(
    people: Sequence[Candidate], past_pairs: Sequence[frozenset[str]], seed: int = 0
) -> MatchResult:
    """Donut-style: shuffle both roles and zip them, skipping forbidden pairs (not topics)."""
    rng = random.Random(seed)
    past = set(past_pairs)
    mentors = sorted((p for p in people if p.role == "mentor"), key=lambda p: p.id)
    mentees = sorted((p for p in people if p.role == "mentee"), key=lambda p: p.id)
    rng.shuffle(mentors)
    rng.shuffle(mentees)
    pairs = [(m, e) for m, e in zip(mentors, mentees, strict=False) if _allowed_rules(m, e, past)]
    return _result(people, pairs)


def greedy_pairing(
    people: Sequence[Candidate], past_pairs: Sequence[frozenset[str]]
) -> MatchResult:
    """Valid edges by decreasing overlap (ties by ids), each taken when both are free."""
    past = set(past_pairs)
    mentors = sorted((p for p in people if p.role == "mentor"), key=lambda p: p.id)
    mentees = sorted((p for p in people if p.role == "mentee"), key=lambda p: p.id)
    topic_index = {topic.key: i for i, topic in enumerate(TOPICS)}

    def matrix(side: list[Candidate]) -> np.ndarray[Any, np.dtype[np.float32]]:
        out = np.zeros((len(side), len(topic_index)), dtype=np.float32)
        for row, person in enumerate(side):
            out[row, [topic_index[t] for t in person.topics]] = 1.0
        return out

    overlap = (matrix(mentors) @ matrix(mentees).T).astype(np.int32)
    codes: dict[str | None, int] = {None: -1}
    dm = np.array([codes.setdefault(_department(p), len(codes)) for p in mentors])
    de = np.array([codes.setdefault(_department(p), len(codes)) for p in mentees])
    overlap[(dm[:, None] == de[None, :]) & (dm[:, None] >= 0)] = 0
    rows, cols = np.nonzero(overlap)
    order = np.lexsort((cols, rows, -overlap[rows, cols]))  # overlap desc, then ids
    free_m = [True] * len(mentors)
    free_e = [True] * len(mentees)
    left = min(len(mentors), len(mentees))
    pairs: list[tuple[Candidate, Candidate]] = []
    for r, c in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if free_m[r] and free_e[c]:
            m, e = mentors[r], mentees[c]
            if frozenset({m.history_key, e.history_key}) in past:
                continue
            free_m[r] = free_e[c] = False
            pairs.append((m, e))
            left -= 1
            if left == 0:
                break
    return _result(people, pairs)


def run_method(method: str) -> Callable[[Sequence[Candidate], Sequence[frozenset[str]]], Any]:
    """The pairing function of ``method``."""
    if method == "optimal":
        return match
    if method == "greedy":
        return greedy_pairing
    return random_pairing


def measure_child(size: int, method: str, seed: int, repeat: int) -> dict[str, Any]:
    """Runs one method on one population in this (fresh) process and measures it."""
    people, past = population(size, seed)
    solve = run_method(method)
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    result: MatchResult | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = solve(people, past)
        times.append(time.perf_counter() - start)
        gc.collect()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    traced = solve(people, past)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result is not None and traced == result
    scores = [pair.score for pair in result.pairs]
    return {
        "size": size,
        "method": method,
        "seconds_first": round(times[0], 3),
        "seconds_median": round(statistics.median(times), 3),
        "seconds_max": round(max(times), 3),
        "rss_peak_mb": round(rss_after / 1024, 1),  # ru_maxrss is in KiB on Linux
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "tracemalloc_peak_mb": round(traced_peak / 2**20, 1),
        "pairs": len(result.pairs),
        "zero_overlap_pairs": sum(1 for pair in result.pairs if not pair.shared_topics),
        "total_overlap": result.total_overlap,
        "unmatched": len(result.unmatched),
        "mean_slot_score": round(sum(scores) / len(scores), 3) if method == "optimal" else None,
        "past_pairs": len(past),
    }


def networkx_check(size: int, seed: int) -> dict[str, Any]:
    """The optimum by networkx's max_weight_matching (blossom algorithm), for comparison."""
    import networkx as nx

    people, past_list = population(size, seed)
    past = set(past_list)
    graph = nx.Graph()
    mentors = [p for p in people if p.role == "mentor"]
    mentees = [p for p in people if p.role == "mentee"]
    for m in mentors:
        for e in mentees:
            shared = len(m.topics & e.topics)
            if shared and _allowed_rules(m, e, past):
                graph.add_edge(("m", m.id), ("e", e.id), weight=shared)
    start = time.perf_counter()
    matching = nx.max_weight_matching(graph)
    seconds = time.perf_counter() - start
    total = sum(graph.edges[u, v]["weight"] for u, v in matching)
    return {"size": size, "networkx_total": total, "networkx_seconds": round(seconds, 3)}


def child(size: int, method: str, seed: int, repeat: int) -> dict[str, Any]:
    """Runs ``measure_child`` in a fresh Python process and returns its figures."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        f"{size}:{method}",
        "--seed",
        str(seed),
        "--repeat",
        str(repeat),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> None:
    """Prints the benchmark figures and, last, one JSON line with all of them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per method")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        size, method = args.child.split(":")
        print(json.dumps(measure_child(int(size), method, args.seed, args.repeat)))
        return

    print(
        f"matching benchmark: seed {args.seed}, {args.repeat} timed runs per method, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    for size in SIZES:
        print(f"\n{size} participants ({size // 2} mentors, {size // 2} mentees)")
        header = (
            f"  {'method':<8} {'s median':>9} {'s max':>7} {'RSS peak':>9} {'RSS +':>7} "
            f"{'traced':>7} {'pairs':>6} {'0-overlap':>9} {'overlap':>8} {'waiting':>8}"
        )
        print(header)
        by_method: dict[str, dict[str, Any]] = {}
        for method in METHODS:
            figures = child(size, method, args.seed, args.repeat)
            by_method[method] = figures
            rows.append(figures)
            print(
                f"  {method:<8} {figures['seconds_median']:>9.3f} {figures['seconds_max']:>7.3f} "
                f"{figures['rss_peak_mb']:>6.1f} MB {figures['rss_growth_mb']:>4.1f} MB "
                f"{figures['tracemalloc_peak_mb']:>4.1f} MB {figures['pairs']:>6} "
                f"{figures['zero_overlap_pairs']:>9} {figures['total_overlap']:>8} "
                f"{figures['unmatched']:>8}"
            )
        optimal = by_method["optimal"]
        print(
            f"  past pairs in the population: {optimal['past_pairs']}; "
            f"mean slot score of the optimal pairs: {optimal['mean_slot_score']}"
        )
        gain_random = optimal["total_overlap"] / max(1, by_method["random"]["total_overlap"])
        gain_greedy = optimal["total_overlap"] / max(1, by_method["greedy"]["total_overlap"])
        print(
            f"  optimal overlap is {gain_random:.2f}x random and {gain_greedy:.3f}x greedy "
            f"(target: clearly above random: {'met' if gain_random >= 1.5 else 'NOT met'})"
        )
        if size == max(SIZES):
            fast = optimal["seconds_max"] < TARGET_SECONDS
            small = optimal["rss_peak_mb"] < TARGET_MB
            print(
                f"  target: {size} in under {TARGET_SECONDS:.0f} s: "
                f"{'met' if fast else 'NOT met'} ({optimal['seconds_max']:.3f} s slowest run); "
                f"under 1 GB: {'met' if small else 'NOT met'} "
                f"({optimal['rss_peak_mb']:.1f} MB peak RSS of the whole process)"
            )
        if size == min(SIZES):
            check = networkx_check(size, args.seed)
            check["matcher_total"] = optimal["total_overlap"]
            check["equal"] = check["networkx_total"] == optimal["total_overlap"]
            checks.append(check)
            print(
                f"  optimality: networkx max_weight_matching total {check['networkx_total']} "
                f"({check['networkx_seconds']:.3f} s), matcher total {optimal['total_overlap']}: "
                f"{'equal (target met)' if check['equal'] else 'DIFFERENT (target NOT met)'}"
            )
    print(json.dumps({"seed": args.seed, "repeat": args.repeat, "runs": rows, "checks": checks}))


if __name__ == "__main__":
    main()
