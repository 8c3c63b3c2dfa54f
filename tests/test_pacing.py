"""Client-side pacing: a 429 pauses everyone once, then sends ride just under the limit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot import pacing
from bot.fakeslack import FakeSlack, RateLimits
from bot.pacing import Pacer
from bot.slack import SlackGateway

POST = "chat.postMessage"


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
def pacer(time_: FakeTime) -> Pacer:
    return Pacer(clock=time_.clock, sleep=time_.sleep)


def send(pacer: Pacer, time_: FakeTime, count: int, channel: str | None = None) -> list[float]:
    """Acquire and record ``count`` accepted calls; the times they went out."""
    times = []
    for _ in range(count):
        pacer.acquire(POST, channel)
        times.append(time_.now)
        pacer.accepted(POST)
    return times


def most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def test_a_method_never_limited_is_not_slowed(pacer: Pacer, time_: FakeTime) -> None:
    send(pacer, time_, 500)
    assert time_.now == 0.0 and pacer.rate(POST) is None


def test_a_429_pauses_every_caller_once_for_exactly_retry_after(
    pacer: Pacer, time_: FakeTime
) -> None:
    for index in range(100):  # 100 accepted within the last second
        time_.now = index / 100
        pacer.accepted(POST)
    time_.now = 1.0
    # Eight workers in flight all get their 429 in the same episode.
    for _ in range(8):
        pacer.limited(POST, 2)
    assert pacer.rate(POST) == pytest.approx(pacing.BACK_OFF * 100)  # once, not eight times
    pacer.acquire(POST)
    assert time_.now == pytest.approx(3.0)  # exactly Retry-After, no jitter


def test_after_a_429_sends_stay_under_what_slack_accepted(pacer: Pacer, time_: FakeTime) -> None:
    for index in range(100):
        time_.now = index / 100
        pacer.accepted(POST)
    time_.now = 1.0
    pacer.limited(POST, 1)
    times = send(pacer, time_, 2000)
    assert times[0] == pytest.approx(2.0)
    assert most_in_one_second(times) <= 99  # never at the 100 that drew the 429
    # ... and it climbs back to just under the ceiling rather than staying backed off.
    assert pacer.rate(POST) == pytest.approx(pacing.SETTLE * 100)
    late = [t for t in times if t > 10.0]
    assert most_in_one_second(late) >= 97


def test_each_429_while_paced_settles_a_little_lower(pacer: Pacer, time_: FakeTime) -> None:
    settled = []
    for _ in range(3):
        send(pacer, time_, 120)
        pacer.limited(POST, 1)
        send(pacer, time_, 1000)  # long enough to climb back and settle
        settled.append(pacer.rate(POST) or 0.0)
    assert settled[0] > settled[1] > settled[2]
    assert settled[2] >= pacing.SETTLE_LOWEST * 90


def test_a_429_after_a_few_calls_pauses_but_teaches_no_rate(pacer: Pacer, time_: FakeTime) -> None:
    send(pacer, time_, 2)
    pacer.limited(POST, 1)
    assert pacer.rate(POST) is None
    pacer.acquire(POST)
    assert time_.now == pytest.approx(1.0)
    send(pacer, time_, 300)
    assert time_.now == pytest.approx(1.0)  # unpaced again right after the pause


def test_a_quiet_while_forgets_the_rate(pacer: Pacer, time_: FakeTime) -> None:
    send(pacer, time_, 50)
    pacer.limited(POST, 1)
    assert pacer.rate(POST) is not None
    time_.now += pacing.FORGET_AFTER + 1
    send(pacer, time_, 1)
    assert pacer.rate(POST) is None


def test_messages_to_one_channel_are_a_second_apart(pacer: Pacer, time_: FakeTime) -> None:
    same = send(pacer, time_, 3, channel="D1")
    assert same == [0.0, 1.0, 2.0]
    before = time_.now
    send(pacer, time_, 10, channel=None)
    for index in range(10):
        send(pacer, time_, 1, channel=f"D{index + 2}")
    assert time_.now == before  # other channels never wait for D1


def test_the_gateway_under_a_workspace_limit_draws_few_429s() -> None:
    """Eight threads posting 300 DMs at a 50/s limit: every DM arrives once, and after the
    first episode the pacer keeps them under the limit instead of collecting 429s."""
    limits = RateLimits(workspace_per_minute={POST: 50}, window_seconds=1.0, retry_after=1)
    with FakeSlack(rate_limits=limits) as fake:
        people = [f"U{index:05d}" for index in range(300)]
        for person in people:
            fake.add_user(person, name=person.lower())
        gateway = SlackGateway.create(fake.bot_token, fake.api_url)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda person: gateway.post_dm(person, f"hello {person}"), people))
        for person in people:
            assert [m.text for m in fake.messages_for(person)] == [f"hello {person}"]
        limited = [c for c in fake.calls_to(POST) if c.http_status == 429]
        # Unpaced, the same run collects a 429 per worker per second (dozens).
        assert len(limited) <= 16
        assert gateway.pacer.rate(POST) is not None
