"""Admin report and export: time and memory over a year-old program, as releases pile up.

Builds a realistic program directly in a fresh database (SQLite file by default; with
``--database-url postgresql://...`` a fresh schema that is dropped afterwards), with
SQLAlchemy Core on the project's tables, seeded and reproducible:

* ``--cohorts`` cohorts (default 10), started two weeks apart over the first months of a
  ``--months`` long program (default 12), each with its share of ``--participants``
  (default 2,000), half mentors and half mentees, 1-3 topics each, a few late joiners;
* one pair per mentor and mentee of the same index, so pairs = participants / 2 (1,000
  by default): about 72% active, 18% ended (half of their people then left), 5% declined
  and 5% still proposed; the people without a pair wait;
* biweekly sessions from a week after each pair became active, for active pairs up to
  ``sessions.HORIZON`` sessions ahead (as the scheduler plans them), for ended pairs until
  they ended; 7% skipped;
* reflections on about 55% of the sides of past sessions (4% say the session did not take
  place), 85% of them with a rating; the learned text encrypted with the project's
  ``Vault`` (Fernet), 8% of those shared as a best practice (encrypted, for the playbook);
* 1-3 learning goals per mentee of an active or ended pair (encrypted text), 70% with a
  progress of 1-5, 12% reached.

Then a child process (so that its peak RSS is its own, not that of the population built
here) builds ``Context.create`` with test-like settings (Slack is never called: the
gateway points at a closed local port and every Web API call is counted and refused)
and runs ``--rounds`` rounds (default 6, see below), one ``--days-per-round`` (default 1)
apart on a fixed clock. Each round is what an admin asking daily triggers:

* ``/mentor admin report``: ``report.find_cohorts`` and ``report.make_report`` over all
  cohorts with the total;
* ``/mentor admin export``: ``report.make_csv`` over all cohorts and ``playbook.build``.

Between rounds the program moves on a little, as in a day of use: a few people join and
leave (leaving ends their pair), waiting people are proposed as pairs, proposals are
accepted or declined (an accepted pair gets its sessions and the mentee's goals), the
schedule plans the next sessions, the sessions that just ended get reflections and
ratings (and a few shared learnings), and some goals get a check-in. So every round
releases new values, and ``report_release`` grows: overlap control sets every new value
against every earlier release of its metric. What this measures is whether a round then
takes longer than the one before (the growth figures below); at 2,000 participants on
SQLite a round takes about 4-5 s, so the default of 20 rounds takes about 2 minutes;
``--rounds 100`` a little under 10 (raise ``--timeout`` for more).

Figures, per round: seconds of the report, of the export (CSV and playbook), and of both
(the round); ``report_release`` rows after it and the MB of their entries' JSON (``added``
and ``removed``: a release is stored as what changed since its previous one); how
many figures were held back by overlap control ("unchanged since" or "not shown"); the
child's peak RSS (VmHWM) so far. Then first, median and last round times, the growth
(least-squares slope of the round time per round, per 1,000 releases and per MB stored,
with R squared), the size of ``report_release`` (rows, contribution entries, MB of JSON)
and the child's peak RSS. If ``--timeout`` stops the rounds, the figures cover the rounds
done. ``--phases`` also times (in the child) reading the data, computing the figures, the
release rules (and of which: reading earlier releases, hashing, the comparisons) and the
commit, per round. ``--profile FILE`` runs the measured calls under cProfile, writes the
stats to FILE and prints the functions with the most own time.

Usage:
    .venv/bin/python benchmarks/report.py [--quick | --participants 2000 --rounds 20]
        [--cohorts 10] [--months 12] [--days-per-round 1] [--seed 7]
        [--database-url postgresql://user@host/db] [--phases] [--profile FILE]
        [--timeout 1800]

``--quick`` is 300 participants in 3 cohorts, 20 rounds (well under a minute), for what
is not given explicitly. The last
line of the output is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, Text, cast, create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy import update as sa_update  # noqa: E402

from bot.core.config import database_url_from  # noqa: E402
from bot.core.crypto import Vault, generate_key  # noqa: E402
from bot.reporting import figures, hashes, releaser, report  # noqa: E402
from bot.sessions.planning import HORIZON  # noqa: E402
from bot.sessions.topics import TOPICS  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    BestPractice,
    Cohort,
    Goal,
    MentoringSession,
    Pair,
    PairStatus,
    Participant,
    ParticipantStatus,
    Reflection,
    ReportRelease,
    SessionStatus,
)

QUICK = {"participants": 300, "cohorts": 3, "rounds": 20}
#: About 4-5 s a round at 2,000 participants on SQLite. Ask for more with --rounds (and
#: a longer --timeout past about 300 rounds).
ROUNDS = 20
DEFAULTS = {"participants": 2000, "cohorts": 10, "rounds": ROUNDS}
#: The report's clock when the first round runs (fixed, so runs are comparable; a Tuesday
#: in the second half of a month, so 30 daily rounds cross into the next month).
START = datetime(2026, 5, 19, 9, 0, tzinfo=UTC)
CADENCE = timedelta(days=14)
MINUTES = 45
REFLECT_AFTER = timedelta(hours=1)  # reflections come after the session's end
INSERT_CHUNK = 5000
#: Shares of the pairs of a cohort, by the index of the pair (the rest: declined).
ACTIVE_SHARE, PROPOSED_SHARE, ENDED_SHARE = 0.72, 0.77, 0.95
SKIP_RATE = 0.07
REFLECT_RATE = 0.55
NOT_HELD_RATE = 0.04
RATED_RATE = 0.85
RATING_WEIGHTS = (2, 5, 20, 40, 33)  # for ratings 1..5
LEARNED_RATE = 0.7
SHARE_RATE = 0.08
LEARNINGS = (
    "Asking for the why before the how made the whole session easier.",
    "A short demo beats a long explanation; we will do that again.",
    "Writing down one question per week keeps the sessions focused.",
    "Pairing on a real task taught me more than any slide deck.",
    "It helps to agree on what to try before the next session.",
)
TABLES: tuple[Any, ...] = (
    Cohort.__table__,  # type: ignore[attr-defined]
    Participant.__table__,  # type: ignore[attr-defined]
    Pair.__table__,  # type: ignore[attr-defined]
    MentoringSession.__table__,  # type: ignore[attr-defined]
    Reflection.__table__,  # type: ignore[attr-defined]
    Goal.__table__,  # type: ignore[attr-defined]
    BestPractice.__table__,  # type: ignore[attr-defined]
)
COHORT, PARTICIPANT, PAIR, SESSION, REFLECTION, GOAL, PRACTICE = TABLES
RELEASE = ReportRelease.__table__  # type: ignore[attr-defined]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between ``start`` and ``end`` (``start`` when the span is empty)."""
    span = (end - start).total_seconds()
    return start + timedelta(seconds=rng.uniform(0, span)) if span > 0 else start


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), INSERT_CHUNK):
        yield rows[i : i + INSERT_CHUNK]


