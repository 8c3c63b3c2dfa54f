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
* The ceiling is the number of calls Slack accepted in the second before the 429,
  counting the calls that were already on their way and are answered during the pause
  within that second (with a small limit, those few late answers are a large part of
  it; an answer later than that may have been taken into the next second).
* From the end of the pause calls are spaced evenly, starting a step below the ceiling
  (calls Slack took late already fill part of the next second) and climbing within about
  two seconds to just under it. No second ever gets more calls than the ceiling, counted
  from when they really went out, so a thread that woke late does not let the next ones
  bunch up behind it. A 429 that comes while already paced settles the rate a little
  lower; only when Slack accepted clearly less than the settled pace is the ceiling
  itself lowered to that count (otherwise one-call steps would wear a small ceiling
  down). A 429 after only a few calls (another app, another instance, one busy channel)
  pauses but teaches no rate. Five minutes without a 429 and the method is unpaced
  again, because limits are shared with other apps and change.
* Messages to one channel are spaced at least ``channel_interval`` apart, so the
  per-channel limit never answers 429 and every 429 that does come is about the
  workspace rate.
* ``with pacer.deadline(at):`` bounds the waits of the calling thread: a call that could
  only go out after ``at`` (its turn, or the end of a pause) raises
  :class:`PacingDeadline` at once instead of waiting, and so does slack_sdk's retry of a
  429: the exception comes out of the ``WebClient`` call as it is, and the message is
  not sent.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Where the rate settles, as a fraction of the ceiling. Threads wake a little late and
# then send close together, so a rate just under the ceiling can still draw a 429 now
# and then: each one that comes while paced settles a step lower (down to
# SETTLE_LOWEST), as each costs a whole Retry-After for everyone.
SETTLE = 0.98
SETTLE_STEP = 0.02
SETTLE_LOWEST = 0.85
# Fraction of the ceiling the rate starts at after a 429's pause (or the settled share,
# if that is lower). Calls that were in flight and that Slack took just after the 429
# already count in the first second after the pause.
BACK_OFF = 0.9
# While below its settled share, the rate climbs this fraction of the ceiling per second
# of sending (a pause does not count): from BACK_OFF to SETTLE in 1.6 s.
CLIMB_PER_SECOND = 0.05
# A 429 after fewer accepted calls than this in the last second teaches no rate.
MIN_LEARN = 5
# A 429 while paced keeps the ceiling when Slack accepted at least the settled pace,
# less this many calls, in the second before it (the count of one second is whole calls).
KEEP_CEILING_SLACK = 1.0
# After this long without a 429 a method is unpaced again.
FORGET_AFTER = 300.0
# Slack's documented chat.postMessage limit: about one message per second per channel.
CHANNEL_INTERVAL = 1.0
# How many channels' last-post times are remembered before old ones are pruned.
CHANNEL_MEMORY = 50_000
#: A call that waits longer than this asks whether it is still wanted (see
#: :meth:`Pacer.recheck`) this long before its turn, not after it.
ASK_AHEAD = 0.1


class PacingDeadline(Exception):
    """A call would have had to wait past the deadline of :meth:`Pacer.deadline`.

    Nothing was sent, and the turn the call would have taken is given back.
    """

    def __init__(self, method: str, ready_at: float, deadline: float) -> None:
        super().__init__(
            f"{method} could go out at {ready_at:.3f} at the earliest, after the "
            f"deadline {deadline:.3f} (pacer clock)"
        )
        self.method = method
        self.ready_at = ready_at
        self.deadline = deadline


class NoLongerWanted(Exception):
    """After waiting for its turn, the call was no longer wanted (see :meth:`Pacer.recheck`).

    Nothing was sent, and the turn is given back.
    """

    def __init__(self, method: str) -> None:
        super().__init__(f"{method} no longer wanted after waiting for its turn")
        self.method = method


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
    # When calls went out in the last second, and how many turns are reserved, not taken.
    sent: deque[float] = field(default_factory=deque)
    waiting: int = 0
    # The latest 429 episode: calls accepted in the second before it and answered during
    # its pause, and what was known before it (what it learns is recomputed from these).
    episode_seen: int = 0
    episode_since: float = 0.0
    episode_rate: float | None = None
    episode_ceiling: float | None = None
    episode_settle: float = SETTLE


