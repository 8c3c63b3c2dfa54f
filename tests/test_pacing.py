"""Client-side pacing: a 429 pauses everyone once, then sends ride just under the limit."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.fakeslack import FakeSlack, RateLimits
from bot.slack import pacing
from bot.slack.gateway import SlackGateway, make_client
from bot.slack.pacing import NoLongerWanted, Pacer, PacingDeadline

POST = "chat.postMessage"


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.while_asleep: Callable[[], None] | None = None  # once, at the next sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        meanwhile, self.while_asleep = self.while_asleep, None
        if meanwhile is not None:
            meanwhile()


class VirtualThreads:
    """Real threads that run one at a time on a virtual clock, so that concurrent callers
    of the pacer can be replayed exactly: whoever wakes earliest runs next (ties by
    number), until it sleeps again or finishes. ``late[(worker, n)]`` makes that worker's
    n-th sleep end so much later (a thread the OS woke late)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.late: dict[tuple[int, int], float] = {}
        self._cv = threading.Condition()
        self._wakes: dict[int, float] = {}
        self._running: int | None = None
        self._slept: Counter[int] = Counter()
        self._local = threading.local()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        me: int = self._local.index
        extra = self.late.get((me, self._slept[me]), 0.0)
        self._slept[me] += 1
        self._wait_turn(me, self.now + seconds + extra)

    def _wait_turn(self, me: int, wake: float) -> None:
        with self._cv:
            self._wakes[me] = wake
            self._running = None
            self._cv.notify_all()
            self._cv.wait_for(lambda: self._running == me)

    def run(self, work: Callable[[int], None], workers: int) -> None:
        done: set[int] = set()
        errors: list[BaseException] = []

        def body(index: int) -> None:
            self._local.index = index
            self._wait_turn(index, self.now)
            try:
                work(index)
            except BaseException as error:  # re-raised in the test's thread
                errors.append(error)
            finally:
                with self._cv:
                    done.add(index)
                    self._running = None
                    self._cv.notify_all()

        threads = [threading.Thread(target=body, args=(n,)) for n in range(workers)]
        for thread in threads:
            thread.start()
        with self._cv:
            while True:
                self._cv.wait_for(
                    lambda: self._running is None and len(self._wakes) + len(done) == workers
                )
                if not self._wakes:
                    break
                index = min(self._wakes, key=lambda n: (self._wakes[n], n))
                self.now = max(self.now, self._wakes.pop(index))
                self._running = index
                self._cv.notify_all()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]


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


def burst_then_429(pacer: Pacer, clock: FakeTime | VirtualThreads, count: int) -> None:
    """``count`` calls accepted unpaced within 0.1 s, then a 429 (Retry-After 1) at 0.1 s."""
    for index in range(count):
        clock.now = index * 0.1 / count
        pacer.accepted(POST)
    clock.now = 0.1
    pacer.limited(POST, 1)


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


# --- learning the ceiling, and coming back to it ---------------------------------------


def test_calls_answered_during_the_pause_count_towards_the_ceiling(
    pacer: Pacer, time_: FakeTime
) -> None:
    """Workers whose calls were in flight when the 429 came are answered during the pause:
    Slack took them too. With a limit of 20, five late answers are a quarter of it."""
    burst_then_429(pacer, time_, 15)
    assert pacer.ceiling(POST) == 15
    time_.now = 0.12
    for _ in range(5):
        pacer.accepted(POST)
    assert pacer.ceiling(POST) == 20
    assert pacer.rate(POST) == pytest.approx(pacing.BACK_OFF * 20)
    # An answer more than a second after the first call counted may be of the next second.
    time_.now = 1.05
    pacer.accepted(POST)
    assert pacer.ceiling(POST) == 20


def test_late_answers_can_make_a_429_teach_a_rate(pacer: Pacer, time_: FakeTime) -> None:
    burst_then_429(pacer, time_, 3)
    assert pacer.rate(POST) is None
    for _ in range(pacing.MIN_LEARN - 3):
        pacer.accepted(POST)
    assert pacer.ceiling(POST) == pacing.MIN_LEARN