@dataclass
class Rows:
    """Rows to insert, per table; :meth:`add` numbers them (unless the database should)."""

    by_table: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ids: Counter[str] = field(default_factory=Counter)

    def add(self, table: Any, row: dict[str, Any], *, with_id: bool = True) -> int:
        if with_id:
            self.ids[table.name] += 1
            row["id"] = self.ids[table.name]
        self.by_table.setdefault(table.name, []).append(row)
        return int(row.get("id", 0))

    def insert(self, connection: Any) -> None:
        for table in TABLES:
            for chunk in _chunks(self.by_table.get(table.name, [])):
                connection.execute(insert(table), chunk)


class Writer:
    """Makes the rows a program's life produces: the same rules for the year built up
    front and for the days between rounds."""

    def __init__(self, rng: random.Random, vault: Vault, key: str) -> None:
        self.rng = rng
        self.vault = vault
        self.topics = [topic.key for topic in TOPICS]
        self.population = hashes.population_key(key)

    def person(
        self,
        rows: Rows,
        user_id: str,
        cohort_id: int,
        role: str,
        joined_at: datetime,
        *,
        with_id: bool = True,
    ) -> dict[str, Any]:
        rng = self.rng
        row = {
            "user_id": user_id,
            "cohort_id": cohort_id,
            "role": role,
            "topics": rng.sample(self.topics, rng.randint(1, 3)),
            "department": f"Department {rng.randrange(40) + 1}",
            "weekdays": sorted(rng.sample(range(5), rng.randint(0, 3))),
            "time_window": rng.choice(("any", "morning", "midday", "afternoon")),
            "status": ParticipantStatus.ACTIVE.value,
            "joined_at": joined_at,
            "updated_at": joined_at,
            "waiting_since": joined_at + timedelta(days=1),
            "paused_until": None,
        }
        rows.add(PARTICIPANT, row, with_id=with_id)
        return row

    def first_session(self, activated_at: datetime) -> datetime:
        """A week or so after the pair became active, at a full hour (UTC)."""
        day = activated_at + timedelta(days=self.rng.uniform(2, 9))
        return day.replace(hour=self.rng.choice((8, 9, 10, 13, 14, 15)), minute=0, second=0)

    def session(
        self, rows: Rows, pair_id: int, number: int, starts_at: datetime, topic: str
    ) -> int:
        status = (
            SessionStatus.SKIPPED.value
            if self.rng.random() < SKIP_RATE
            else SessionStatus.SCHEDULED.value
        )
        return rows.add(
            SESSION,
            {
                "pair_id": pair_id,
                "number": number,
                "starts_at": starts_at,
                "minutes": MINUTES,
                "status": status,
                "agenda_kind": "topic",
                "agenda_ref": topic,
            },
        )

    def reflections(
        self,
        rows: Rows,
        session_id: int,
        starts_at: datetime,
        people: tuple[str, str],
        cohort_id: int,
        topic: str,
        until: datetime,
        *,
        with_id: bool = True,
    ) -> None:
        """What the two people of a session that took place write about it."""
        rng = self.rng
        ended = starts_at + timedelta(minutes=MINUTES)
        for user_id in people:
            if rng.random() >= REFLECT_RATE:
                continue
            written = _between(rng, ended + REFLECT_AFTER, min(until, ended + timedelta(days=3)))
            happened = rng.random() >= NOT_HELD_RATE
            rating = None
            if happened and rng.random() < RATED_RATE:
                rating = rng.choices(range(1, 6), weights=RATING_WEIGHTS)[0]
            learned = None
            shared = False
            if happened and rng.random() < LEARNED_RATE:
                note = f"{rng.choice(LEARNINGS)} ({topic}, {starts_at:%Y-%m-%d})"
                learned = self.vault.encrypt(note)
                if rng.random() < SHARE_RATE:
                    shared = True
                    rows.add(
                        PRACTICE,
                        {
                            "cohort_id": cohort_id,
                            "topic": topic,
                            "text": self.vault.encrypt(note),
                            "month": written.strftime("%Y-%m"),
                            "author": hashes.author_hash(
                                self.population, self.vault.user_key(user_id)
                            ),
                        },
                        with_id=with_id,
                    )
            rows.add(
                REFLECTION,
                {
                    "session_id": session_id,
                    "user_id": user_id,
                    "happened": happened,
                    "rating": rating,
                    "learned": learned,
                    "shared": shared,
                    "created_at": written,
                },
                with_id=with_id,
            )

    def goals(
        self, rows: Rows, user_id: str, set_at: datetime, until: datetime, *, with_id: bool = True
    ) -> None:
        """A mentee's 1-3 goals, some with progress, a few reached (by ``until``)."""
        rng = self.rng
        for n in range(rng.choice((1, 2, 2, 3))):
            progress = None
            done = False
            updated = set_at
            if rng.random() < 0.7 and until > set_at:
                updated = _between(rng, set_at, until)
                progress = rng.randint(1, 5)
                if rng.random() < 0.12 / 0.7:
                    progress, done = 5, True
            rows.add(
                GOAL,
                {
                    "user_id": user_id,
                    "text": self.vault.encrypt(f"Goal {n + 1}: get better at {rng.random():.6f}"),
                    "progress": progress,
                    "done": done,
                    "created_at": set_at,
                    "updated_at": updated,
                },
                with_id=with_id,
            )


