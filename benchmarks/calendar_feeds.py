"""Calendar feeds under load: many people's calendars polling while the bot answers commands.

Seeds a fresh SQLite database directly (one cohort of ``--people`` participants, half
mentors and half mentees, one active pair per mentor and mentee with ``--sessions`` weekly
sessions each, all inside the feed's window: a few past, most ahead, a few skipped and
moved; a cached Slack profile and a calendar feed per person), then starts
``mentor-bot run`` (a separate process, scheduler off) against the local Slack stand-in,
like ``benchmarks/ack_latency.py``.

Load: ``--concurrency`` clients (keep-alive connections) fetch every person's feed once
without ``If-None-Match`` (a 200 with the calendar) and once with the ETag it got (a 304),
the requests arriving at random (Poisson) at ``--rate`` a second (default 50; a latency
counts from the request's due time), while ``--command-threads`` more send the
``--commands`` signed ``/mentor status`` commands, exactly as Slack does, spread over the
same time. ``--rate 0`` makes it a closed loop instead: each client sends its next request
as soon as it has an answer and commands go on until the feeds are done, so the latencies
are mostly the wait in the bot's queue (about concurrency / throughput): a stress test of
throughput, not of latency.

Prints p50/p95/p99/max of each class (feed 200, feed 304, command ack: the commands sent
while feeds were being fetched; "ack (all)": every one), counts and errors, whether each
target is met, and a JSON line with all figures.

Targets on a 2-core machine: feed 200 p99 < 50 ms (a person with 20 sessions), 304 p99 <
10 ms, command ack p99 < 100 ms, no errors. ``--profile N`` then also times N feed requests
in this process (``bot.calendar.feed.answer`` against a ``Context`` on the same database),
by phase and under cProfile, to show where a feed's time goes.

Usage:
    .venv/bin/python benchmarks/calendar_feeds.py [--quick | --people 2000 --sessions 20
        --concurrency 100 --commands 1000] [--command-threads 10] [--rate 50 | --rate 0]
        [--profile 200]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import insert  # noqa: E402

from bot.core.crypto import Vault, generate_key  # noqa: E402
from bot.fakeslack.driver import SlackDriver  # noqa: E402
from bot.fakeslack.server import FakeSlack  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    CalendarFeed,
    Cohort,
    MentoringSession,
    Pair,
    PairStatus,
    Participant,
    Role,
    SessionStatus,
    SlackUser,
)
from storage.types import utcnow  # noqa: E402

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
PUBLIC_URL = "https://bench.example"
ZONES = ("Europe/Berlin", "America/New_York")
SLOT_TIMES = ("09:00", "10:30", "14:00", "16:30")
#: Targets, ms (p99).
FEED_TARGET_MS = 50.0
NOT_MODIFIED_TARGET_MS = 10.0
ACK_TARGET_MS = 100.0
INSERT_CHUNK = 5000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the bot exited during start-up")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the bot did not become healthy in 60 s")


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


# --- the population ------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: str
    token: str


def _table(model: Any) -> Any:
    return model.__table__


def seed(url: str, key: str, *, people: int, sessions: int, seed_value: int = 7) -> list[Person]:
    """Build the program in a fresh database; the people with their feed tokens."""
    rng = random.Random(seed_value)
    vault = Vault(key)
    now = utcnow()
    engine = make_engine(url)
    upgrade(engine)
    rows: dict[Any, list[dict[str, Any]]] = {
        _table(model): []
        for model in (Cohort, SlackUser, Participant, Pair, MentoringSession, CalendarFeed)
    }
    cohort, participant, user, pair_t, session_t, feed_t = (
        _table(Cohort),
        _table(Participant),
        _table(SlackUser),
        _table(Pair),
        _table(MentoringSession),
        _table(CalendarFeed),
    )
    rows[cohort].append(
        {"id": 1, "name": "Bench", "name_key": "bench", "cadence": "weekly", "created_at": now}
    )
    persons: list[Person] = []
    session_id = 0
    for pair_no in range(people // 2):
        tz = ZONES[pair_no % len(ZONES)]
        zone = ZoneInfo(tz)
        weekday = pair_no % 5
        slot_time = SLOT_TIMES[pair_no % len(SLOT_TIMES)]
        hour, minute = (int(part) for part in slot_time.split(":"))
        # The first session on the slot's weekday about three weeks ago, so that all of
        # them are in the feed's window (four weeks back, then ahead): 3 past, the rest ahead.
        start = (now - timedelta(weeks=3) + timedelta(days=1)).astimezone(zone).date()
        first: date = start + timedelta(days=(weekday - start.weekday()) % 7)
        mentor, mentee = f"UF{2 * pair_no:06d}", f"UF{2 * pair_no + 1:06d}"
        for n, (uid, role) in enumerate(((mentor, Role.MENTOR), (mentee, Role.MENTEE))):
            rows[participant].append(
                {
                    "user_id": uid,
                    "cohort_id": 1,
                    "role": role.value,
                    "topics": ["genai"],
                    "department": "Engineering" if n else "Sales",
                    "weekdays": [0, 1, 2, 3, 4],
                    "time_window": "any",
                    "status": "active",
                    "joined_at": now - timedelta(weeks=6),
                    "updated_at": now - timedelta(weeks=6),
                }
            )
            rows[user].append(
                {
                    "user_id": uid,
                    "name": f"Person {uid[2:]}",
                    "locale": "de-DE" if pair_no % 2 else "en-US",
                    "tz": tz,
                    "is_workspace_admin": False,
                    "fetched_at": now,
                }
            )
            nonce = secrets.token_hex(16)
            token = vault.feed_token(nonce)
            rows[feed_t].append(
                {
                    "user_id": uid,
                    "nonce": nonce,
                    "token_hash": hashlib.sha256(token.encode("ascii")).hexdigest(),
                    "created_at": now,
                }
            )
            persons.append(Person(uid, token))
        first_at = datetime(first.year, first.month, first.day, hour, minute, tzinfo=zone)
        pair_id = pair_no + 1
        rows[pair_t].append(
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
                "channel_id": f"D{pair_id:08d}",
                "created_at": now - timedelta(weeks=5),
                "activated_at": (first_at - timedelta(days=7)).astimezone(ZoneInfo("UTC")),
                "slot_tz": tz,
                "slot_weekday": weekday,
                "slot_time": slot_time,
                "slot_anchor": first.isoformat(),
                "meeting_link": f"https://meet.example/{pair_id}" if pair_no % 2 else None,
            }
        )
        for number in range(1, sessions + 1):
            day = first + timedelta(weeks=number - 1)
            moved = number % 6 == 5 and rng.random() < 0.5
            local = datetime(day.year, day.month, day.day, hour + moved, minute, tzinfo=zone)
            session_id += 1
            rows[session_t].append(
                {
                    "id": session_id,
                    "pair_id": pair_id,
                    "number": number,
                    "starts_at": local.astimezone(ZoneInfo("UTC")),
                    "minutes": 45,
                    "status": (
                        SessionStatus.SKIPPED.value
                        if number % 7 == 4 and rng.random() < 0.5
                        else SessionStatus.SCHEDULED.value
                    ),
                    "agenda_kind": "topic",
                    "agenda_ref": "genai",
                    "series_date": day.isoformat(),
                    "sequence": int(moved),
                }
            )
    with engine.begin() as connection:
        for table, table_rows in rows.items():
            for i in range(0, len(table_rows), INSERT_CHUNK):
                connection.execute(insert(table), table_rows[i : i + INSERT_CHUNK])
    engine.dispose()
    return persons


# --- the load ------------------------------------------------------------------------


@dataclass
class Results:
    ok: list[float] = field(default_factory=list)
    not_modified: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    acks_during_feeds: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    events: Counter[int] = field(default_factory=Counter)
    bytes_200: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FeedClient:
    """One keep-alive connection per thread, as a calendar service polling would have."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.local.connection = connection
        return connection

    def get(
        self, path: str, etag: str | None, *, since: float | None = None
    ) -> tuple[int, float, dict[str, str], bytes]:
        """Status, ms (from ``since`` when given: a request's due time), headers, body."""
        headers = {"User-Agent": "bench-calendar/1.0", "Accept": "text/calendar"}
        if etag:
            headers["If-None-Match"] = etag
        started = time.perf_counter() if since is None else since
        for attempt in range(2):
            connection = self._connection()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (ConnectionError, http.client.HTTPException):
                # A connection the server closed meanwhile: once more on a new one.
                connection.close()
                self.local.connection = None
                if attempt:
                    raise
                continue
            if response.will_close:
                connection.close()
                self.local.connection = None
            elapsed = (time.perf_counter() - started) * 1000
            return response.status, elapsed, {k.lower(): v for k, v in response.getheaders()}, body
        raise AssertionError("unreachable")


