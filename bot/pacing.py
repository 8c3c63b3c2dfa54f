"""Client-side pacing of Slack Web API calls, so a big batch rides just under Slack's limits.

Slack answers HTTP 429 with ``Retry-After`` once a method's workspace-wide rate is
exceeded, and chat.postMessage allows about one message per second per channel. Without
pacing, a dispatcher with several workers outruns the limit, every worker collects its
own 429, and each sleeps Retry-After plus random jitter while the others run into the
same wall: most of a large batch's time goes to sleeping.

:class:`Pacer` is shared by every thread of one process and learns the limit instead of
guessing it (Slack does not publish chat.postMessage's workspace rate):

* Until a method is ever answered 429 it is not slowed down at all.
* A 429 pauses **every** caller of that method exactly ``Retry-After`` seconds, once: the
  workers that were already in flight do not each add a pause of their own.
* From then on calls are spaced evenly at a learned rate: a little under the number of
  calls Slack accepted in the second before the 429 (the ceiling), climbing back to just
  under it within seconds. A 429 after only a few calls (another app, another instance,
  one busy channel) pauses but teaches no rate. Five minutes without a 429 and the method
  is unpaced again, because limits are shared with other apps and change.
* Messages to one channel are spaced at least ``channel_interval`` apart, so the
  per-channel limit never answers 429 and every 429 that does come is about the
  workspace rate.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Fraction of the ceiling the learned rate drops to after a 429, and where it settles at
# first. Threads wake a little late and then send close together, so a rate just under
# the ceiling can still draw a 429 now and then: each one that comes while paced settles
# a step lower (down to SETTLE_LOWEST), as each costs a whole Retry-After for everyone.
BACK_OFF = 0.9
SETTLE = 0.98
SETTLE_STEP = 0.02
SETTLE_LOWEST = 0.85
# While below SETTLE x ceiling, the rate climbs this fraction of the ceiling per second.
CLIMB_PER_SECOND = 0.01
# A 429 after fewer accepted calls than this in the last second teaches no rate.
MIN_LEARN = 5
# After this long without a 429 a method is unpaced again.
FORGET_AFTER = 300.0
# Slack's documented chat.postMessage limit: about one message per second per channel.
CHANNEL_INTERVAL = 1.0
# How many channels' last-post times are remembered before old ones are pruned.
CHANNEL_MEMORY = 50_000


@dataclass
class _Method:
    """What the pacer knows about one Web API method."""

    rate: float | None = None
    ceiling: float | None = None
    settle: float = SETTLE
    next_slot: float = 0.0
    pause_until: float = 0.0
    last_limited: float = float("-inf")
    last_adjusted: float = 0.0
    accepted: deque[float] = field(default_factory=deque)


class Pacer:
    """Shared, self-tuning pacing of Slack calls per method (thread-safe).

    Args:
        clock: Monotonic seconds (injectable for tests).
        sleep: How to wait (injectable for tests).
        channel_interval: Least time between two messages to one channel.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        channel_interval: float = CHANNEL_INTERVAL,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._channel_interval = channel_interval
        self._lock = threading.Lock()
        self._methods: dict[str, _Method] = {}
        self._channels: dict[str, float] = {}

    def _state(self, method: str) -> _Method:
        state = self._methods.get(method)
        if state is None:
            state = self._methods[method] = _Method()
        return state

    def rate(self, method: str) -> float | None:
        """The calls per second ``method`` is paced at now; None while it is unpaced."""
        with self._lock:
            state = self._methods.get(method)
            return None if state is None else state.rate

    def acquire(self, method: str, channel: str | None = None) -> None:
        """Wait until a call of ``method`` (to ``channel``) may go out, and reserve it."""
        slot: float | None = None
        while True:
            with self._lock:
                now = self._clock()
                state = self._state(method)
                if state.pause_until > now:
                    wait, slot = state.pause_until - now, None
                elif slot is not None and slot <= now:
                    return
                else:
                    slot = self._reserve(state, now, channel)
                    wait = slot - now
            if wait > 0:
                self._sleep(wait)

    def _reserve(self, state: _Method, now: float, channel: str | None) -> float:
        self._adjust(state, now)
        start = now
        if channel is not None:
            start = max(start, self._channels.get(channel, float("-inf")) + self._channel_interval)
            if len(self._channels) >= CHANNEL_MEMORY:
                self._forget_channels(now)
            self._channels[channel] = start
        if state.rate is not None:
            start = max(start, state.next_slot)
            state.next_slot = start + 1.0 / state.rate
        return start

    def _forget_channels(self, now: float) -> None:
        recent = now - self._channel_interval
        self._channels = {key: at for key, at in self._channels.items() if at > recent}

    def _adjust(self, state: _Method, now: float) -> None:
        """Let the rate climb back towards the ceiling; forget it after a quiet while."""
        if state.rate is None or state.ceiling is None:
            return
        if now - state.last_limited >= FORGET_AFTER:
            state.rate = state.ceiling = None
            state.settle = SETTLE
            return
        elapsed = now - state.last_adjusted
        if elapsed <= 0:
            return
        state.last_adjusted = now
        target = state.settle * state.ceiling
        if state.rate < target:
            state.rate = min(target, state.rate + CLIMB_PER_SECOND * state.ceiling * elapsed)

    def accepted(self, method: str) -> None:
        """Record that Slack accepted a call of ``method`` (what the ceiling is learned from)."""
        with self._lock:
            now = self._clock()
            state = self._state(method)
            state.accepted.append(now)
            while state.accepted and now - state.accepted[0] > 1.0:
                state.accepted.popleft()

    def limited(self, method: str, retry_after: float) -> None:
        """Slack answered 429: pause every caller of ``method`` for ``retry_after`` seconds.

        Several 429s of one episode (workers that were in flight together) pause once and
        lower the rate once.
        """
        with self._lock:
            now = self._clock()
            state = self._state(method)
            state.pause_until = max(state.pause_until, now + retry_after)
            if now - state.last_limited < retry_after:
                return
            state.last_limited = now
            while state.accepted and now - state.accepted[0] > 1.0:
                state.accepted.popleft()
            seen = len(state.accepted)
            if seen >= MIN_LEARN:
                if state.rate is not None:
                    state.settle = max(SETTLE_LOWEST, state.settle - SETTLE_STEP)
                state.ceiling = float(seen)
                state.rate = BACK_OFF * seen
                state.last_adjusted = now
            state.next_slot = max(state.next_slot, state.pause_until)


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value: Any = values[0] if isinstance(values, list) else values
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0


def method_of(request: HttpRequest) -> str:
    """The Web API method a request calls (``https://slack.com/api/chat.postMessage``)."""
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class PacedRateLimitHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, but through the shared :class:`Pacer`.

    Instead of each thread sleeping Retry-After plus up to a second of random jitter, the
    429 pauses every caller of the method once for exactly Retry-After, and the retry
    then takes its turn at the learned rate.
    """

    def __init__(self, pacer: Pacer, max_retry_count: int = 8) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            if error is not None:
                raise error
            return
        method = method_of(request)
        self.pacer.limited(method, _retry_after(response))
        state.next_attempt_requested = True
        state.increment_current_attempt()
        self.pacer.acquire(method)