@dataclass
class Population:
    """What was built: rows per table, and how long it took."""

    rows: dict[str, int]
    seconds: float


def build_population(
    url: str, key: str, *, cohorts: int, participants: int, months: int, seed: int
) -> Population:
    """Insert a program that has run for ``months`` up to :data:`START`."""
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(PAIR)).scalar():
            raise SystemExit(f"{url}: the database already has pairs; give an empty one")
    rng = random.Random(seed)
    writer = Writer(rng, Vault(key), key)
    now = START
    start = now - timedelta(days=round(months * 30.44))
    spread = min(timedelta(days=14), (now - start) / (2 * cohorts))
    rows = Rows()
    for c in range(cohorts):
        opened = start + spread * c
        cohort_id = rows.add(
            COHORT,
            {
                "name": f"Cohort {c + 1:02d}",
                "name_key": f"cohort {c + 1:02d}",
                "channel_id": f"C{c + 1:08d}",
                "cadence": "biweekly",
                "is_open": True,
                "created_at": opened,
            },
        )
        size = participants // cohorts + (1 if c < participants % cohorts else 0)
        people: dict[str, list[dict[str, Any]]] = {"mentor": [], "mentee": []}
        for n in range(size):
            role = "mentor" if n % 2 == 0 else "mentee"
            late = rng.random() < 0.1
            joined = (
                _between(rng, opened, now - timedelta(days=7))
                if late
                else opened + timedelta(days=rng.uniform(0, 14))
            )
            user_id = f"U{c + 1:02d}{role[-1].upper()}{n:05d}"
            people[role].append(writer.person(rows, user_id, cohort_id, role, joined))
        count = min(len(people["mentor"]), len(people["mentee"]))
        for i in range(count):
            mentor, mentee = people["mentor"][i], people["mentee"][i]
            share = i / count
            kind = (
                PairStatus.ACTIVE.value
                if share < ACTIVE_SHARE
                else PairStatus.PROPOSED.value
                if share < PROPOSED_SHARE
                else PairStatus.ENDED.value
                if share < ENDED_SHARE
                else PairStatus.DECLINED.value
            )
            _historic_pair(writer, rows, cohort_id, mentor, mentee, kind, now)
    with engine.begin() as connection:
        rows.insert(connection)
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences on
            for table in TABLES:
                sequence = func.pg_get_serial_sequence(table.name, "id")
                top = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
                connection.execute(select(func.setval(sequence, top, False)))
    engine.dispose()
    return Population(
        rows={table.name: len(rows.by_table.get(table.name, [])) for table in TABLES},
        seconds=time.perf_counter() - started,
    )


def _historic_pair(
    writer: Writer,
    rows: Rows,
    cohort_id: int,
    mentor: dict[str, Any],
    mentee: dict[str, Any],
    kind: str,
    now: datetime,
) -> None:
    """A pair of the past year with its sessions, reflections and goals."""
    rng = writer.rng
    created = max(mentor["joined_at"], mentee["joined_at"]) + timedelta(days=rng.uniform(1, 7))
    if kind != PairStatus.PROPOSED.value and created >= now - timedelta(days=3):
        kind = PairStatus.PROPOSED.value
    if kind == PairStatus.PROPOSED.value:
        created = min(created, now - timedelta(days=rng.uniform(0.2, 2)))
        for person in (mentor, mentee):
            person["joined_at"] = min(person["joined_at"], created - timedelta(days=1))
            person["updated_at"] = person["joined_at"]
    activated = None
    ended = None
    if kind in (PairStatus.ACTIVE.value, PairStatus.ENDED.value):
        activated = created + timedelta(days=rng.uniform(0.2, 3))
    if kind == PairStatus.ENDED.value:
        assert activated is not None
        ended = activated + timedelta(days=rng.uniform(21, 240))
        if ended >= now - timedelta(days=1):
            kind, ended = PairStatus.ACTIVE.value, None
    if kind == PairStatus.DECLINED.value:
        ended = created + timedelta(days=rng.uniform(0.5, 4))
    topic = mentee["topics"][0]
    first = writer.first_session(activated) if activated is not None else None
    pair_id = rows.add(
        PAIR,
        {
            "cohort_id": cohort_id,
            "mentor_id": mentor["user_id"],
            "mentee_id": mentee["user_id"],
            "mentor_key": writer.vault.user_key(mentor["user_id"]),
            "mentee_key": writer.vault.user_key(mentee["user_id"]),
            "status": kind,
            "mentor_accepted": kind != PairStatus.PROPOSED.value,
            "mentee_accepted": kind in (PairStatus.ACTIVE.value, PairStatus.ENDED.value),
            "channel_id": f"G{len(rows.by_table.get(PAIR.name, [])) + 1:08d}",
            "created_at": created,
            "activated_at": activated,
            "ended_at": ended,
            "slot_tz": "Europe/Berlin" if first else None,
            "slot_weekday": first.weekday() if first else None,
            "slot_time": first.strftime("%H:%M") if first else None,
            "slot_anchor": first.date().isoformat() if first else None,
        },
    )
    for person in (mentor, mentee):
        person["waiting_since"] = None
        if ended is not None and kind == PairStatus.ENDED.value and rng.random() < 0.5:
            person["status"] = ParticipantStatus.LEFT.value
            person["updated_at"] = ended
        elif kind == PairStatus.ACTIVE.value and rng.random() < 0.03:
            person["status"] = ParticipantStatus.PAUSED.value
            person["paused_until"] = now + timedelta(days=14)
            person["updated_at"] = now - timedelta(days=rng.uniform(1, 20))
    if first is None or activated is None:
        return
    last = ended if ended is not None else now + CADENCE * HORIZON
    until = ended if ended is not None else now
    people = (mentor["user_id"], mentee["user_id"])
    number, starts = 1, first
    while starts <= last if ended is None else starts < last:
        session_id = writer.session(rows, pair_id, number, starts, topic)
        past = starts + timedelta(minutes=MINUTES) + REFLECT_AFTER <= now
        if past and rows.by_table[SESSION.name][-1]["status"] == SessionStatus.SCHEDULED.value:
            writer.reflections(rows, session_id, starts, people, cohort_id, topic, now)
        number, starts = number + 1, starts + CADENCE
    set_at = min(activated + timedelta(days=rng.uniform(1, 10)), until)
    writer.goals(rows, mentee["user_id"], set_at, until)