def due_times(count: int, per_second: float, start: float, rng: random.Random) -> list[float]:
    """Poisson arrivals: ``count`` moments from ``start``, ``per_second`` on average."""
    moments, at = [], start
    for _ in range(count):
        at += rng.expovariate(per_second)
        moments.append(at)
    return moments


def wait_until(moment: float | None) -> None:
    if moment is not None:
        delay = moment - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


def run_load(
    port: int,
    driver: SlackDriver,
    persons: list[Person],
    *,
    concurrency: int,
    commands: int,
    command_threads: int,
    rate: float,
) -> tuple[Results, float, float]:
    """Feeds and commands at once; the results and the feed and command phases' seconds.

    ``rate`` 0: closed loop, every client sends its next request as soon as it has the
    answer to the last, and the command threads send until the feeds are done (at least
    ``commands``). ``rate`` > 0: open loop, people's polls arrive at random (Poisson) at
    ``rate / 2`` a second (each poll is a 200 and then a 304: ``rate`` feed requests a
    second), and the ``commands`` commands are spread over the same time; a latency is
    then counted from the request's due time, so a client late to send counts too.
    """
    client = FeedClient(port)
    results = Results()
    feeds_done = threading.Event()
    command_users = [p.user_id for p in persons]
    rng = random.Random(11)
    order = list(persons)
    rng.shuffle(order)
    begin = time.perf_counter() + 0.1
    feed_due: list[float | None] = [None] * len(order)
    command_due: list[float | None] = [None] * commands
    if rate:
        feed_due = list(due_times(len(order), rate / 2, begin, rng))
        span = len(order) / (rate / 2)
        command_due = list(due_times(commands, commands / span, begin, rng))

    def poll(task: tuple[Person, float | None]) -> None:
        person, due = task
        wait_until(due)
        path = f"/calendar/{person.token}.ics"
        try:
            status, ms, headers, body = client.get(path, None, since=due)
        except OSError as error:
            with results.lock:
                results.errors[f"feed 200: {type(error).__name__}"] += 1
            return
        etag = headers.get("etag")
        if status != 200 or not etag or not body.startswith(b"BEGIN:VCALENDAR"):
            with results.lock:
                results.errors[f"feed 200: status {status}"] += 1
            return
        with results.lock:
            results.ok.append(ms)
            results.events[body.count(b"BEGIN:VEVENT")] += 1
            results.bytes_200.append(len(body))
        try:
            status, ms, headers, body = client.get(path, etag)
        except OSError as error:
            with results.lock:
                results.errors[f"feed 304: {type(error).__name__}"] += 1
            return
        with results.lock:
            if status == 304 and not body and headers.get("etag") == etag:
                results.not_modified.append(ms)
            else:
                results.errors[f"feed 304: status {status}"] += 1

    def command(i: int, due: float | None) -> None:
        user = command_users[(i * 7919) % len(command_users)]
        wait_until(due)
        started = time.perf_counter() if due is None else due
        during = not feeds_done.is_set()
        try:
            response = driver.command(user, "status")
            ok = response.status == 200 and "text" in (response.json() or {})
            label = f"command: status {response.status}"
        except OSError as error:
            ok, label = False, f"command: {type(error).__name__}"
        ms = (time.perf_counter() - started) * 1000
        with results.lock:
            if ok:
                results.acks.append(ms)
                if during:
                    results.acks_during_feeds.append(ms)
            else:
                results.errors[label] += 1

    sent = 0
    sent_lock = threading.Lock()

    def command_loop() -> None:
        nonlocal sent
        while True:
            with sent_lock:
                if sent >= commands and (rate or feeds_done.is_set()):
                    return
                i = sent
                sent += 1
            command(i, command_due[i] if i < commands else None)

    timings: dict[str, float] = {}

    def commands_phase() -> None:
        threads = [threading.Thread(target=command_loop) for _ in range(command_threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        timings["commands"] = time.perf_counter() - begin

    commander = threading.Thread(target=commands_phase)
    commander.start()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(poll, zip(order, feed_due, strict=True)))
    timings["feeds"] = time.perf_counter() - begin
    feeds_done.set()
    commander.join()
    return results, timings["feeds"], timings["commands"]


# --- where a feed's time goes --------------------------------------------------------


def profile(url: str, key: str, persons: list[Person], count: int) -> None:
    """Time ``count`` feed requests in this process, by phase and under cProfile."""
    from bot.app.kinds import build_outbox
    from bot.calendar import feed
    from bot.core.config import Settings
    from bot.core.context import Context

    settings = Settings(
        bot_token=TOKEN,
        signing_secret=SECRET,
        api_url="http://127.0.0.1:9/api/",  # nothing here calls Slack
        database_url=url,
        encryption_key=key,
        scheduler=False,
        public_url=PUBLIC_URL,
    )
    ctx = Context.create(settings, outbox=build_outbox())
    sample = persons[:count]
    phases: dict[str, list[float]] = {
        k: [] for k in ("owner", "calendar_of", "etag", "ics", "answer 200", "answer 304")
    }

    def timed(name: str, function: Any, *args: Any) -> Any:
        started = time.perf_counter()
        value = function(*args)
        phases[name].append((time.perf_counter() - started) * 1000)
        return value

    for person in sample:  # warm-up and phases
        with ctx.db.transaction(write=False) as session:
            user_id = timed("owner", feed.owner, ctx, session, person.token)
            calendar = timed("calendar_of", feed.calendar_of, session, user_id, ctx.clock())
        timed("etag", calendar.etag)
        timed("ics", calendar.ics)
    limiter = feed.Limiter(burst=10**9)
    etags = {}
    for person in sample:
        path = f"{feed.FEED_PREFIX}{person.token}.ics"
        etags[person.token] = dict(
            timed("answer 200", feed.answer, ctx, limiter, path, None).headers
        )["ETag"]
        timed("answer 304", feed.answer, ctx, limiter, path, etags[person.token])
    print(f"\nin-process, one thread, {len(sample)} feeds (ms, mean / p99):")
    for name, values in phases.items():
        values.sort()
        print(f"  {name:<12} {statistics.fmean(values):7.2f} / {percentile(values, 0.99):7.2f}")

    for label, with_etag in (("200 (no If-None-Match)", False), ("304", True)):
        profiler = cProfile.Profile()
        profiler.enable()
        for person in sample:
            path = f"{feed.FEED_PREFIX}{person.token}.ics"
            feed.answer(ctx, limiter, path, etags[person.token] if with_etag else None)
        profiler.disable()
        for order, lines in (("cumulative", 25), ("tottime", 12)):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(lines)
            print(f"\ncProfile of {len(sample)} feed answers {label}, by {order} time:")
            print(out.getvalue().strip())
    ctx.db.engine.dispose()


# --- main ----------------------------------------------------------------------------


def figures_of(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(percentile(ordered, 0.95), 1),
        "p99_ms": round(percentile(ordered, 0.99), 1),
        "max_ms": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20, help="per pair")
    parser.add_argument("--concurrency", type=int, default=100, help="feed clients at once")
    parser.add_argument("--commands", type=int, default=1000, help="at least this many")
    parser.add_argument("--command-threads", type=int, default=10)
    parser.add_argument(
        "--rate",
        type=float,
        default=50.0,
        help="feed requests a second, arriving at random over the clients' connections "
        "(default 50: 2,000 people polling every 40 s, some 300 times what calendar services "
        "do); 0: a closed loop, each client as fast as it is answered (a stress test: the "
        "latencies are then the queue, concurrency / throughput)",
    )
    parser.add_argument("--quick", action="store_true", help="200 people, 200 commands")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="then profile N feeds")
    args = parser.parse_args()
    if args.quick:
        args.people, args.commands = 200, 200
    if args.people < 2 or args.people % 2:
        parser.error("--people must be an even number of at least 2")

    key = generate_key()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(bot_token=TOKEN) as fake:
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        persons = seed(url, key, people=args.people, sessions=args.sessions)
        seeded_s = time.perf_counter() - started
        for n, person in enumerate(persons):
            fake.add_user(
                person.user_id,
                name=f"person{n}",
                locale="de-DE" if (n // 2) % 2 else "en-US",
                tz=ZONES[(n // 2) % len(ZONES)],
            )
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "PYTHON", "HOME"))},
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "MENTOR_ENCRYPTION_KEY": key,
            "MENTOR_SCHEDULER": "off",
            "MENTOR_PUBLIC_URL": PUBLIC_URL,
            "DATABASE_URL": url,
            "PORT": str(port),
        }
        log_path = Path(tmp) / "bot.log"
        log = open(log_path, "wb")  # noqa: SIM115  (closed below)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, process)
            driver = SlackDriver(base + "/slack/events", SECRET, fake)
            # Warm-up: a few commands and feeds (imports, caches), not measured; a feed
            # token has a burst of 20, so one more request each is within its limit.
            warm = FeedClient(port)
            for person in persons[:10]:
                warm.get(f"/calendar/{person.token}.ics", None)
            for person in persons[:20]:
                driver.command(person.user_id, "status")
            own_before = resource.getrusage(resource.RUSAGE_SELF)
            results, feeds_s, commands_s = run_load(
                port,
                driver,
                persons,
                concurrency=args.concurrency,
                commands=args.commands,
                command_threads=args.command_threads,
                rate=args.rate,
            )
            own = resource.getrusage(resource.RUSAGE_SELF)
            client_cpu_s = (own.ru_utime + own.ru_stime) - (
                own_before.ru_utime + own_before.ru_stime
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            log.close()
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        bot_cpu_s = child.ru_utime + child.ru_stime
        warnings = [
            line
            for line in log_path.read_text(errors="replace").splitlines()
            if "ERROR" in line or "Traceback" in line
        ]
        if args.profile:
            profile(url, key, persons, args.profile)

    ok, not_modified, acks, acks_all = (
        figures_of(results.ok),
        figures_of(results.not_modified),
        figures_of(results.acks_during_feeds),
        figures_of(results.acks),
    )
    errors = sum(results.errors.values())
    answers = len(results.ok) + len(results.not_modified)
    load = (
        f"feed requests arriving at random, {args.rate:g} a second"
        if args.rate
        else "closed loop (each client sends its next request when answered)"
    )
    figures = {
        "people": args.people,
        "sessions_per_pair": args.sessions,
        "concurrency": args.concurrency,
        "command_threads": args.command_threads,
        "rate_per_s": args.rate or "closed loop",
        "seed_s": round(seeded_s, 1),
        "feeds_s": round(feeds_s, 1),
        "commands_s": round(commands_s, 1),
        "feed_answers_per_s": round(answers / feeds_s, 1),
        "bot_cpu_s": round(bot_cpu_s, 1),
        "client_cpu_s": round(client_cpu_s, 1),
        "feed_200": ok,
        "feed_304": not_modified,
        "command_ack": acks,
        "command_ack_all": acks_all,
        "events_per_feed": dict(sorted(results.events.items())),
        "feed_200_kb_mean": round(statistics.fmean(results.bytes_200) / 1024, 1)
        if results.bytes_200
        else 0,
        "errors": errors,
        "error_kinds": dict(results.errors),
        "bot_log_errors": len(warnings),
    }
    print(
        f"\n{args.people} people, {args.sessions} sessions per pair, {args.concurrency} feed "
        f"clients, {args.command_threads} command threads; seeded in {seeded_s:.1f} s"
    )
    print(f"load: {load}")
    print(
        f"feeds: {answers} answers in {feeds_s:.1f} s ({answers / feeds_s:.0f}/s); "
        f"commands: {len(results.acks)} acks in {commands_s:.1f} s "
        f"({len(results.acks_during_feeds)} sent while the feeds were polled: "
        f"'command ack' is those, 'ack (all)' every one)"
    )
    print(
        f"CPU: the bot {bot_cpu_s:.1f} s (its whole run, start-up and warm-up included), "
        f"this load generator {client_cpu_s:.1f} s (same machine)"
    )
    print(
        f"events per feed: {figures['events_per_feed']}; 200 body {figures['feed_200_kb_mean']} KB"
    )
    print(f"{'':12} {'count':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms)")
    for name, row in (
        ("feed 200", ok),
        ("feed 304", not_modified),
        ("command ack", acks),
        ("ack (all)", acks_all),
    ):
        cells = (
            " ".join(f"{row[k]:8.1f}" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))
            if row["count"]
            else "       -" * 4
        )
        print(f"{name:12} {row['count']:6} {cells}")
    print(f"errors: {errors} {dict(results.errors) or ''}".rstrip())
    if warnings:
        print(f"bot log: {len(warnings)} error lines, first: {warnings[0]}")
    checks = (
        ("feed 200 p99", ok, FEED_TARGET_MS),
        ("feed 304 p99", not_modified, NOT_MODIFIED_TARGET_MS),
        ("command ack p99", acks, ACK_TARGET_MS),
    )
    for name, row, target in checks:
        value = row.get("p99_ms")
        met = value is not None and value < target
        print(f"{'meets ' if met else 'MISSES'} {name} < {target:g} ms: {value} ms")
    print(f"{'meets ' if not errors else 'MISSES'} no errors: {errors}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
