"""Dispatch throughput: 10,000 active pairs whose first reminders are all due at once.

Builds the population directly in a fresh database (SQLite file by default; with
``--database-url postgresql://...`` a fresh schema that is dropped afterwards): one cohort,
2N enrolled participants (N mentors, N mentees, a mix of zones and locales), N active
pairs with their recurring slot, and ``sessions.HORIZON`` (3) sessions per pair with every
notification the sessions owe (a reminder and a reflection prompt per person and session),
exactly the rows ``sessions.plan_pair`` would write. Every pair's first session starts 24 h
after the dispatch time T, so 2N reminders (one to the mentor, one to the mentee) are due
at T; nothing else is. The rows are bulk-inserted with SQLAlchemy Core on the project's
tables (a few seconds for 10,000 pairs; ``plan_pair`` per pair would take minutes). The
``slack_user`` cache is pre-filled for all 2N people (fetched just now), as it would be
after a day of use, so the senders make no ``users.info`` call; the output says so and
counts any users.info call that happens anyway.

Slack is the local stand-in (``bot.fakeslack.FakeSlack``), running in this process, with
every person added to the fake workspace and these rate limits on chat.postMessage:

* one message per second per channel (``per_channel_per_second=1``). Each reminder goes to
  a different person's DM, so this never binds here; it is on so that a dispatcher which
  repeated a message to the same person within a second would be answered 429;
* a workspace-wide rate of ``--workspace-rate`` messages per second (default 100),
  expressed as ``workspace_per_minute={"chat.postMessage": rate * window}`` with
  ``window_seconds=--window`` (default 1 s). A 1 s sliding window is the strictest
  faithful reading of "N per second": it admits no burst larger than one second's worth,
  so the floor below is tight and any idle gap in the sender shows up in the ratio.
  (Slack publishes no number for chat.postMessage's workspace limit; with a 60 s window
  a sender could burst 60 s worth at once, which measures the window, not the sender.)
  Past the limit the fake answers HTTP 429 with ``Retry-After: --retry-after`` (1 s).

The dispatcher runs in a separate process so that its peak RSS is its own (the fake keeps
every call and message in memory, in this process):

* default (``--runner function``): a child Python process that loads the settings from
  the environment as ``mentor-bot`` does, builds its context with the app's outbox and times
  exactly one ``outbox.dispatch(ctx, T)`` call (what ``mentor-bot dispatch --at T`` does
  after its ``db upgrade`` and ``sessions.plan``);
* ``--runner cli``: ``python -m bot dispatch --at T`` as a subprocess; elapsed is then the
  whole command (start-up, migrations check, ``sessions.plan`` over all pairs, dispatch).

Figures: elapsed seconds; the rate-limit floor = max(messages / workspace rate,
(most messages to one channel - 1) / per-channel rate); ratio = elapsed / floor; peak RSS
of the dispatching process (its VmHWM; ``ru_maxrss`` would include this benchmark's own
size, see :func:`memory_mb`); from the fake's records, per expected (session, recipient):
delivered (got the reminder at least once), duplicated (got it more than once), lost (got
none), plus the number of 429 answers and chat.postMessage calls; which dispatcher was
measured (git blob id of ``bot/delivery/outbox.py``, comparable with ``git rev-parse
REV:bot/delivery/outbox.py``, and the ``workers`` default of ``dispatch`` if it has one).
``--phases`` also wraps (in the child only, nothing on disk changes) the claim, the
sender and its steps, the Slack post, slack_sdk's rate-limit sleeps and the finish, and
prints the time spent in each (summed over the dispatcher's threads).

Targets (issue 4): nothing lost or duplicated, elapsed within 1.2x the floor, peak RSS
under 300 MB.

Usage:
    .venv/bin/python benchmarks/dispatch.py [--quick | --small] [--pairs 10000]
        [--workspace-rate 100] [--window 1.0] [--retry-after 1] [--runner function|cli]
        [--database-url postgresql://user@host/db] [--phases] [--timeout 900]

``--quick`` is 500 pairs (1,000 reminders). ``--small`` is a small program: 150 pairs
(300 reminders) at a workspace limit of 20/s, measured from outside through the CLI
(``--runner cli``), as far as ``--pairs``, ``--workspace-rate`` and ``--runner`` are not
given. Its floor is 15 s, so what the big run hardly notices weighs here: the command's
start-up (about 1.5 s of the elapsed time, 1-1.3 s of it before the first message: mostly
imports, of which scipy, pulled in by ``bot.pairing`` through ``bot.matching``, is 0.3 s)
and the first 429 teaching the pacer a ceiling of 20 from a burst of 20 calls (one
Retry-After of 1 s, then the climb to just under 20/s). ``--workspace-rate 0`` turns the
workspace limit off (the dispatcher's raw speed; no floor, no ratio). The last line of
the output is one JSON object with all figures.

Figures (SQLite, this 2-core machine, ratio = elapsed / floor; nothing lost or
duplicated in any run), after outbox rows were marked in flight, every message carried
its row's reference as metadata and a send that waited asked again whether it was still
wanted (just before its turn, ``pacing.ASK_AHEAD``):

* ``--small``: 1.10-1.107 (5 runs idle, 2 429s each). Earlier: 1.12-1.15 idle.
* ``--quick``: 1.19-1.20 (2-3 429s); through the CLI 1.27-1.29. Each 429 costs about a
  second on its 10 s floor, so this figure follows their count (1.086 with a single
  429); earlier 1.06-1.08. Asking after the turn instead of before it: 1.24-1.32.
* default (10,000 pairs at 100/s): 1.100 (6 429s of 20,006 calls), peak RSS 117 MB;
  what is left above the floor there is mostly the settle steps after 429s that come
  when the fake Slack, in this process, stalls and then answers a backlog at once.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import inspect
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from bot.core.config import database_url_from  # noqa: E402
from bot.core.crypto import Vault, generate_key  # noqa: E402
from bot.fakeslack import FakeSlack, RateLimits  # noqa: E402
from bot.sessions import messages  # noqa: E402
from bot.sessions import planning as sessions  # noqa: E402
from bot.sessions.topics import TOPICS  # noqa: E402
from bot.slack import ids  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Cohort,
    MentoringSession,
    Notification,
    NotificationStatus,
    Pair,
    PairStatus,
    Participant,
    SlackUser,
)

TOKEN = "xoxb-bench"
SECRET = "bench-secret"
QUICK_PAIRS = 500
#: --small: a small program, where start-up and the first 429's lesson weigh most.
SMALL_PAIRS = 150
SMALL_RATE = 20.0
TARGET_RATIO = 1.2
TARGET_RSS_MB = 300.0
#: (mentee zone, mentor zone, mentor locale, mentee locale), cycled over the pairs.
PEOPLE_MIX = (
    ("Europe/Berlin", "America/New_York", "en-US", "de-DE"),
    ("America/New_York", "Europe/Berlin", "de-DE", "en-US"),
    ("Asia/Tokyo", "Europe/London", "en-GB", "en-US"),
    ("Europe/Vienna", "Europe/Berlin", "de-DE", "de-AT"),
    ("America/Sao_Paulo", "Asia/Kolkata", "en-US", "en-US"),
)
INSERT_CHUNK = 5000


@dataclass
class Population:
    """What was built: the users, and the reminders expected at T as (session, user)."""

    users: list[tuple[str, str, str]]  # (user id, zone, locale)
    expected: set[tuple[int, str]]
    rows: dict[str, int]
    seconds: float


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + INSERT_CHUNK] for i in range(0, len(rows), INSERT_CHUNK)]


def build_population(url: str, pairs: int, due: datetime, key: str) -> Population:
    """Insert the cohort, people, active pairs, sessions and their notifications."""
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(Pair.__table__)).scalar():
            raise SystemExit(f"{url}: the database already has pairs; give an empty one")
    vault = Vault(key)
    now = datetime.now(UTC)
    first_start = due + sessions.REMIND_BEFORE
    keys = [topic.key for topic in TOPICS]
    users: list[tuple[str, str, str]] = []
    cache: list[dict[str, Any]] = []
    participants: list[dict[str, Any]] = []
    pair_rows: list[dict[str, Any]] = []
    session_rows: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    expected: set[tuple[int, str]] = set()
    session_id = 0
    for n in range(pairs):
        pair_id = n + 1
        mentee_zone, mentor_zone, mentor_locale, mentee_locale = PEOPLE_MIX[n % len(PEOPLE_MIX)]
        mentor, mentee = f"UM{n:06d}", f"UE{n:06d}"
        local_start = first_start.astimezone(_zone(mentee_zone))
        shared = keys[n % len(keys)]
        for user, zone, locale, role, topics in (
            (mentor, mentor_zone, mentor_locale, "mentor", [shared, keys[(n + 3) % len(keys)]]),
            (mentee, mentee_zone, mentee_locale, "mentee", [shared]),
        ):
            users.append((user, zone, locale))
            cache.append(
                {
                    "user_id": user,
                    "locale": locale,
                    "tz": zone,
                    "is_workspace_admin": False,
                    "fetched_at": now,
                }
            )
            participants.append(
                {
                    "id": len(participants) + 1,
                    "user_id": user,
                    "cohort_id": 1,
                    "role": role,
                    "topics": topics,
                    "department": f"dept{(n + len(role)) % 40}",
                    "weekdays": [local_start.weekday()],
                    "time_window": "any",
                    "status": "active",
                    "joined_at": now - timedelta(days=10),
                    "updated_at": now,
                }
            )
        pair_rows.append(
            {
                "id": pair_id,
                "cohort_id": 1,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "mentor_key": vault.user_key(mentor),
                "mentee_key": vault.user_key(mentee),
                "status": PairStatus.ACTIVE.value,
                "mentor_accepted": True,
                "mentee_accepted": True,
                "channel_id": f"G{n:08d}",
                "created_at": now - timedelta(days=3),
                "activated_at": now - timedelta(days=2),
                "slot_tz": mentee_zone,
                "slot_weekday": local_start.weekday(),
                "slot_time": local_start.strftime("%H:%M"),
                "slot_anchor": local_start.date().isoformat(),
            }
        )
        for number in range(1, sessions.HORIZON + 1):
            session_id += 1
            # Biweekly, same wall-clock time in the mentee's zone (aware arithmetic is local).
            starts = (local_start + timedelta(days=14 * (number - 1))).astimezone(UTC)
            session_rows.append(
                {
                    "id": session_id,
                    "pair_id": pair_id,
                    "number": number,
                    "starts_at": starts,
                    "minutes": 45,
                    "status": "scheduled",
                }
            )
            ends = starts + timedelta(minutes=45)
            for user in (mentor, mentee):
                for kind, due_at in (
                    ("reminder", starts - sessions.REMIND_BEFORE),
                    ("reflect", ends + sessions.REFLECT_AFTER_END),
                ):
                    notifications.append(
                        {
                            "key": f"{kind}:{session_id}:{user}",
                            "kind": kind,
                            "due_at": due_at,
                            "pair_id": pair_id,
                            "user_id": user,
                            "session_id": session_id,
                            "status": NotificationStatus.PENDING.value,
                            "attempts": 0,
                        }
                    )
                if number == 1:
                    expected.add((session_id, user))
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (
            Cohort.__table__,
            [
                {
                    "id": 1,
                    "name": "Bench",
                    "name_key": "bench",
                    "cadence": "biweekly",
                    "is_open": True,
                    "created_at": now,
                }
            ],
        ),
        (SlackUser.__table__, cache),
        (Participant.__table__, participants),
        (Pair.__table__, pair_rows),
        (MentoringSession.__table__, session_rows),
        (Notification.__table__, notifications),
    ]
    with engine.begin() as connection:
        for table, rows in tables:
            for chunk in _chunks(rows):
                connection.execute(insert(table), chunk)
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences on
            for table, _ in tables:
                if "id" in table.c:
                    sequence = func.pg_get_serial_sequence(table.name, "id")
                    top = select(func.max(table.c.id)).scalar_subquery()
                    connection.execute(select(func.setval(sequence, top)))
    engine.dispose()
    return Population(
        users=users,
        expected=expected,
        rows={table.name: len(rows) for table, rows in tables},
        seconds=time.perf_counter() - started,
    )


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# --- the dispatching child process ------------------------------------------------------


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB, from /proc (Linux).

    VmHWM is the high-water mark of the process's own address space. ``ru_maxrss`` is not
    used: Linux carries the parent's peak across fork and exec into the child's
    ``ru_maxrss``, so a child started by this (large) benchmark process would report the
    benchmark's memory, not its own.
    """
    found: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
    return found