@dataclass(frozen=True)
class _Slot:
    """One reserved turn, and what reserving it replaced (to give it back)."""

    at: float
    next_before: float
    next_after: float
    channel: str | None
    channel_before: float | None


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
        self._local = threading.local()

    def _state(self, method: str) -> _Method:
        state = self._methods.get(method)
        if state is None:
            state = self._methods[method] = _Method()
        return state

    def now(self) -> float:
        """The pacer's clock: what :meth:`deadline` takes its ``at`` in."""
        return self._clock()

    def wait(self, seconds: float) -> None:
        """Wait ``seconds`` as the pacer waits (other retries' back-off, so that every
        wait on Slack follows the one injectable clock)."""
        if seconds > 0:
            self._sleep(seconds)

    def rate(self, method: str) -> float | None:
        """The calls per second ``method`` is paced at now; None while it is unpaced."""
        with self._lock:
            state = self._methods.get(method)
            return None if state is None else state.rate

    def ceiling(self, method: str) -> float | None:
        """The calls per second Slack was last seen to accept; None while unpaced."""
        with self._lock:
            state = self._methods.get(method)
            return None if state is None else state.ceiling

    @contextmanager
    def deadline(self, at: float) -> Iterator[None]:
        """Within this block, this thread's calls give up rather than wait past ``at``.

        ``at`` is a time of the pacer's clock (``time.monotonic()`` by default). Every
        :meth:`acquire` of this thread, including the one before slack_sdk retries a
        429, raises :class:`PacingDeadline` at once if its turn or the pause it would
        wait out ends after ``at`` (also when ``at`` has passed already). Nested blocks
        keep the earlier deadline; other threads are not affected.
        """
        outer: float | None = getattr(self._local, "deadline", None)
        self._local.deadline = at if outer is None else min(outer, at)
        try:
            yield
        finally:
            self._local.deadline = outer

    @contextmanager
    def recheck(self, still_wanted: Callable[[], bool]) -> Iterator[None]:
        """Within this block, a call of this thread that had to wait asks again before it
        goes out.

        After any wait in :meth:`acquire` (for its turn, or out a 429's pause, also before
        slack_sdk retries), ``still_wanted()`` is called once the turn has come; when it
        answers False, :class:`NoLongerWanted` is raised and nothing is sent. A call that
        did not wait is not asked (whoever called it had just decided). Not nested.
        """
        outer = getattr(self._local, "recheck", None)
        self._local.recheck = still_wanted
        try:
            yield
        finally:
            self._local.recheck = outer

    def acquire(self, method: str, channel: str | None = None) -> None:
        """Wait until a call of ``method`` (to ``channel``) may go out, and reserve it.

        Raises:
            PacingDeadline: Under :meth:`deadline`, if the call could only go out after it.
            NoLongerWanted: Under :meth:`recheck`, if it waited and is no longer wanted.
        """
        deadline: float | None = getattr(self._local, "deadline", None)
        still_wanted: Callable[[], bool] | None = getattr(self._local, "recheck", None)
        slot: _Slot | None = None
        waited = False
        try:
            while True:
                ask = False
                with self._lock:
                    now = self._clock()
                    state = self._state(method)
                    if state.pause_until > now:
                        if slot is not None:  # a 429 came meanwhile: a new turn after it
                            self._release(state, slot)
                            slot = None
                        ready = state.pause_until
                    elif slot is not None:
                        ready = slot.at
                    else:
                        slot = self._reserve(state, now, channel)
                        ready = slot.at
                    if deadline is not None and ready > deadline:
                        raise PacingDeadline(method, ready, deadline)
                    if slot is not None and ready - now <= ASK_AHEAD and waited and still_wanted:
                        # Asked just before the turn (outside the lock: it may query the
                        # database), so the time the answer takes does not delay the call
                        # past its turn and make calls bunch up.
                        ask = True
                    elif slot is not None and ready <= now:
                        self._local.went = (method, now)
                        state.waiting -= 1
                        state.sent.append(now)
                        while now - state.sent[0] > 1.0:
                            state.sent.popleft()
                        slot = None
                        return
                if ask:
                    assert still_wanted is not None
                    if not still_wanted():
                        raise NoLongerWanted(method)
                    waited = False  # asked once; the turn is taken on the next round
                    continue
                if still_wanted is not None and ready - now > ASK_AHEAD:
                    self._sleep(ready - now - ASK_AHEAD / 2)  # wake to ask before the turn
                    waited = True
                else:
                    self._sleep(ready - now)
        finally:
            if slot is not None:  # gave up (deadline) or was interrupted: give the turn back
                with self._lock:
                    self._release(self._state(method), slot)

    def _reserve(self, state: _Method, now: float, channel: str | None) -> _Slot:
        self._adjust(state, now)
        start = now
        channel_before = None if channel is None else self._channels.get(channel)
        if channel_before is not None:
            start = max(start, channel_before + self._channel_interval)
        next_before = state.next_slot
        if state.rate is not None:
            start = max(start, state.next_slot)
            if state.ceiling is not None:
                # Never more than the ceiling in one second, counted from when calls really
                # went out: a thread that woke late does not let the next ones bunch up.
                # Turns reserved and not yet taken come after every call that went out.
                earlier = int(state.ceiling) - state.waiting
                if 0 < earlier <= len(state.sent):
                    start = max(start, state.sent[-earlier] + 1.0)
            state.next_slot = start + 1.0 / state.rate
        if channel is not None:
            if len(self._channels) >= CHANNEL_MEMORY:
                self._forget_channels(now)
            self._channels[channel] = start
        state.waiting += 1
        return _Slot(start, next_before, state.next_slot, channel, channel_before)

    def _release(self, state: _Method, slot: _Slot) -> None:
        """Give a turn back, as far as no later turn was reserved after it."""
        state.waiting -= 1
        if state.next_slot == slot.next_after:
            state.next_slot = slot.next_before
        if slot.channel is not None and self._channels.get(slot.channel) == slot.at:
            if slot.channel_before is None:
                del self._channels[slot.channel]
            else:
                self._channels[slot.channel] = slot.channel_before

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
        since = max(state.last_adjusted, state.pause_until)  # a pause is no time to climb
        if now <= since:
            return
        state.last_adjusted = now
        target = state.settle * state.ceiling
        if state.rate < target:
            state.rate = min(target, state.rate + CLIMB_PER_SECOND * state.ceiling * (now - since))

    def accepted(self, method: str) -> None:
        """Record that Slack accepted a call of ``method`` (what the ceiling is learned from).

        Called by the thread that made the call, after its :meth:`acquire`.
        """
        went: tuple[str, float] | None = getattr(self._local, "went", None)
        self._local.went = None
        with self._lock:
            now = self._clock()
            state = self._state(method)
            state.accepted.append(now)
            while state.accepted and now - state.accepted[0] > 1.0:
                state.accepted.popleft()
            if now < state.last_limited:
                return
            if went is not None and went[0] == method:
                before_429 = went[1] < state.last_limited
            else:  # nothing goes out during a pause
                before_429 = now < state.pause_until
            if not before_429:
                return
            if now - state.episode_since <= 1.0:
                # On its way before the 429 and answered within a second of the first call
                # counted: Slack took it into the second that the 429 found full.
                state.episode_seen += 1
                self._learn(state)
            elif state.rate is not None:
                # Slack took it later, into the next second: it uses up a turn after the pause.
                state.next_slot = max(state.next_slot, state.pause_until) + 1.0 / state.rate

    def limited(self, method: str, retry_after: float) -> None:
        """Slack answered 429: pause every caller of ``method`` for ``retry_after`` seconds.

        Several 429s of one episode (workers that were in flight together) pause once and
        lower the rate once.
        """
        with self._lock:
            now = self._clock()
            state = self._state(method)
            state.pause_until = max(state.pause_until, now + retry_after)
            state.next_slot = max(state.next_slot, state.pause_until)
            if now - state.last_limited < retry_after:
                return
            state.last_limited = now
            while state.accepted and now - state.accepted[0] > 1.0:
                state.accepted.popleft()
            state.episode_seen = len(state.accepted)
            state.episode_since = state.accepted[0] if state.accepted else now
            state.episode_rate = state.rate
            state.episode_ceiling = state.ceiling
            state.episode_settle = state.settle
            self._learn(state)

    def _learn(self, state: _Method) -> None:
        """Set ceiling and rate from the latest episode (again as late answers come in)."""
        seen = state.episode_seen
        if seen < MIN_LEARN:
            return
        known, paced_at = state.episode_ceiling, state.episode_rate
        state.last_adjusted = state.pause_until
        if paced_at is None or known is None:
            # Met unpaced: the calls Slack took before saying no are its limit.
            state.ceiling = float(seen)
            state.settle = state.episode_settle
            state.rate = min(BACK_OFF, state.settle) * seen
            return
        state.settle = max(SETTLE_LOWEST, state.episode_settle - SETTLE_STEP)
        if seen < state.episode_settle * known - KEEP_CEILING_SLACK:
            known = float(seen)  # Slack took clearly less than the pace we settled at
        state.ceiling = known
        state.rate = min(min(BACK_OFF, state.settle) * known, paced_at)


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
        # Under Pacer.deadline this raises PacingDeadline rather than wait past it; slack_sdk
        # calls this from its except clause, so the exception leaves the WebClient call.
        self.pacer.acquire(method)
        state.next_attempt_requested = True
        state.increment_current_attempt()