# --- the measuring child process --------------------------------------------------------


class Clock:
    """The report's clock, moved on between rounds."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class OpenPair:
    id: int
    cohort_id: int
    mentor: str
    mentee: str
    topic: str
    number: int = 0  # of the last session
    last: datetime | None = None  # its start


class Program:
    """The program's state the daily changes need, read once from the database."""

    def __init__(self, engine: Engine, writer: Writer, scale: float) -> None:
        self.engine = engine
        self.writer = writer
        self.scale = scale
        self.joined = 0
        with engine.connect() as connection:
            people = connection.execute(
                select(
                    PARTICIPANT.c.user_id,
                    PARTICIPANT.c.cohort_id,
                    PARTICIPANT.c.role,
                    PARTICIPANT.c.status,
                    PARTICIPANT.c.topics,
                ).order_by(PARTICIPANT.c.id)
            ).all()
            pairs = connection.execute(
                select(
                    PAIR.c.id,
                    PAIR.c.cohort_id,
                    PAIR.c.mentor_id,
                    PAIR.c.mentee_id,
                    PAIR.c.status,
                    PAIR.c.created_at,
                ).order_by(PAIR.c.id)
            ).all()
            last = dict(
                (pair_id, (number, starts))
                for pair_id, number, starts in connection.execute(
                    select(
                        SESSION.c.pair_id,
                        func.max(SESSION.c.number),
                        func.max(SESSION.c.starts_at),
                    ).group_by(SESSION.c.pair_id)
                )
            )
            self.goal_ids = [
                goal_id
                for (goal_id,) in connection.execute(
                    select(GOAL.c.id).where(GOAL.c.done.is_(False)).order_by(GOAL.c.id)
                )
            ]
        self.cohorts = sorted({row.cohort_id for row in people})
        self.topic = {row.user_id: (row.topics or ["genai"])[0] for row in people}
        self.present = {
            row.user_id: (row.cohort_id, row.role)
            for row in people
            if row.status != ParticipantStatus.LEFT.value
        }
        self.active: dict[int, OpenPair] = {}
        self.proposed: dict[int, tuple[OpenPair, datetime]] = {}
        in_pair: set[str] = set()
        for row in pairs:
            if row.status not in (PairStatus.ACTIVE.value, PairStatus.PROPOSED.value):
                continue
            pair = OpenPair(row.id, row.cohort_id, row.mentor_id, row.mentee_id, "")
            pair.topic = self.topic.get(row.mentee_id, "genai")
            in_pair.update((row.mentor_id, row.mentee_id))
            if row.status == PairStatus.ACTIVE.value:
                pair.number, pair.last = last.get(row.id, (0, None))
                self.active[row.id] = pair
            else:
                self.proposed[row.id] = (pair, row.created_at)
        self.waiting = {user for user in self.present if user not in in_pair}

    def _some(self, mean: float) -> int:
        """A small random count around ``mean`` times the program's scale."""
        expected = mean * self.scale
        return int(expected) + (1 if self.writer.rng.random() < expected % 1 else 0)

    def step(self, before: datetime, now: datetime) -> dict[str, int]:
        """What happened between ``before`` and ``now``; returns how many of what."""
        rng = self.writer.rng
        rows = Rows()
        done: Counter[str] = Counter()
        with self.engine.begin() as connection:
            # People join (and wait to be matched) and leave (ending their pair).
            for _ in range(self._some(3.0)):
                self.joined += 1
                cohort_id = rng.choice(self.cohorts)
                role = rng.choice(("mentor", "mentee"))
                user_id = f"UNEW{self.joined:06d}{role[-1].upper()}"
                person = self.writer.person(
                    rows, user_id, cohort_id, role, _between(rng, before, now), with_id=False
                )
                self.present[user_id] = (cohort_id, role)
                self.topic[user_id] = person["topics"][0]
                self.waiting.add(user_id)
                done["joined"] += 1
            for _ in range(self._some(1.5)):
                user_id = rng.choice(sorted(self.present))
                del self.present[user_id]
                self.waiting.discard(user_id)
                connection.execute(
                    sa_update(PARTICIPANT)
                    .where(PARTICIPANT.c.user_id == user_id)
                    .values(status=ParticipantStatus.LEFT.value, updated_at=now)
                )
                done["left"] += 1
                for pair in [*self.active.values(), *(p for p, _ in self.proposed.values())]:
                    if user_id in (pair.mentor, pair.mentee):
                        self._end(connection, pair, now)
                        done["pairs_ended"] += 1
            # Proposals of two days ago are answered; waiting people are proposed.
            for pair_id, (pair, proposed_at) in list(self.proposed.items()):
                if now - proposed_at < timedelta(days=2):
                    continue
                del self.proposed[pair_id]
                if rng.random() < 0.1:
                    connection.execute(
                        sa_update(PAIR)
                        .where(PAIR.c.id == pair_id)
                        .values(status=PairStatus.DECLINED.value, ended_at=now)
                    )
                    self.waiting.update((pair.mentor, pair.mentee))
                    done["pairs_declined"] += 1
                    continue
                first = self.writer.first_session(now)
                connection.execute(
                    sa_update(PAIR)
                    .where(PAIR.c.id == pair_id)
                    .values(
                        status=PairStatus.ACTIVE.value,
                        mentee_accepted=True,
                        mentor_accepted=True,
                        activated_at=now,
                        slot_tz="Europe/Berlin",
                        slot_weekday=first.weekday(),
                        slot_time=first.strftime("%H:%M"),
                        slot_anchor=first.date().isoformat(),
                    )
                )
                pair.last = first - CADENCE
                self.active[pair_id] = pair
                self.writer.goals(rows, pair.mentee, now, now, with_id=False)
                done["pairs_activated"] += 1
            for _ in range(self._some(1.0)):
                if self._propose(connection, now):
                    done["pairs_proposed"] += 1
            # The schedule plans ahead; the sessions that just ended get reflections.
            horizon = now + CADENCE * HORIZON
            for pair in self.active.values():
                while pair.last is None or pair.last + CADENCE <= horizon:
                    starts = (pair.last or now) + CADENCE
                    pair.number += 1
                    pair.last = starts
                    status = (
                        SessionStatus.SKIPPED.value
                        if rng.random() < SKIP_RATE
                        else SessionStatus.SCHEDULED.value
                    )
                    session = {
                        "pair_id": pair.id,
                        "number": pair.number,
                        "starts_at": starts,
                        "minutes": MINUTES,
                        "status": status,
                        "agenda_kind": "topic",
                        "agenda_ref": pair.topic,
                    }
                    rows.add(SESSION, session, with_id=False)
                    done["sessions_planned"] += 1
            due = connection.execute(
                select(SESSION.c.id, SESSION.c.pair_id, SESSION.c.starts_at)
                .where(SESSION.c.status == SessionStatus.SCHEDULED.value)
                .where(SESSION.c.starts_at > before - timedelta(minutes=MINUTES) - REFLECT_AFTER)
                .where(SESSION.c.starts_at <= now - timedelta(minutes=MINUTES) - REFLECT_AFTER)
                .order_by(SESSION.c.id)
            ).all()
            for session_id, pair_id, starts in due:
                if (held := self.active.get(pair_id)) is None:
                    continue
                people = (held.mentor, held.mentee)
                self.writer.reflections(
                    rows, session_id, starts, people, held.cohort_id, held.topic, now, with_id=False
                )
                done["sessions_ended"] += 1
            # A few goals get a check-in.
            for goal_id in rng.sample(self.goal_ids, min(len(self.goal_ids), self._some(20))):
                reached = rng.random() < 0.1
                connection.execute(
                    sa_update(GOAL)
                    .where(GOAL.c.id == goal_id)
                    .values(
                        progress=5 if reached else rng.randint(1, 5), done=reached, updated_at=now
                    )
                )
                if reached:
                    self.goal_ids.remove(goal_id)
                done["goal_checkins"] += 1
            rows.insert(connection)
            if GOAL.name in rows.by_table:
                self.goal_ids += [
                    goal_id
                    for (goal_id,) in connection.execute(
                        select(GOAL.c.id).where(GOAL.c.created_at == now).order_by(GOAL.c.id)
                    )
                ]
        done["reflections"] = len(rows.by_table.get(REFLECTION.name, []))
        done["shared"] = len(rows.by_table.get(PRACTICE.name, []))
        return dict(done)

    def _end(self, connection: Any, pair: OpenPair, now: datetime) -> None:
        """What ``enrollment.end_open_pair`` does: the pair ends, its sessions stay."""
        connection.execute(
            sa_update(PAIR)
            .where(PAIR.c.id == pair.id)
            .where(PAIR.c.status.in_((PairStatus.PROPOSED.value, PairStatus.ACTIVE.value)))
            .values(status=PairStatus.ENDED.value, ended_at=now)
        )
        self.active.pop(pair.id, None)
        self.proposed.pop(pair.id, None)
        for user_id in (pair.mentor, pair.mentee):
            if user_id in self.present:
                self.waiting.add(user_id)

    def _propose(self, connection: Any, now: datetime) -> bool:
        rng = self.writer.rng
        by_cohort: dict[int, dict[str, list[str]]] = {}
        for user_id in sorted(self.waiting):
            cohort_id, role = self.present[user_id]
            by_cohort.setdefault(cohort_id, {"mentor": [], "mentee": []})[role].append(user_id)
        ready = [c for c, roles in by_cohort.items() if roles["mentor"] and roles["mentee"]]
        if not ready:
            return False
        cohort_id = rng.choice(ready)
        mentor = rng.choice(by_cohort[cohort_id]["mentor"])
        mentee = rng.choice(by_cohort[cohort_id]["mentee"])
        vault = self.writer.vault
        pair_id = int(
            connection.execute(
                insert(PAIR)
                .values(
                    cohort_id=cohort_id,
                    mentor_id=mentor,
                    mentee_id=mentee,
                    mentor_key=vault.user_key(mentor),
                    mentee_key=vault.user_key(mentee),
                    status=PairStatus.PROPOSED.value,
                    mentor_accepted=False,
                    mentee_accepted=False,
                    channel_id=f"GNEW{mentor[-7:]}",
                    created_at=now,
                )
                .returning(PAIR.c.id)
            ).scalar_one()
        )
        pair = OpenPair(pair_id, cohort_id, mentor, mentee, self.topic.get(mentee, "genai"))
        self.proposed[pair_id] = (pair, now)
        self.waiting.difference_update((mentor, mentee))
        return True


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB, from /proc (Linux).

    ``ru_maxrss`` is not used: Linux carries the parent's peak across fork and exec into
    the child's, so the child would report the population builder's memory.
    """
    found: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
    return found


PHASES = (
    ("data.load", "load: read the data"),
    ("figures.compute", "compute: the figures"),
    ("figures.months_of", "months_of (CSV rows)"),
    ("Releaser.release", "release: the overlap control, in all"),
    ("Releaser._of", "  of which _of: read the earlier releases"),
    ("Releaser._new", "  of which _new: hash the contributions"),
    ("Releaser._singles_out", "  of which _singles_out: compare with earlier releases"),
    ("Releaser._add", "  of which _add: keep the new release"),
    ("Session.commit", "commit (writes the new releases)"),
    ("playbook.build", "playbook.build"),
)


def _instrument(spent: dict[str, list[float]]) -> None:
    """Wrap the report's steps (in this process only) to time each of them."""
    from sqlmodel import Session

    from bot.journal import playbook

    owners: dict[str, Any] = {
        "report": report,
        "Releaser": releaser.Releaser,
        "Session": Session,
        "playbook": playbook,
    }
    for name, _ in PHASES:
        owner_name, attribute = name.split(".")
        owner = owners[owner_name]
        function = getattr(owner, attribute)
        slot = spent.setdefault(name, [0.0, 0])

        def wrapper(
            *args: Any,
            _function: Callable[..., Any] = function,
            _slot: list[float] = slot,
            **kwargs: Any,
        ) -> Any:
            started = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                _slot[0] += time.perf_counter() - started
                _slot[1] += 1

        setattr(owner, attribute, wrapper)