def test_after_the_first_429_the_rate_is_just_under_the_ceiling_within_two_seconds(
    pacer: Pacer, time_: FakeTime
) -> None:
    burst_then_429(pacer, time_, 20)
    times = send(pacer, time_, 60)
    assert times[0] == pytest.approx(1.1)  # exactly Retry-After
    # The pause is no time to climb: the first second after it stays a step lower ...
    assert most_in_one_second(times[:25]) == pytest.approx(pacing.BACK_OFF * 20, abs=1)
    # ... and two seconds of sending later it is just under the ceiling.
    assert [t for t in times if t >= 3.1]
    assert pacer.rate(POST) == pytest.approx(pacing.SETTLE * 20)
    assert most_in_one_second(times) <= 20  # never over the ceiling


def test_a_429_at_the_settled_pace_keeps_the_ceiling(pacer: Pacer, time_: FakeTime) -> None:
    """At the pace the ceiling promised, a 429 means threads bunched up: settle a step
    lower, but a ceiling counted in whole calls is not worn down a call at a time."""
    burst_then_429(pacer, time_, 20)
    send(pacer, time_, 200)
    assert pacer.rate(POST) == pytest.approx(pacing.SETTLE * 20)
    pacer.limited(POST, 1)
    assert pacer.ceiling(POST) == 20
    assert pacer.rate(POST) == pytest.approx(pacing.BACK_OFF * 20)
    send(pacer, time_, 200)
    assert pacer.rate(POST) == pytest.approx((pacing.SETTLE - pacing.SETTLE_STEP) * 20)


def test_a_429_when_slack_took_clearly_less_lowers_the_ceiling(
    pacer: Pacer, time_: FakeTime
) -> None:
    burst_then_429(pacer, time_, 100)
    send(pacer, time_, 1000)
    for _ in range(50):  # Slack takes only 50 a second now: another app uses the rest
        time_.now += 0.02
        send(pacer, time_, 1)
    pacer.limited(POST, 1)
    ceiling = pacer.ceiling(POST)
    assert ceiling is not None
    assert ceiling == pytest.approx(50, abs=1)  # (one more, from the very edge of the second)
    assert pacer.rate(POST) == pytest.approx(pacing.BACK_OFF * ceiling)


def test_a_low_settled_share_is_not_raised_by_the_back_off(pacer: Pacer, time_: FakeTime) -> None:
    burst_then_429(pacer, time_, 100)
    for _ in range(10):  # settles down to SETTLE_LOWEST, below BACK_OFF
        send(pacer, time_, 300)
        pacer.limited(POST, 1)
        rate, ceiling = pacer.rate(POST), pacer.ceiling(POST)
        assert rate is not None and ceiling is not None
        assert rate <= max(pacing.BACK_OFF * ceiling, pacing.SETTLE_LOWEST * ceiling) + 1e-9
    send(pacer, time_, 300)
    assert pacer.rate(POST) == pytest.approx(pacing.SETTLE_LOWEST * (pacer.ceiling(POST) or 0))


def test_a_thread_that_wakes_late_does_not_let_the_next_ones_bunch_up() -> None:
    """Eight workers at a ceiling of 20; some wake 150 ms late once. Their turns went by,
    the next ones keep theirs: without counting when calls really went out, 21 would go
    within one second (20 ms of margin at 98 %), which Slack answers 429."""
    threads = VirtualThreads()
    pacer = Pacer(clock=threads.clock, sleep=threads.sleep)
    burst_then_429(pacer, threads, 20)
    threads.late = {(worker, 4 + worker): 0.15 for worker in range(0, 8, 3)}
    went: list[float] = []

    def work(worker: int) -> None:
        for _ in range(40):
            pacer.acquire(POST)
            went.append(threads.now)
            pacer.accepted(POST)

    threads.run(work, 8)
    assert len(went) == 320
    assert most_in_one_second(went) <= 20
    assert went[-1] - went[0] < 320 / (pacing.SETTLE * 20) + 1.0  # and barely slower


def test_a_pause_during_a_wait_gives_the_channel_turn_back(pacer: Pacer, time_: FakeTime) -> None:
    send(pacer, time_, 1, channel="D1")  # D1's next turn is at 1.0
    time_.while_asleep = lambda: pacer.limited(POST, 2)  # a 429 elsewhere, at 1.0
    pacer.acquire(POST, "D1")
    assert time_.now == pytest.approx(3.0)  # right after the pause, not a second later


