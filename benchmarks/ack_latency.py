"""Ack latency of `/mentor status` under load.

Starts `mentor-bot run` (a separate process, SQLite, scheduler on) against the local Slack
stand-in, sends signed `/mentor status` commands exactly as Slack does, N at a time, and
prints the latency percentiles of the HTTP answers. Slack allows 3,000 ms; the target on a
2-core machine is p99 under 100 ms with no errors.

Usage: .venv/bin/python benchmarks/ack_latency.py [--requests 2000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.crypto import generate_key  # noqa: E402
from bot.fakeslack.driver import SlackDriver  # noqa: E402
from bot.fakeslack.server import FakeSlack  # noqa: E402

SECRET = "bench-secret"
TOKEN = "xoxb-bench"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--users", type=int, default=200, help="distinct people sending")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeSlack(bot_token=TOKEN) as fake:
        users = [f"UB{n:05d}" for n in range(args.users)]
        for n, user in enumerate(users):
            fake.add_user(user, name=f"user{n}", locale="de-DE" if n % 2 else "en-US")
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "PYTHON", "HOME"))},
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "MENTOR_ENCRYPTION_KEY": generate_key(),
            "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db",
            "PORT": str(port),
        }
        log = open(Path(tmp) / "bot.log", "wb")  # noqa: SIM115  (closed below)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            driver = SlackDriver(url + "/slack/events", SECRET, fake)

            def one(i: int) -> tuple[float, bool]:
                user = users[i % len(users)]
                started = time.perf_counter()
                try:
                    response = driver.command(user, "status")
                    ok = response.status == 200 and "text" in (response.json() or {})
                except OSError:
                    ok = False
                return (time.perf_counter() - started) * 1000, ok

            # Warm-up: every person once (fills the profile cache, as a day of use would).
            with ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(one, range(len(users))))
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(one, range(args.requests)))
            elapsed = time.perf_counter() - started
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            log.close()

    latencies = sorted(ms for ms, _ in results)
    errors = sum(1 for _, ok in results if not ok)
    figures = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "errors": errors,
        "p50_ms": round(statistics.median(latencies), 1),
        "p90_ms": round(percentile(latencies, 0.90), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
        "throughput_per_s": round(args.requests / elapsed, 1),
    }
    print(json.dumps(figures))
    print(
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, errors {errors} "
        f"(target: p99 < 100 ms, no errors)"
    )


if __name__ == "__main__":
    main()