def _held_back(made: Any, csv_bytes: bytes) -> tuple[int, int, int]:
    """Figures held back by overlap control: in the report, and in the CSV (cells "not
    shown", and cells shown "unchanged since", counted from the notes)."""

    in_report = sum(
        1
        for scope in made.scopes
        for shown in scope.figures
        if shown.state in (figures.UNCHANGED, figures.WITHHELD)
    )
    reader = csv.DictReader(io.StringIO(csv_bytes.decode("utf-8")))
    not_shown = unchanged = 0
    for row in reader:
        not_shown += sum(1 for m in figures.METRICS if row[m.column] == figures.NOT_SHOWN)
        unchanged += row["notes"].count("unchanged since") if row["notes"] else 0
    return in_report, not_shown, unchanged


def child(config: dict[str, Any]) -> None:
    """Run the rounds in this (fresh) process; print a line per round, then JSON."""
    import logging

    from bot.app.kinds import build_outbox
    from bot.core.config import Settings
    from bot.core.context import Context
    from bot.journal import playbook

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    clock = Clock(datetime.fromisoformat(config["start"]))
    settings = Settings(
        bot_token="xoxb-bench",
        signing_secret="bench-secret",
        # Nothing here may call Slack: a closed local port, and every call is refused.
        api_url="http://127.0.0.1:9/api/",
        database_url=config["url"],
        admin_ids=frozenset({"UADMIN01"}),
        encryption_key=os.environ["REPORT_BENCH_KEY"],
        scheduler=False,
    )
    ctx = Context.create(settings, outbox=build_outbox(), clock=clock)
    slack_calls: list[str] = []

    def refuse(api_method: str, *args: Any, **kwargs: Any) -> Any:
        slack_calls.append(api_method)
        raise RuntimeError(f"the report called Slack: {api_method}")

    for client in {ctx.slack.client, ctx.slack._quick}:
        setattr(client, "api_call", refuse)  # noqa: B010
    engine = ctx.db.engine
    writer = Writer(
        random.Random(config["seed"] + 1), ctx.vault, ctx.settings.encryption_key.get_secret_value()
    )
    program = Program(engine, writer, config["participants"] / 2000)
    spent: dict[str, list[float]] = {}
    if config["phases"]:
        _instrument(spent)
    profiler = None
    if config["profile"]:
        import cProfile

        profiler = cProfile.Profile()
    rss_before = memory_mb()["VmRSS"]
    rounds: list[dict[str, Any]] = []
    for number in range(1, config["rounds"] + 1):
        changes: dict[str, int] = {}
        if number > 1:
            before = clock.now
            clock.now = before + timedelta(days=config["days_per_round"])
            changes = program.step(before, clock.now)
        for slot in spent.values():
            slot[0], slot[1] = 0.0, 0
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        cohorts = report.find_cohorts(ctx, None)
        made = report.make_report(ctx, cohorts, total=True)
        reported = time.perf_counter()
        csv_bytes = report.make_csv(ctx, cohorts)
        exported_csv = time.perf_counter()
        document = playbook.build(ctx, cohorts, "en", "Europe/Berlin", every=True)
        finished = time.perf_counter()
        if profiler is not None:
            profiler.disable()
        with engine.connect() as connection:
            releases, stored = connection.execute(
                select(
                    func.count(),
                    func.sum(
                        func.length(cast(RELEASE.c.added, Text))
                        + func.length(cast(RELEASE.c.removed, Text))
                    ),
                )
            ).one()
        in_report, not_shown, unchanged = _held_back(made, csv_bytes)
        figures = {
            "round": number,
            "at": clock.now.isoformat(),
            "report_s": round(reported - started, 3),
            "csv_s": round(exported_csv - reported, 3),
            "playbook_s": round(finished - exported_csv, 3),
            "export_s": round(finished - reported, 3),
            "round_s": round(finished - started, 3),
            "releases": releases,
            "release_mb": round((stored or 0) / 1e6, 1),
            "added": releases - (rounds[-1]["releases"] if rounds else 0),
            "held_back_report": in_report,
            "csv_not_shown": not_shown,
            "csv_unchanged": unchanged,
            "csv_rows": csv_bytes.count(b"\n") - 1,
            "playbook_entries": document.count("\n- "),
            "peak_rss_mb": round(memory_mb()["VmHWM"], 1),
            "changes": changes,
        }
        if spent:
            figures["phases"] = {k: round(v[0], 3) for k, v in spent.items()}
            figures["calls"] = {k: int(v[1]) for k, v in spent.items()}
        rounds.append(figures)
        # One JSON line per round, so that the rounds done count even after a timeout.
        print(json.dumps({"round_figures": figures}), flush=True)
        print(
            f"round {number:3d}  {clock.now:%Y-%m-%d}  report {figures['report_s']:7.2f} s  "
            f"export {figures['export_s']:7.2f} s (csv {figures['csv_s']:.2f}, playbook "
            f"{figures['playbook_s']:.2f})  round {figures['round_s']:7.2f} s  releases "
            f"{releases:7,} (+{figures['added']:,}, {figures['release_mb']:g} MB)  held back "
            f"{in_report} in the report, "
            f"{not_shown}+{unchanged} in the CSV  peak RSS {figures['peak_rss_mb']:7.1f} MB",
            flush=True,
        )
    if profiler is not None:
        import pstats

        profiler.dump_stats(config["profile"])
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
        print("profile, by own time (all rounds):")
        for line in out.getvalue().splitlines():
            if line.strip() and not line.startswith(("   Ordered by", "      ")):
                print(f"  {line}")
    peak = memory_mb()["VmHWM"]  # of the rounds, not of the counting below
    with engine.connect() as connection:
        entries = 0
        for row in connection.execute(select(RELEASE.c.added, RELEASE.c.removed)):
            for value in row:  # the entries stored: a release's changes since its base
                entries += len(json.loads(value) if isinstance(value, str) else value)
        tables = {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in TABLES
        }
    ctx.close()
    print(
        json.dumps(
            {
                "rss_before_mb": round(rss_before, 1),
                "peak_rss_mb": round(peak, 1),
                "release_entries": entries,
                "rows_after": tables,
                "slack_calls": len(slack_calls),
            }
        ),
        flush=True,
    )


