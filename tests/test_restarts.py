"""Kill ``mentor-bot dispatch`` at any moment: nothing a person is owed is lost, and
nothing Slack acknowledged is posted again.

The processes are real (``python -m bot dispatch --at T`` against Slack's stand-in, on
SQLite and PostgreSQL), killed with SIGKILL at moments drawn at random, so some die
while idle, some while claiming, some between Slack's answer and the commit that marks
a message sent. What Slack received is then compared with what each person is owed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.delivery import leases, outbox
from bot.fakeslack.records import RateLimits
from bot.slack import ids
from storage.db import Database
from storage.models import MentoringSession, Notification
from tests.harness import Bot, activate_pairs, dispatch_env, running_bot

PAIRS = 12
KILLS = 4


def reminders_received(bot: Bot) -> Counter[tuple[int, str]]:
    """How often each (session, person) got a reminder, from what Slack delivered."""
    got: Counter[tuple[int, str]] = Counter()
    for message in bot.fake.messages():
        element = message.find_element(ids.SESSION_SKIP)
        if message.method == "chat.postMessage" and element is not None:
            for recipient in message.recipients:
                got[(int(element["value"]), recipient)] += 1
    return got


def test_dispatchers_killed_at_random_moments_lose_nothing_and_repeat_nothing(
    db: Database,
) -> None:
    seed = int(os.environ.get("MENTOR_KILL_SEED", "0")) or random.SystemRandom().randrange(10**6)
    chance = random.Random(seed)
    limits = RateLimits(
        per_channel_per_second=1.0,
        workspace_per_minute={"chat.postMessage": 8},
        window_seconds=1.0,  # about 8 messages a second: a pass takes a few seconds
    )
    with running_bot(db, rate_limits=limits) as bot:
        people = [user for user, _ in activate_pairs(bot, PAIRS)]
        with bot.ctx.db.transaction() as session:
            first = min(s.starts_at for s in session.exec(select(MentoringSession)))
            owed = {
                (row.session_id or 0, row.user_id or "")
                for row in session.exec(
                    select(Notification)
                    .where(Notification.kind == "reminder")
                    .where(col(Notification.due_at) <= first)
                )
            }
        assert len(owed) == 2 * PAIRS
        at = (first - timedelta(hours=23)).isoformat()
        command = [sys.executable, "-m", "bot", "dispatch", "--at", at]
        kills: list[float] = []
        for _ in range(KILLS):
            process = subprocess.Popen(
                command,
                env=dispatch_env(bot),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            delay = chance.uniform(0.3, 4.0)  # start-up takes about a second
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            _, errors = process.communicate(timeout=30)
            kills.append(round(delay, 2))
            assert "Traceback" not in errors, (seed, errors)
        # The restart, a minute later (when the leases of the killed processes ran out).
        bot.clock.now = datetime.now(UTC) + leases.LEASE + timedelta(seconds=1)
        restart = subprocess.run(
            command, env=dispatch_env(bot), capture_output=True, text=True, timeout=120
        )
        assert restart.returncode == 0, (seed, restart.stderr)
        outbox.dispatch(bot.ctx, datetime.fromisoformat(at))  # takes over what is leased
        got = reminders_received(bot)
        context = {"seed": seed, "kills after (s)": kills}
        assert {key for key in owed if got[key] == 0} == set(), context  # none lost
        assert {key: n for key, n in got.items() if n > 1} == {}, context  # none twice
        assert set(got) == owed, context  # nothing else
        assert json.loads(restart.stdout)["failed"] == 0
        assert {person for _, person in owed} == set(people)