def _instrument(ctx: Any) -> dict[str, list[float]]:
    """Wrap the dispatcher's steps (in this process only) to time each of them."""
    from slack_sdk.http_retry import builtin_handlers

    from bot.delivery import leases, outbox
    from bot.slack import pacing

    spent: dict[str, list[float]] = {}
    threads: set[int] = set()

    lock = threading.Lock()

    def timed(name: str, function: Any) -> Any:
        slot = spent.setdefault(name, [0.0, 0])

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with lock:  # the dispatcher may send from several threads
                    slot[0] += time.perf_counter() - started
                    slot[1] += 1
                    threads.add(threading.get_ident())

        return wrapper

    leases.claim_batch = timed("claim (lease a batch)", leases.claim_batch)  # type: ignore[assignment]
    kinds = outbox.of(ctx).kinds
    for name, kind in list(kinds.items()):
        kinds[name] = dataclasses.replace(kind, send=timed(f"sender:{name} (total)", kind.send))
    messages._still_due = timed(  # type: ignore[assignment]
        "  of which _still_due (session, pair, people now)", messages._still_due
    )
    messages._agenda = timed("  of which _agenda (choose, store)", messages._agenda)
    ctx.people.get = timed("  of which people.get (cache)", ctx.people.get)
    ctx.slack.post = timed("  of which chat.postMessage incl. retries", ctx.slack.post)
    ctx.slack.pacer.acquire = timed(  # type: ignore[method-assign]
        "    of which pacing waits before sending", ctx.slack.pacer.acquire
    )
    for handler in (builtin_handlers.RateLimitErrorRetryHandler, pacing.PacedRateLimitHandler):
        handler.prepare_for_next_attempt = timed(  # type: ignore[method-assign]
            f"    of which 429 waits ({handler.__name__})", handler.prepare_for_next_attempt
        )
    leases.finish = timed("finish (mark sent)", leases.finish)  # type: ignore[assignment]
    spent["threads"] = threads  # type: ignore[assignment]
    return spent


