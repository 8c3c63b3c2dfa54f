"""The program cycle's moments over zones, dates and the gaps between the hourly passes
(Hypothesis): pulses and nudges at 10:00 in the mentee's zone, each once, never stale;
a lapsed pair closed only after its close day and a nudge at least two weeks before."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.app.scheduler import plan_sessions
from bot.cycle import moments
from bot.delivery import outbox
from bot.enrollment import service as enrollment
from bot.sessions import schedule
from bot.slack import ids
from storage.models import Cohort, Notification, Pair
from tests.harness import ADMIN, Bot

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Europe/London",
    "Pacific/Kiritimati",
)

instants = st.datetimes(datetime(2026, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))


def _at_ten(moment: datetime, tz: str) -> bool:
    local = moment.astimezone(ZoneInfo(tz))
    return (local.hour, local.minute) == (10, 0)


@given(
    activated=instants,
    zone=st.sampled_from(ZONES),
    before=st.integers(0, 200),
    term=st.integers(1, 400),
)
def test_pulses_are_at_ten_within_the_term_two_weeks_apart(
    activated: datetime, zone: str, before: int, term: int
) -> None:
    start = schedule.local_date(activated, zone) - timedelta(days=before)
    end = start + timedelta(days=term)
    found = moments.pulses(activated, start, end, zone)
    for _, moment in found:
        assert _at_ten(moment, zone)
        assert moment > activated
        assert schedule.local_date(moment, zone) <= end
    if len(found) == 2:
        assert found[1][1] - found[0][1] >= timedelta(days=moments.PULSE_GAP_DAYS - 1)
    first = schedule.local_date(activated, zone) + timedelta(days=30)
    assert (moments.PULSE_30D in dict(found)) == (first <= end)


@given(
    since=instants,
    zone=st.sampled_from(ZONES),
    nudge=st.integers(1, 200),
    extra=st.integers(1, 200),
    late=st.integers(0, 24 * 60),
)
def test_a_lapse_is_nudged_before_it_closes_and_closes_only_after_the_nudge(
    since: datetime, zone: str, nudge: int, extra: int, late: int
) -> None:
    lapse = moments.lapse(since, zone, nudge, nudge + extra)
    assert _at_ten(lapse.nudge_at, zone) and _at_ten(lapse.close_at, zone)
    assert since < lapse.nudge_at < lapse.close_at
    nudged = lapse.nudge_at + timedelta(hours=late)  # the pass that nudged came late
    assert not moments.may_close(lapse, None, lapse.close_at + timedelta(days=400))
    assert not moments.may_close(lapse, nudged, lapse.close_at - timedelta(seconds=1))
    notice = min(timedelta(days=moments.CLOSE_NOTICE_DAYS), lapse.close_at - lapse.nudge_at)
    later = max(lapse.close_at, nudged + notice)
    assert moments.may_close(lapse, nudged, later)
    assert not moments.may_close(lapse, nudged, nudged + notice - timedelta(seconds=1))


_PEOPLE = itertools.count()


def _active_pair(bot: Bot, start: datetime, zone: str) -> tuple[Pair, Cohort]:
    """A pair of people new to this run, in a cohort of its own, active since ``start``."""
    n = next(_PEOPLE)
    mentor, mentee, name = f"UHM{n}", f"UHE{n}", f"h{n}"
    bot.clock.now = start
    bot.reply(ADMIN, f"admin cohort create {name}")
    with bot.ctx.db.transaction(write=False) as session:
        cohort = session.exec(select(Cohort).where(Cohort.name == name)).one()
    n_id = cohort.id
    for user, role in ((mentor, "mentor"), (mentee, "mentee")):
        bot.fake.add_user(user, name=user.lower(), tz=zone)
        form = enrollment.JoinForm(role=role, topics=["genai"], department=None, cohort_id=n_id)
        enrollment.enroll(bot.ctx, user, form)
    bot.reply(ADMIN, f"admin match {name}")
    assert bot.ctx.background.wait_idle()
    intro = next(m for m in bot.fake.messages_for(mentor) if ids.PAIR_ACCEPT in m.action_ids())
    for user in (mentor, mentee):
        bot.slack.block_action(user, ids.PAIR_ACCEPT, message=intro)
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction(write=False) as session:
        pair = session.exec(select(Pair).where(Pair.cohort_id == cohort.id)).one()
    assert pair.status == "active"
    return pair, cohort


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.datetimes(datetime(2026, 1, 1), datetime(2029, 12, 1), timezones=st.just(UTC)),
    zone=st.sampled_from(ZONES),
    gaps=st.lists(st.integers(1, 24 * 6), min_size=20, max_size=45),  # outages of days too
)
def test_whenever_the_passes_come_each_pulse_and_nudge_is_owed_once_and_the_close_waits(
    bot: Bot, start: datetime, zone: str, gaps: list[int]
) -> None:
    pair, cohort = _active_pair(bot, start, zone)
    assert pair.activated_at is not None and cohort.term_end is not None
    term_start = schedule.local_date(cohort.created_at, zone)
    expected = dict(
        moments.pulses(pair.activated_at, term_start, date.fromisoformat(cohort.term_end), zone)
    )
    lapse = moments.lapse(pair.activated_at, zone, cohort.nudge_days, cohort.close_days)
    passes = []
    for gap in gaps:
        bot.clock.now += timedelta(hours=gap)
        passes.append(bot.clock.now)
        plan_sessions(bot.ctx)
        outbox.dispatch(bot.ctx)
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction(write=False) as session:
        rows = session.exec(select(Notification).where(Notification.pair_id == pair.id)).all()
        ended = session.exec(select(Pair).where(Pair.id == pair.id)).one()
    pulses = [r for r in rows if r.kind == "pulse"]
    for row in pulses:
        moment = expected[str((row.args or {})["moment"])]
        assert row.due_at == moment
        if row.status == "sent":
            assert row.sent_at is not None and moment <= row.sent_at < moment + moments.STALE
    keys = [(r.user_id, (r.args or {})["moment"]) for r in pulses]
    assert len(keys) == len(set(keys))  # once per person and moment
    nudges = sorted((r for r in rows if r.kind == "lapse_nudge"), key=lambda r: r.due_at)
    assert len(nudges) in (0, 2)  # both people, one lapse
    assert all(r.due_at >= lapse.nudge_at for r in nudges)
    event(f"pair {ended.end_reason or ended.status}, {len(nudges)} nudges, {len(pulses)} pulses")
    if ended.end_reason == "term":  # the term ended first: nothing lapsed
        return
    if ended.status == "ended":
        assert ended.end_reason == "lapsed" and ended.ended_at is not None
        assert nudges and ended.ended_at >= lapse.close_at
        assert ended.ended_at - nudges[0].due_at >= timedelta(days=moments.CLOSE_NOTICE_DAYS)
    nudged = next((p for p in passes if p >= lapse.nudge_at), None)
    notice = timedelta(days=moments.CLOSE_NOTICE_DAYS)
    if nudged is not None and any(p >= max(lapse.close_at, nudged + notice) for p in passes):
        assert ended.status == "ended"  # and not left open for ever