# --- deadlines -------------------------------------------------------------------------


def learned(pacer: Pacer, time_: FakeTime, ceiling: int = 10) -> None:
    """Pace POST at ``ceiling``/s from t=1.1 on (a burst, a 429, its pause)."""
    burst_then_429(pacer, time_, ceiling)
    send(pacer, time_, 200)


def test_a_turn_after_the_deadline_raises_at_once_and_is_given_back(
    pacer: Pacer, time_: FakeTime
) -> None:
    learned(pacer, time_)
    rate = pacer.rate(POST) or 0.0
    pacer.acquire(POST)  # the next turn is 1/rate later
    went = time_.now
    with pacer.deadline(went + 0.5 / rate), pytest.raises(PacingDeadline) as raised:
        pacer.acquire(POST)
    assert time_.now == went  # decided before sleeping
    assert raised.value.ready_at == pytest.approx(went + 1 / rate)
    assert raised.value.method == POST
    with pacer.deadline(went + 1 / rate):  # a turn exactly at the deadline is taken
        pacer.acquire(POST)
    assert time_.now == pytest.approx(went + 1 / rate)  # the same turn, not the one after


def test_a_channel_turn_after_the_deadline_is_given_back(pacer: Pacer, time_: FakeTime) -> None:
    send(pacer, time_, 1, channel="D1")
    with pacer.deadline(0.5), pytest.raises(PacingDeadline):
        pacer.acquire(POST, "D1")
    assert time_.sleeps == []
    pacer.acquire(POST, "D1")
    assert time_.now == pytest.approx(1.0)


def test_a_pause_past_the_deadline_raises_at_once(pacer: Pacer, time_: FakeTime) -> None:
    pacer.limited(POST, 30)
    with pacer.deadline(5.0), pytest.raises(PacingDeadline) as raised:
        pacer.acquire(POST)
    assert raised.value.ready_at == pytest.approx(30.0)
    assert time_.sleeps == []
    with pacer.deadline(30.0):
        pacer.acquire(POST)  # waits: the pause ends at the deadline
    assert time_.now == pytest.approx(30.0)


def test_a_pause_that_comes_while_waiting_is_checked_against_the_deadline(
    pacer: Pacer, time_: FakeTime
) -> None:
    send(pacer, time_, 1, channel="D1")
    time_.while_asleep = lambda: pacer.limited(POST, 30)
    with pacer.deadline(10.0), pytest.raises(PacingDeadline):
        pacer.acquire(POST, "D1")
    assert time_.sleeps == [1.0]  # woke at its turn, saw the pause, did not wait it out
    pacer.acquire(POST, "D1")  # the channel turn that was not used is free again
    assert time_.now == pytest.approx(31.0)


def test_a_deadline_that_has_passed_raises_even_without_waiting(
    pacer: Pacer, time_: FakeTime
) -> None:
    time_.now = 5.0
    with pacer.deadline(4.0), pytest.raises(PacingDeadline):
        pacer.acquire(POST)
    pacer.acquire(POST)
    assert time_.now == 5.0


def test_nested_deadlines_keep_the_earlier_and_restore_on_exit(
    pacer: Pacer, time_: FakeTime
) -> None:
    pacer.limited(POST, 30)
    with pacer.deadline(40.0):
        with pacer.deadline(100.0), pytest.raises(PacingDeadline):
            pacer.limited(POST, 50)  # now paused until 50
            pacer.acquire(POST)
        with pacer.deadline(10.0), pytest.raises(PacingDeadline):
            pacer.acquire(POST)
        with pytest.raises(PacingDeadline):
            pacer.acquire(POST)  # the outer deadline is in force again
    pacer.acquire(POST)  # and none after it
    assert time_.now == pytest.approx(50.0)


def test_a_deadline_is_only_for_its_own_thread(pacer: Pacer, time_: FakeTime) -> None:
    pacer.limited(POST, 30)
    with pacer.deadline(1.0), ThreadPoolExecutor(1) as pool:
        pool.submit(pacer.acquire, POST).result()  # waits out the pause, raises nothing
    assert time_.now == pytest.approx(30.0)