def child(at_text: str) -> None:
    """Run one ``outbox.dispatch(ctx, T)`` as ``mentor-bot dispatch`` would; print JSON."""
    import logging

    from bot.app.kinds import build_outbox
    from bot.core.config import load_settings, read_environment
    from bot.core.context import Context
    from bot.delivery import outbox

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    at = datetime.fromisoformat(at_text)
    ctx = Context.create(load_settings(read_environment(env_file=None)), outbox=build_outbox())
    spent = _instrument(ctx) if os.environ.get("BENCH_PHASES") == "1" else None
    workers = inspect.signature(outbox.dispatch).parameters.get("workers")
    rss_before = memory_mb()["VmRSS"]
    started = time.perf_counter()
    profile_to = os.environ.get("BENCH_PROFILE")
    if profile_to:  # one worker, so the profile sees every call
        import cProfile

        profiler = cProfile.Profile()
        summary = profiler.runcall(outbox.dispatch, ctx, at, workers=1)
        profiler.dump_stats(profile_to)
    else:
        summary = outbox.dispatch(ctx, at)
    elapsed = time.perf_counter() - started
    ctx.close()
    peak = memory_mb()["VmHWM"]
    print(
        json.dumps(
            {
                "elapsed_s": elapsed,
                "summary": json.loads(summary.to_json()),
                "rss_before_mb": round(rss_before, 1),
                "peak_rss_mb": round(peak, 1),
                "workers": workers.default if workers is not None else 1,
                "phases": {
                    k: {"seconds": round(v[0], 2), "calls": int(v[1])}
                    for k, v in spent.items()
                    if k != "threads"
                }
                if spent is not None
                else None,
                "phase_threads": len(spent["threads"]) if spent is not None else None,
            }
        )
    )