# --- the benchmark ------------------------------------------------------------------------


def run_child(config: dict[str, Any], key: str, timeout: float, log: Path) -> dict[str, Any]:
    """Start the measuring process, echo its lines, and return its figures."""
    env = {**os.environ, "REPORT_BENCH_KEY": key}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(config)]
    with open(log, "wb") as errors:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            start_new_session=True,
            text=True,
        )
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # only the group started here

        timer = threading.Timer(timeout, kill)
        timer.start()
        reported: dict[str, Any] = {}
        rounds: list[dict[str, Any]] = []
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("{"):
                found = json.loads(line)
                if "round_figures" in found:
                    rounds.append(found["round_figures"])
                else:
                    reported = found
            else:
                print(line, end="", flush=True)
        process.wait()
        timer.cancel()
    reported["rounds"] = rounds
    reported["returncode"] = process.returncode
    reported["timed_out"] = expired.is_set()
    return reported


def postgres_schema(url: str) -> tuple[str, str]:
    """A fresh schema on the server of ``url``: (URL using it, schema name)."""
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", schema


def drop_schema(url: str, schema: str) -> None:
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope of ``ys`` over ``xs``, and R squared (0, 0 when undefined)."""
    if len(xs) < 3 or len(set(xs)) < 2:
        return 0.0, 0.0
    slope, intercept = statistics.linear_regression(xs, ys)
    mean = statistics.fmean(ys)
    total = sum((y - mean) ** 2 for y in ys)
    residual = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
    return slope, (1 - residual / total) if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, help="default 2000")
    parser.add_argument("--cohorts", type=int, help="default 10")
    parser.add_argument("--months", type=int, default=12, help="program age (default 12)")
    parser.add_argument("--rounds", type=int, help=f"report + export rounds (default {ROUNDS})")
    parser.add_argument(
        "--days-per-round", type=float, default=1.0, help="clock step between rounds (1 day)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="{participants} participants, {cohorts} cohorts, {rounds} rounds "
        "(unless given)".format(**QUICK),
    )
    parser.add_argument(
        "--database-url",
        help="default: a fresh SQLite file; PostgreSQL: a fresh schema is created there and "
        "dropped afterwards",
    )
    parser.add_argument("--phases", action="store_true", help="time the report's steps")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the measured calls")
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="kill the rounds after this (1800 s)"
    )
    parser.add_argument("--child", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    # --quick sets what is not given explicitly (--quick --rounds 30 keeps the 30).
    defaults = QUICK if args.quick else DEFAULTS
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)

    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.database_url:
            base_url = database_url_from({"DATABASE_URL": args.database_url})
            url = base_url
            if base_url.startswith("postgresql"):
                url, schema = postgres_schema(base_url)
        else:
            url = f"sqlite:///{tmp}/bench.db"
        database = url.split(":", 1)[0] + (" (fresh schema)" if schema else " (fresh file)")
        key = generate_key()
        log = Path(tmp) / "child.log"
        try:
            population = build_population(
                url,
                key,
                cohorts=args.cohorts,
                participants=args.participants,
                months=args.months,
                seed=args.seed,
            )
            rows = population.rows
            print(
                f"population: {args.cohorts} cohorts, {rows['participant']:,} participants, "
                f"{rows['pair']:,} pairs, {rows['mentoring_session']:,} sessions, "
                f"{rows['reflection']:,} reflections, {rows['goal']:,} goals, "
                f"{rows['best_practice']:,} best practices over {args.months} months "
                f"({database}, built in {population.seconds:.1f} s)",
                flush=True,
            )
            print(
                f"{args.rounds} rounds of /mentor admin report + /mentor admin export, "
                f"{args.days_per_round:g} day(s) apart from {START:%Y-%m-%d}, a little "
                "change to the program between rounds:",
                flush=True,
            )
            config = {
                "url": url,
                "start": START.isoformat(),
                "rounds": args.rounds,
                "days_per_round": args.days_per_round,
                "participants": args.participants,
                "seed": args.seed,
                "phases": args.phases,
                "profile": str(Path(args.profile).resolve()) if args.profile else None,
            }
            run = run_child(config, key, args.timeout, log)
            log_lines = log.read_text(errors="replace").splitlines()
        finally:
            if schema is not None:
                drop_schema(base_url, schema)

    rounds: list[dict[str, Any]] = run.get("rounds", [])
    if run["timed_out"]:
        print(f"stopped after --timeout {args.timeout:g} s; the figures cover {len(rounds)} rounds")
    elif run["returncode"] != 0 or not rounds:
        print(f"the rounds failed (return code {run['returncode']})")
        print("log (tail):", *log_lines[-20:], sep="\n  ")
    times = [r["round_s"] for r in rounds]

    def summary(name: str) -> dict[str, float] | None:
        values = [r[name] for r in rounds]
        if not values:
            return None
        return {
            "first": values[0],
            "median": round(statistics.median(values), 3),
            "last": values[-1],
            "max": max(values),
        }

    per_round, r2_round = fit([float(r["round"]) for r in rounds], times)
    per_release, r2_release = fit([float(r["releases"]) for r in rounds], times)
    per_mb, r2_mb = fit([float(r["release_mb"]) for r in rounds], times)
    peak = run.get("peak_rss_mb") or (rounds[-1]["peak_rss_mb"] if rounds else None)
    figures: dict[str, Any] = {
        "database": database,
        "participants": args.participants,
        "cohorts": args.cohorts,
        "months": args.months,
        "rounds": len(rounds),
        "rounds_asked": args.rounds,
        "days_per_round": args.days_per_round,
        "seed": args.seed,
        "population_rows": population.rows,
        "setup_s": round(population.seconds, 1),
        "report_s": summary("report_s"),
        "export_s": summary("export_s"),
        "csv_s": summary("csv_s"),
        "playbook_s": summary("playbook_s"),
        "round_s": summary("round_s"),
        "total_s": round(sum(times), 2),
        "growth": {
            "s_per_round": round(per_round, 4),
            "r2_per_round": round(r2_round, 3),
            "s_per_1000_releases": round(per_release * 1000, 4),
            "r2_per_release": round(r2_release, 3),
            "s_per_stored_mb": round(per_mb, 4),
            "r2_per_stored_mb": round(r2_mb, 3),
            "last_over_first": round(times[-1] / times[0], 2) if times and times[0] else None,
        },
        "report_release_rows": rounds[-1]["releases"] if rounds else None,
        "release_entries": run.get("release_entries"),
        "release_mb": rounds[-1]["release_mb"] if rounds else None,
        "rows_after": run.get("rows_after"),
        "held_back_report_last": rounds[-1]["held_back_report"] if rounds else None,
        "csv_rows_last": rounds[-1]["csv_rows"] if rounds else None,
        "peak_rss_mb": peak,
        "rss_before_rounds_mb": run.get("rss_before_mb"),
        "slack_calls": run.get("slack_calls"),
        "returncode": run["returncode"],
        "timed_out": run["timed_out"],
        "per_round": [
            {
                k: r[k]
                for k in (
                    "round",
                    "report_s",
                    "export_s",
                    "round_s",
                    "releases",
                    "release_mb",
                    "peak_rss_mb",
                )
            }
            for r in rounds
        ],
    }
    if rounds and "phases" in rounds[0]:
        figures["phases_first"] = rounds[0]["phases"]
        figures["phases_last"] = rounds[-1]["phases"]

    if rounds:
        print()
        for name, label in (
            ("report_s", "report"),
            ("export_s", "export"),
            ("round_s", "round"),
        ):
            s = figures[name]
            print(
                f"{label:7s} first {s['first']:7.2f} s   median {s['median']:7.2f} s   "
                f"last {s['last']:7.2f} s   max {s['max']:7.2f} s"
            )
        growth = figures["growth"]
        print(
            f"growth  {growth['s_per_round']:+.3f} s per round (R² {growth['r2_per_round']}), "
            f"{growth['s_per_1000_releases']:+.3f} s per 1,000 releases (R² "
            f"{growth['r2_per_release']}), {growth['s_per_stored_mb']:+.3f} s per MB stored "
            f"(R² {growth['r2_per_stored_mb']}); last / first {growth['last_over_first']}"
        )
        entries = figures["release_entries"]
        print(
            f"report_release: {figures['report_release_rows']:,} rows, "
            + (f"{entries:,} contribution entries, " if entries is not None else "")
            + f"{figures['release_mb']} MB of JSON"
        )
        print(
            f"peak RSS {peak} MB (of the measuring process; {figures['rss_before_rounds_mb']} "
            f"MB before the first round); Slack calls: {figures['slack_calls']}"
        )
        if "phases_first" in figures:
            print("where the time went (first round / last round, seconds):")
            for name, label in PHASES:
                first = figures["phases_first"].get(name, 0.0)
                last = figures["phases_last"].get(name, 0.0)
                calls = rounds[-1]["calls"].get(name, 0)
                print(f"  {label:56s} {first:8.2f} {last:8.2f}   {calls:,} calls")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