def test_no_deadline_leaves_waiting_as_it_was(pacer: Pacer, time_: FakeTime) -> None:
    pacer.limited(POST, 30)
    pacer.acquire(POST)
    assert time_.sleeps == [30.0]


def test_a_429_retry_past_the_deadline_leaves_chat_post_message_unsent() -> None:
    """slack_sdk retries a 429 through PacedRateLimitHandler; past the deadline that retry
    raises PacingDeadline, which comes out of the WebClient call, and nothing is posted
    (the retry would have succeeded: only one 429 is queued)."""
    with FakeSlack(rate_limits=RateLimits()) as fake:
        fake.add_user("U1", name="one")
        pacer = Pacer()
        client = make_client(fake.bot_token, fake.api_url, pacer=pacer)
        fake.fail_next(POST, status=429, retry_after=60)
        started = time.monotonic()
        with pacer.deadline(started + 5), pytest.raises(PacingDeadline) as raised:
            client.chat_postMessage(channel="U1", text="hello")
        assert time.monotonic() - started < 5
        assert raised.value.ready_at >= started + 59
        assert fake.messages_for("U1") == []
        assert [c.http_status for c in fake.calls_to(POST)] == [429]
        # The pause holds for every caller, with or without a deadline of its own.
        with pacer.deadline(time.monotonic() + 1), pytest.raises(PacingDeadline):
            SlackGateway(client, pacer=pacer).post_dm("U1", "hello")
        assert len(fake.calls_to(POST)) == 1


def test_a_429_retry_within_the_deadline_is_sent_once() -> None:
    with FakeSlack(rate_limits=RateLimits()) as fake:
        fake.add_user("U1", name="one")
        gateway = SlackGateway.create(fake.bot_token, fake.api_url)
        fake.fail_next(POST, status=429, retry_after=1)
        with gateway.pacer.deadline(time.monotonic() + 30):
            gateway.post_dm("U1", "hello")
        assert [m.text for m in fake.messages_for("U1")] == ["hello"]
        assert [c.http_status for c in fake.calls_to(POST)] == [429, 200]


def test_a_call_that_waited_is_asked_again_and_dropped_when_no_longer_wanted(
    pacer: Pacer, time_: FakeTime
) -> None:
    asked: list[float] = []
    wanted = True

    def still_wanted() -> bool:
        asked.append(time_.now)
        return wanted

    with pacer.recheck(still_wanted):
        pacer.acquire(POST, "D1")  # no wait: whoever called had just decided
        assert asked == []
        pacer.acquire(POST, "D1")  # waited a second for the channel: asked once
        # just before its turn, so the answer's time does not delay the call
        early = pacing.ASK_AHEAD / 2
        assert asked == [pytest.approx(1.0 - early)] and time_.now == pytest.approx(1.0)
        wanted = False
        with pytest.raises(NoLongerWanted):
            pacer.acquire(POST, "D1")
    assert asked == [pytest.approx(1.0 - early), pytest.approx(2.0 - early)]
    pacer.acquire(POST, "D1")  # the dropped turn was given back: this one takes it
    assert time_.now == pytest.approx(2.0)


def test_retries_of_5xx_and_dropped_connections_back_off_on_the_pacers_clock(
    pacer: Pacer, time_: FakeTime
) -> None:
    """Every wait on Slack follows the one clock the pacer is given (a deployment's
    monotonic time, a test's simulated one): slack_sdk's back-off between retries too."""
    with FakeSlack() as fake:
        fake.add_user("U1", name="one")
        client = make_client(fake.bot_token, fake.api_url, pacer=pacer)
        fake.fail_next(POST, status=500, times=2)
        started = time.monotonic()
        client.chat_postMessage(channel="U1", text="hello")
        fake.drop_next("users.info")
        client.users_info(user="U1")
        assert time.monotonic() - started < 0.5  # no back-off slept in real time
    assert len(time_.sleeps) == 3 and all(s > 0 for s in time_.sleeps)
    assert [m.text for m in fake.messages_for("U1")] == ["hello"]
    assert [c.http_status for c in fake.calls_to(POST)] == [500, 500, 200]