# --- the benchmark ------------------------------------------------------------------------


def run_dispatcher(
    runner: str, env: dict[str, str], at: datetime, cwd: str, timeout: float, log: Path
) -> dict[str, Any]:
    """Start the dispatching process and wait for it; its figures as a dict."""
    if runner == "cli":
        command = [sys.executable, "-m", "bot", "dispatch", "--at", at.isoformat()]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", at.isoformat()]
    started = time.perf_counter()
    with open(log, "wb") as errors:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            start_new_session=True,
        )
        timed_out = False
        watched: list[float] = []
        watcher = threading.Thread(target=_watch_peak, args=(process, watched), daemon=True)
        watcher.start()
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)  # only the group of the child started here
            out, _ = process.communicate()
    wall = time.perf_counter() - started
    watcher.join()
    result: dict[str, Any] = {
        "wall_s": wall,
        "returncode": process.returncode,
        "timed_out": timed_out,
    }
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    reported = json.loads(lines[-1]) if lines else {}
    if runner == "cli":
        result["elapsed_s"] = wall
        result["summary"] = reported or None
        # The last VmHWM read while the command ran (read every 0.1 s; a peak in its last
        # 0.1 s could be missed, the function runner reads its own at the end).
        result["peak_rss_mb"] = round(max(watched), 1) if watched else None
        result["phases"] = None
    else:
        result.update(reported)
        result.setdefault("elapsed_s", wall)
    return result


