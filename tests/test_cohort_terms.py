"""A cohort's term: six months unless ``until`` says otherwise, and the admin's list of
cohorts with their terms and counts (no names; groups of 1 to 4 read "fewer than 5")."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from storage.models import Cohort
from storage.queries import six_months_after
from tests.harness import ADMIN, Bot, match_and_accept


def cohorts(bot: Bot) -> dict[str, Cohort]:
    with bot.ctx.db.transaction(write=False) as session:
        return {c.name: c for c in session.exec(select(Cohort))}


def test_a_cohort_runs_six_months_unless_until_says_otherwise(bot: Bot) -> None:
    bot.clock.now = datetime(2026, 8, 31, 9, tzinfo=UTC)
    answer = bot.reply(ADMIN, "admin cohort create board <#C0BOARD01|board> monthly")
    assert "Feb 28, 2027" in answer  # English (Babel's "en")
    answer = bot.reply(ADMIN, "admin cohort create sales until 2027-06-30")
    assert "Jun 30, 2027" in answer
    made = cohorts(bot)
    assert (made["board"].term_end, made["sales"].term_end) == ("2027-02-28", "2027-06-30")


def test_a_term_that_cannot_be_is_refused_in_one_line_and_nothing_is_made(bot: Bot) -> None:
    bot.clock.now = datetime(2026, 8, 31, 9, tzinfo=UTC)
    for bad in ("2026-08-31", "2026-02-30", "next-year", "2030-01-01", ""):
        answer = bot.reply(ADMIN, f"admin cohort create board until {bad}".strip())
        assert "2027-06-30" in answer and "\n" not in answer, answer
    assert cohorts(bot) == {}


def test_the_cohort_list_shows_terms_and_counts_never_a_small_group_or_a_name(
    bot: Bot,
) -> None:
    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    bot.reply(ADMIN, "admin cohort create big until 2027-03-31")
    bot.reply(ADMIN, "admin cohort create small")
    for n in range(6):
        bot.fake.add_user(f"UB{n}", name=f"big{n}", tz="Europe/Berlin")
        bot.join(f"UB{n}", role="mentee", topics=["genai"], cohort=_id(bot, "big"))
    bot.join("UEN", role="mentor", topics=["genai"], cohort=_id(bot, "small"))
    listed = bot.reply(ADMIN, "admin cohort list")
    big, small = (line for line in listed.splitlines() if line.startswith("•"))
    assert "*big*" in big and "Mar 31, 2027" in big and "6 active" in big
    assert "*small*" in small and "fewer than 5 active" in small and "1 active" not in small
    assert "UB" not in listed and "UEN" not in listed and "erin" not in listed
    assert "admin" in bot.reply("UEN", "admin cohort list").lower()  # not for everyone


def _id(bot: Bot, name: str) -> str:
    return str(cohorts(bot)[name].id)


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_six_months_after_is_the_same_day_or_the_months_last(day: date) -> None:
    later = six_months_after(day)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == 6
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)


def test_an_admin_edits_a_cohorts_channel_cadence_term_and_lapse_limits(bot: Bot) -> None:
    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    bot.reply(ADMIN, "admin cohort create board")
    answer = bot.reply(
        ADMIN,
        "admin cohort edit BOARD weekly <#C0BOARD01|board> until 2027-09-30 nudge 30 close 60",
    )
    assert "every week" in answer and "Sep 30, 2027" in answer and "30 days" in answer
    board = cohorts(bot)["board"]
    assert (board.cadence, board.channel_id, board.term_end) == (
        "weekly",
        "C0BOARD01",
        "2027-09-30",
    )
    assert (board.nudge_days, board.close_days) == (30, 60)
    # Refused in one line, and nothing changes.
    for bad, says in (
        ("admin cohort edit board nudge 70", "nudge less than close"),  # 70 ≥ close 60
        ("admin cohort edit board close 0", "1 to 365"),
        ("admin cohort edit board until 2026-11-30", "after today"),
        ("admin cohort edit board sometimes", "I don't understand"),
        ("admin cohort edit nosuch weekly", "no cohort named"),
        ("admin cohort edit board", "Usage"),
    ):
        assert says in bot.reply(ADMIN, bad), bad
    assert cohorts(bot)["board"] == board


def test_a_new_cadence_applies_from_the_next_session_still_to_be_planned(bot: Bot) -> None:
    from storage.models import MentoringSession

    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    bot.reply(ADMIN, "admin cohort create board biweekly")
    bot.join("UEN", role="mentor", topics=["genai"], weekdays=["1"])
    bot.join("UDE", role="mentee", topics=["genai"], weekdays=["1"])
    match_and_accept(bot)
    bot.reply(ADMIN, "admin cohort edit board weekly")
    from bot.sessions import planning

    with bot.ctx.db.transaction(write=False) as session:
        planned = [s.starts_at for s in session.exec(select(MentoringSession))]
    bot.clock.now = planned[0] + timedelta(hours=1)
    planning.plan(bot.ctx)
    with bot.ctx.db.transaction(write=False) as session:
        now_planned = sorted(s.starts_at for s in session.exec(select(MentoringSession)))
    assert now_planned[:3] == sorted(planned)  # what was planned stays
    assert now_planned[3] - now_planned[2] == timedelta(weeks=1)  # then every week


def _active_pair(bot: Bot, cohort: str = "") -> None:

    extra = {"cohort": _id(bot, cohort)} if cohort else {}
    bot.join("UEN", role="mentor", topics=["genai"], **extra)
    bot.join("UDE", role="mentee", topics=["genai"], **extra)
    match_and_accept(bot)


def test_closing_a_cohort_asks_first_then_thanks_each_pair_and_cancels_what_is_left(
    bot: Bot,
) -> None:
    from bot.delivery import outbox
    from bot.slack import ids
    from storage.models import MentoringSession, Pair

    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    bot.reply(ADMIN, "admin cohort create board")
    _active_pair(bot)
    response = bot.command(ADMIN, "admin cohort close board")
    [button] = [
        e
        for b in response.json()["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == ids.COHORT_CLOSE_CONFIRM
    ]
    with bot.ctx.db.transaction(write=False) as session:
        assert session.exec(select(Pair)).one().status == "active"  # only asked so far
    assert "admin" in bot.reply("UEN", "admin cohort close board").lower()  # not for everyone
    bot.slack.block_action("UEN", ids.COHORT_CLOSE_CONFIRM, value=button["value"])
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction(write=False) as session:
        assert session.exec(select(Pair)).one().status == "active"  # a non-admin's click
    bot.slack.block_action(ADMIN, ids.COHORT_CLOSE_CONFIRM, value=button["value"])
    bot.slack.block_action(ADMIN, ids.COHORT_CLOSE_CONFIRM, value=button["value"])  # twice
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    with bot.ctx.db.transaction(write=False) as session:
        pair = session.exec(select(Pair)).one()
        left = session.exec(select(MentoringSession)).all()
        board = session.exec(select(Cohort)).one()
    assert (pair.status, pair.end_reason) == ("ended", "term")
    assert left and all(s.status == "cancelled" for s in left)
    assert (board.is_open, board.term_end) == (False, "2026-12-01")
    for user, words in (
        ("UEN", "thank you for taking part"),
        ("UDE", "Danke, dass du dabei warst"),
    ):
        thanked = [m for m in bot.fake.messages_for(user) if words in m.text]
        assert len(thanked) == 1, user  # once, though the button was pressed twice
    assert "closed already" in bot.reply(ADMIN, "admin cohort close board")


def test_a_term_ends_by_itself_the_day_after_its_last_day_once(bot: Bot) -> None:
    from bot.app.scheduler import plan_sessions
    from bot.delivery import outbox
    from storage.models import Pair

    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    bot.reply(ADMIN, "admin cohort create board until 2026-12-20")
    _active_pair(bot)
    bot.clock.now = datetime(2026, 12, 20, 23, tzinfo=UTC)  # its last day
    plan_sessions(bot.ctx)
    with bot.ctx.db.transaction(write=False) as session:
        assert session.exec(select(Pair)).one().status == "active"
    bot.clock.now = datetime(2026, 12, 21, 0, 30, tzinfo=UTC)
    plan_sessions(bot.ctx)
    plan_sessions(bot.ctx)  # the next hourly pass: nothing more
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    with bot.ctx.db.transaction(write=False) as session:
        assert session.exec(select(Pair)).one().end_reason == "term"

    def thanked() -> list[object]:
        return [m for m in bot.fake.messages_for("UEN") if "thank you for taking part" in m.text]

    assert thanked() == []  # 1:30 at night in Berlin, the mentee's zone: in the morning
    bot.clock.now = datetime(2026, 12, 21, 9, tzinfo=UTC)
    plan_sessions(bot.ctx)
    outbox.dispatch(bot.ctx)
    assert len(thanked()) == 1


def test_after_the_only_cohort_closed_joining_says_no_cohort_is_open(bot: Bot) -> None:
    from bot.slack import ids

    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    bot.join("UEN", role="mentor", topics=["genai"])  # makes "general"
    response = bot.command(ADMIN, "admin cohort close general")
    [button] = [
        e
        for b in response.json()["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == ids.COHORT_CLOSE_CONFIRM
    ]
    bot.slack.block_action(ADMIN, ids.COHORT_CLOSE_CONFIRM, value=button["value"])
    assert bot.ctx.background.wait_idle()
    refused = bot.join("UDE", role="mentee", topics=["genai"])
    assert "Kohorte" in refused.json()["errors"]["role"]  # in the modal, in German
    bot.reply(ADMIN, "admin cohort create spring")
    assert bot.join("UDE", role="mentee", topics=["genai"]).status == 200
    with bot.ctx.db.transaction(write=False) as session:
        from storage.models import Participant

        joined = session.exec(select(Participant).where(Participant.user_id == "UDE")).one()
    assert joined.cohort_id == int(_id(bot, "spring"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.datetimes(datetime(2026, 1, 1), datetime(2029, 12, 1), timezones=st.just(UTC)),
    days=st.integers(1, 40),
    gaps=st.lists(st.integers(1, 24 * 5), min_size=1, max_size=40),  # outages of days too
)
def test_a_term_ends_at_the_first_pass_after_its_last_day_whenever_passes_come(
    bot: Bot, start: datetime, days: int, gaps: list[int]
) -> None:
    from bot.enrollment import cohorts as cohort_service

    name = f"c{next(_NAMES)}"
    bot.clock.now = start
    last_day = (start + timedelta(days=days)).date()
    bot.reply(ADMIN, f"admin cohort create {name} until {last_day.isoformat()}")
    for gap in gaps:
        bot.clock.now += timedelta(hours=gap)
        cohort_service.end_terms(bot.ctx)
        cohort = cohort_service.find(bot.ctx, name)
        assert cohort is not None
        assert cohort.is_open == (bot.clock.now.date() <= last_day)
        assert cohort.term_end == last_day.isoformat()  # closed by its term, not moved


_NAMES = itertools.count()