def git_blob_id(path: Path) -> str:
    """The file's git blob id (as ``git hash-object``): which dispatcher was measured."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _watch_peak(process: subprocess.Popen[bytes], watched: list[float]) -> None:
    """Read the child's VmHWM until it exits."""
    while process.poll() is None:
        with contextlib.suppress(OSError, KeyError):  # exited meanwhile
            watched.append(memory_mb(process.pid)["VmHWM"])
        time.sleep(0.1)


def count_deliveries(fake: FakeSlack, expected: set[tuple[int, str]]) -> dict[str, int]:
    """Per expected (session, recipient): delivered, duplicated, lost; and strays."""
    got: Counter[tuple[int, str]] = Counter()
    for message in fake.messages():
        if message.method != "chat.postMessage":
            continue
        element = message.find_element(ids.SESSION_SKIP)
        if element is None:
            continue
        for recipient in message.recipients:
            got[(int(element["value"]), recipient)] += 1
    per_channel = Counter(m.channel for m in fake.messages() if m.method == "chat.postMessage")
    return {
        "delivered": sum(1 for key in expected if got[key] >= 1),
        "duplicated": sum(1 for key in expected if got[key] > 1),
        "lost": sum(1 for key in expected if got[key] == 0),
        "unexpected": sum(n for key, n in got.items() if key not in expected),
        "max_per_channel": max(per_channel.values(), default=0),
    }


def outbox_states(url: str, at: datetime) -> dict[str, int]:
    """Status of the reminder rows that were due at T, after the run."""
    engine = create_engine(url)
    table = Notification.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.status, func.count())
            .where(table.c.kind == "reminder")
            .where((table.c.due_at <= at) | (table.c.attempts > 0))
            .group_by(table.c.status)
        ).all()
    engine.dispose()
    return {str(status): int(n) for status, n in rows}


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


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("ok" if ok else "MISSED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, help="active pairs (default 10000)")
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true", help=f"{QUICK_PAIRS} pairs, a smoke run")
    preset.add_argument(
        "--small",
        action="store_true",
        help=f"a small program: {SMALL_PAIRS} pairs at {SMALL_RATE:g}/s through the CLI, "
        "as far as --pairs, --workspace-rate and --runner are not given",
    )
    parser.add_argument(
        "--workspace-rate",
        type=float,
        help="chat.postMessage per second, workspace-wide (0: no limit; default 100)",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=1.0,
        help="sliding window of the workspace limit, seconds (default 1)",
    )
    parser.add_argument(
        "--per-channel", type=float, default=1.0, help="messages per second per channel (default 1)"
    )
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After of a 429 (s)")
    parser.add_argument(
        "--runner",
        choices=("function", "cli"),
        help="child process timing outbox.dispatch (default), or the CLI",
    )
    parser.add_argument(
        "--database-url",
        help="default: a fresh SQLite file; PostgreSQL: a "
        "fresh schema is created there and dropped afterwards",
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="time the dispatcher's steps in the child (function runner)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="kill the dispatcher after this many seconds (default 900)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="run the dispatcher with one worker under cProfile and write its stats to FILE",
    )
    parser.add_argument("--child", metavar="AT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.small:  # only what is not given
        args.pairs = SMALL_PAIRS if args.pairs is None else args.pairs
        args.workspace_rate = SMALL_RATE if args.workspace_rate is None else args.workspace_rate
        args.runner = args.runner or "cli"
    args.workspace_rate = 100.0 if args.workspace_rate is None else args.workspace_rate
    args.runner = args.runner or "function"
    pairs = QUICK_PAIRS if args.quick else (10_000 if args.pairs is None else args.pairs)
    rate = args.workspace_rate if args.workspace_rate > 0 else None
    due = datetime.now(UTC).replace(second=0, microsecond=0)

    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.database_url:
            base_url = database_url_from({"DATABASE_URL": args.database_url})
            url = base_url
            if base_url.startswith("postgresql"):
                url, schema = postgres_schema(base_url)
        else:
            url = f"sqlite:///{tmp}/bench.db"
        key = generate_key()
        try:
            population = build_population(url, pairs, due, key)
            limits = RateLimits(
                per_channel_per_second=args.per_channel or None,
                workspace_per_minute=(
                    {"chat.postMessage": max(1, round(rate * args.window))} if rate else None
                ),
                retry_after=args.retry_after,
                window_seconds=args.window,
            )
            with FakeSlack(bot_token=TOKEN, rate_limits=limits, general_channel=None) as fake:
                for n, (user, zone, locale) in enumerate(population.users):
                    fake.add_user(user, name=f"person{n}", tz=zone, locale=locale)
                env = {
                    **{
                        k: v
                        for k, v in os.environ.items()
                        if k.startswith(("PATH", "PYTHON", "HOME", "LANG", "LC_"))
                    },
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": fake.api_url,
                    "DATABASE_URL": url,
                    "MENTOR_ENCRYPTION_KEY": key,
                    "MENTOR_SCHEDULER": "off",
                    "BENCH_PHASES": "1" if args.phases else "0",
                    "BENCH_PROFILE": str(Path(args.profile).resolve()) if args.profile else "",
                }
                env["PYTHONPATH"] = os.pathsep.join(
                    p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
                )
                log = Path(tmp) / "dispatcher.log"
                outbox_sha1 = git_blob_id(ROOT / "bot" / "delivery" / "outbox.py")
                run = run_dispatcher(args.runner, env, due, tmp, args.timeout, log)
                calls = fake.calls
                posts = [c for c in calls if c.method == "chat.postMessage"]
                counts = count_deliveries(fake, population.expected)
            log_lines = log.read_text(errors="replace").splitlines()
            states = outbox_states(url, due)
        finally:
            if schema is not None:
                drop_schema(base_url, schema)

    messages = len(population.expected)
    rate_floor = messages / rate if rate else 0.0
    channel_floor = (max(1, counts["max_per_channel"]) - 1) / args.per_channel
    floor = max(rate_floor, channel_floor) if rate else None
    elapsed = float(run["elapsed_s"])
    ratio = elapsed / floor if floor else None
    ok_posts = [c for c in posts if c.http_status == 200 and c.ok]
    send_window = ok_posts[-1].at - ok_posts[0].at if len(ok_posts) > 1 else 0.0
    peak = run.get("peak_rss_mb")
    figures: dict[str, Any] = {
        "pairs": pairs,
        "messages": messages,
        "database": url.split(":", 1)[0] + (" (fresh schema)" if schema else " (fresh file)"),
        "runner": "child process: outbox.dispatch(ctx, T)"
        if args.runner == "function"
        else "subprocess: python -m bot dispatch --at T",
        "outbox_blob": outbox_sha1[:12],
        "dispatch_workers": run.get("workers"),
        "users_info_prefilled": True,
        "workspace_rate_per_s": rate,
        "window_s": args.window,
        "per_channel_per_s": args.per_channel,
        "retry_after_s": args.retry_after,
        "setup_s": round(population.seconds, 1),
        "rows": population.rows,
        "elapsed_s": round(elapsed, 2),
        "floor_s": round(floor, 2) if floor else None,
        "ratio": round(ratio, 3) if ratio else None,
        "throughput_per_s": round(counts["delivered"] / elapsed, 1) if elapsed else None,
        "send_window_s": round(send_window, 2),
        "delivered": counts["delivered"],
        "duplicated": counts["duplicated"],
        "lost": counts["lost"],
        "unexpected": counts["unexpected"],
        "max_messages_per_channel": counts["max_per_channel"],
        "post_calls": len(posts),
        "http_429": sum(1 for c in posts if c.http_status == 429),
        "users_info_calls": sum(1 for c in calls if c.method == "users.info"),
        "peak_rss_mb": peak,
        "rss_before_dispatch_mb": run.get("rss_before_mb"),
        "summary": run.get("summary"),
        "reminder_rows_after": states,
        "returncode": run["returncode"],
        "timed_out": run["timed_out"],
        "dispatcher_log_lines": len(log_lines),
        "phases": run.get("phases"),
        "targets": {
            "lost": 0,
            "duplicated": 0,
            "ratio_max": TARGET_RATIO,
            "peak_rss_mb_max": TARGET_RSS_MB,
        },
    }
    exact = counts["lost"] == 0 and counts["duplicated"] == 0 and not run["timed_out"]
    fast = ratio <= TARGET_RATIO if ratio is not None else None
    small = peak < TARGET_RSS_MB if peak is not None else None
    figures["met"] = {"exactly_once": exact, "ratio": fast, "memory": small}

    print(
        f"population: {pairs:,} active pairs, {messages:,} reminders due at "
        f"{due.isoformat()} ({figures['database']}, built in {population.seconds:.1f} s; "
        f"slack_user cache pre-filled: no users.info needed)"
    )
    limit = (
        f"{rate:g}/s workspace-wide ({limits.workspace_per_minute} per {args.window:g} s window)"
        if rate
        else "no workspace limit"
    )
    print(
        f"fake Slack: {limit}, {args.per_channel:g}/s per channel, Retry-After "
        f"{args.retry_after} s; dispatcher: {figures['runner']}"
        f" (bot/delivery/outbox.py blob {outbox_sha1[:12]}, workers={run.get('workers', '?')})"
    )
    print(
        f"elapsed   {elapsed:9.1f} s   (send window {send_window:.1f} s, "
        f"{figures['throughput_per_s']}/s delivered)"
    )
    if floor:
        print(
            f"floor     {floor:9.1f} s   ({messages:,} / {rate:g} per s; per-channel floor "
            f"{channel_floor:.1f} s, at most {counts['max_per_channel']} message(s) per "
            f"channel)"
        )
        print(f"ratio     {ratio:9.3f}     target <= {TARGET_RATIO}   {_verdict(fast)}")
    print(
        f"delivered {counts['delivered']:9,}     duplicated {counts['duplicated']:,}, lost "
        f"{counts['lost']:,} (target 0 and 0)   {_verdict(exact)}; unexpected "
        f"{counts['unexpected']}"
    )
    print(
        f"429s      {figures['http_429']:9,}     of {len(posts):,} chat.postMessage calls; "
        f"users.info calls {figures['users_info_calls']}"
    )
    rss_text = f"{peak:9.1f} MB" if peak is not None else "      n/a   "
    before = run.get("rss_before_mb")
    print(
        f"peak RSS  {rss_text}  target < {TARGET_RSS_MB:g} MB   {_verdict(small)}"
        + (f"   (RSS just before dispatch(): {before} MB)" if before is not None else "")
    )
    print(f"dispatch summary: {json.dumps(run.get('summary'))}; reminder rows after: {states}")
    if run["timed_out"]:
        print(f"the dispatcher was killed after {args.timeout:g} s (--timeout)")
    if run["returncode"] not in (0, None) or run["timed_out"]:
        print("dispatcher log (tail):", *log_lines[-15:], sep="\n  ")
    elif log_lines:
        print(f"dispatcher log: {len(log_lines)} line(s), e.g. {log_lines[0][:160]}")
    if run.get("phases"):
        threads = run.get("phase_threads") or 1
        print(
            f"where the dispatcher's time went (wrapped in the child; summed over {threads} "
            "thread(s), so with several threads the sums exceed the elapsed time):"
        )
        for name, spent in run["phases"].items():
            if not spent["calls"]:
                continue
            share = spent["seconds"] / elapsed * 100 if elapsed else 0
            print(f"  {name:44s} {spent['seconds']:8.1f} s {share:5.1f}%  {spent['calls']:,} calls")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
