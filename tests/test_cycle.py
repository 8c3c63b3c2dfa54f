"""The program cycle through the real app and the Slack stand-in: the mentee's
self-assessment when a pair becomes active, the pulses, the closing survey when the term
ends, and lapsed pairs nudged and then closed; every answer private to its author."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app.scheduler import plan_sessions
from bot.core.i18n import t
from bot.delivery import outbox
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.records import Message
from bot.slack import ids
from storage.models import BestPractice, Pair, Participant, Reflection, SurveyAnswer
from tests.harness import ADMIN, SIGNING_SECRET, Bot, match_and_accept

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _pair(bot: Bot, until: str = "") -> Pair:
    """UEN (mentor, New York) and UDE (mentee, Berlin), active since START."""
    bot.clock.now = START
    bot.reply(ADMIN, f"admin cohort create board {until}".strip())
    bot.join("UEN", role="mentor", topics=["genai", "data", "cx"])
    bot.join("UDE", role="mentee", topics=["genai", "data", "security"])
    match_and_accept(bot)
    _settle(bot)
    with bot.ctx.db.transaction(write=False) as session:
        return session.exec(select(Pair)).one()


def _settle(bot: Bot) -> None:
    assert bot.ctx.background.wait_idle()
    outbox.dispatch(bot.ctx)
    assert bot.ctx.background.wait_idle()


def _asking(bot: Bot, user: str, action_id: str) -> list[Message]:
    return [m for m in bot.fake.messages_for(user) if action_id in m.action_ids()]


def _open(bot: Bot, user: str, message: Message, action_id: str) -> dict[str, Any] | None:
    before = len(bot.fake.opened_views(user))
    bot.slack.block_action(user, action_id, message=message)
    assert bot.ctx.background.wait_idle()
    views = bot.fake.opened_views(user)
    return views[-1] if len(views) > before else None


def _answers(bot: Bot) -> list[SurveyAnswer]:
    with bot.ctx.db.transaction(write=False) as session:
        return list(session.exec(select(SurveyAnswer)))


def _texts(bot: Bot, user: str) -> list[str]:
    return [m.text for m in bot.fake.messages_for(user)]


def test_only_the_mentee_rates_their_confidence_in_the_pairs_topics_privately(bot: Bot) -> None:
    _pair(bot)
    assert _asking(bot, "UEN", ids.SELF_ASSESSMENT_OPEN) == []
    [asked] = _asking(bot, "UDE", ids.SELF_ASSESSMENT_OPEN)
    assert "nur du" in asked.text.lower()  # German for the German mentee
    # Someone else pressing the mentee's button gets no modal, only a one-liner.
    assert _open(bot, "UEN", asked, ids.SELF_ASSESSMENT_OPEN) is None
    assert _texts(bot, "UEN")[-1] == t("en", "cycle.gone")
    view = _open(bot, "UDE", asked, ids.SELF_ASSESSMENT_OPEN)
    assert view is not None and view["callback_id"] == ids.SELF_ASSESSMENT
    rated = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert rated == ["confidence_genai", "confidence_data"]  # the topics both share
    mentor_saw = _texts(bot, "UEN")
    response = bot.slack.submit("UDE", view, {"confidence_genai": "2", "confidence_data": "4"})
    assert response.status == 200 and not response.body
    _settle(bot)
    [answer] = _answers(bot)
    assert (answer.kind, answer.user_id, answer.confidence) == (
        "baseline",
        "UDE",
        {"data": 4, "genai": 2},
    )
    assert _texts(bot, "UDE")[-1] == t("de", "cycle.saved")
    assert _texts(bot, "UEN") == mentor_saw  # the partner learns nothing
    # Answering again replaces the answer, and the modal shows what was said.
    again = _open(bot, "UDE", asked, ids.SELF_ASSESSMENT_OPEN)
    assert again is not None
    shown = {
        b["block_id"]: b["element"]["initial_option"]["value"]
        for b in again["blocks"]
        if b["type"] == "input"
    }
    assert shown == {"confidence_genai": "2", "confidence_data": "4"}
    bot.slack.submit("UDE", again, {"confidence_genai": "3", "confidence_data": "4"})
    assert [a.confidence for a in _answers(bot)] == [{"data": 4, "genai": 3}]


def test_a_forged_or_impossible_answer_is_refused_in_the_modal_and_nothing_is_stored(
    bot: Bot,
) -> None:
    _pair(bot)
    [asked] = _asking(bot, "UDE", ids.SELF_ASSESSMENT_OPEN)
    view = _open(bot, "UDE", asked, ids.SELF_ASSESSMENT_OPEN)
    assert view is not None
    values = bot.slack.state_from(view, {"confidence_genai": "2", "confidence_data": "4"})
    values["confidence_security"] = {  # a topic the pair does not have
        "confidence_security": {"type": "radio_buttons", "selected_option": {"value": "5"}}
    }
    refused = bot.slack.view_submission("UDE", view, values)
    assert refused.json()["response_action"] == "errors"
    for extra in ({ids.NEW_PARTNER: ["yes"]}, {ids.SURVEY_LEARNING: "Slides are out."}):
        block, answer = next(iter(extra.items()))
        element: dict[str, Any] = (
            {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
            if block == ids.NEW_PARTNER
            else {"type": "plain_text_input", "value": answer}
        )
        values = bot.slack.state_from(view, {"confidence_genai": "2", "confidence_data": "4"})
        values[block] = {block: element}  # a field the self-assessment does not have
        refused = bot.slack.view_submission("UDE", view, values)
        assert refused.json()["response_action"] == "errors", block
    with bot.ctx.db.transaction(write=False) as session:
        assert session.exec(select(Pair)).one().status == "active"
        assert session.exec(select(BestPractice)).all() == []
    forged = dict(view, private_metadata="999999")
    values = bot.slack.state_from(view, {"confidence_genai": "2", "confidence_data": "4"})
    refused = bot.slack.view_submission("UDE", forged, values)
    assert t("de", "cycle.gone") in json.dumps(refused.json(), ensure_ascii=False)
    assert _answers(bot) == []


@pytest.mark.parametrize("transport", ["in-process", "http"])
def test_a_pulse_comes_30_days_in_once_to_each_and_a_new_partner_wish_ends_the_pair_quietly(
    bot: Bot, transport: str
) -> None:
    _pair(bot)
    if transport == "http":  # the clicks and the modal through the bot's HTTP server
        bot.slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, bot.fake)
    bot.clock.now = datetime(2026, 12, 31, 8, 30, tzinfo=UTC)  # 9:30 in Berlin: not yet
    plan_sessions(bot.ctx)
    _settle(bot)
    assert _asking(bot, "UEN", ids.PULSE_OPEN) == []
    bot.clock.now = datetime(2026, 12, 31, 9, 30, tzinfo=UTC)  # 10:30 in Berlin, day 30
    for _ in range(2):  # two hourly passes, one pulse
        plan_sessions(bot.ctx)
        _settle(bot)
        bot.clock.now += timedelta(hours=1)
    [mentor_pulse] = _asking(bot, "UEN", ids.PULSE_OPEN)
    [mentee_pulse] = _asking(bot, "UDE", ids.PULSE_OPEN)
    view = _open(bot, "UDE", mentee_pulse, ids.PULSE_OPEN)
    assert view is not None and view["callback_id"] == ids.PULSE
    mentor_saw = len(_texts(bot, "UEN"))
    bot.slack.submit("UDE", view, {ids.PULSE_SCORE: "2", ids.NEW_PARTNER: ["yes"]})
    _settle(bot)
    with bot.ctx.db.transaction(write=False) as session:
        ended = session.exec(select(Pair)).one()
    assert (ended.status, ended.end_reason) == ("ended", "rematch")
    told = _texts(bot, "UEN")[mentor_saw:]
    assert told == [t("en", "pair.ended")]  # no reason, no name, no score
    assert _texts(bot, "UDE")[-1] == t("de", "cycle.rematched")
    [answer] = _answers(bot)
    assert (answer.kind, answer.moment, answer.score, answer.new_partner) == (
        "pulse",
        "30d",
        2,
        True,
    )
    # The mentor's pulse no longer fits the ended pair.
    assert _open(bot, "UEN", mentor_pulse, ids.PULSE_OPEN) is None
    # Both are back in the pool, and are never paired again.
    bot.reply(ADMIN, "admin match")
    _settle(bot)
    with bot.ctx.db.transaction(write=False) as session:
        assert len(session.exec(select(Pair)).all()) == 1
        waiting = session.exec(select(Participant).where(Participant.status == "active")).all()
    assert {p.user_id for p in waiting} == {"UEN", "UDE"}


def test_the_term_end_thanks_each_person_once_with_a_survey_whose_learning_is_anonymous(
    bot: Bot,
) -> None:
    _pair(bot, until="until 2026-12-20")
    [asked] = _asking(bot, "UDE", ids.SELF_ASSESSMENT_OPEN)
    view = _open(bot, "UDE", asked, ids.SELF_ASSESSMENT_OPEN)
    assert view is not None
    bot.slack.submit("UDE", view, {"confidence_genai": "2", "confidence_data": "3"})
    bot.clock.now = datetime(2026, 12, 21, 0, 30, tzinfo=UTC)
    for _ in range(9):  # the passes of the night, to 9:30 in Berlin: nobody is woken
        plan_sessions(bot.ctx)
        _settle(bot)
        assert _asking(bot, "UEN", ids.CLOSING_SURVEY_OPEN) == []
        bot.clock.now += timedelta(hours=1)
    plan_sessions(bot.ctx)  # 10:30 in Berlin, the mentee's zone
    _settle(bot)
    [mentor_survey] = _asking(bot, "UEN", ids.CLOSING_SURVEY_OPEN)
    [mentee_survey] = _asking(bot, "UDE", ids.CLOSING_SURVEY_OPEN)
    assert "thank you for taking part" in mentor_survey.text
    mentee_view = _open(bot, "UDE", mentee_survey, ids.CLOSING_SURVEY_OPEN)
    mentor_view = _open(bot, "UEN", mentor_survey, ids.CLOSING_SURVEY_OPEN)
    assert mentee_view is not None and mentor_view is not None
    inputs = [b["block_id"] for b in mentee_view["blocks"] if b["type"] == "input"]
    assert inputs == ["confidence_genai", "confidence_data", ids.RECOMMEND, ids.SURVEY_LEARNING]
    inputs = [b["block_id"] for b in mentor_view["blocks"] if b["type"] == "input"]
    assert inputs == [ids.RECOMMEND, ids.SURVEY_LEARNING]  # a mentor rates no confidence
    bot.slack.submit(
        "UDE", mentee_view, {"confidence_genai": "4", "confidence_data": "4", ids.RECOMMEND: "9"}
    )
    learning = "Ask for a live demo instead of slides."
    for _ in range(2):  # sent twice: the learning is shared once
        bot.slack.submit("UEN", mentor_view, {ids.RECOMMEND: "10", ids.SURVEY_LEARNING: learning})
    _settle(bot)
    by_person = {(a.user_id, a.kind): a for a in _answers(bot)}
    assert by_person["UDE", "closing"].confidence == {"data": 4, "genai": 4}
    assert (by_person["UDE", "closing"].score, by_person["UEN", "closing"].score) == (9, 10)
    with bot.ctx.db.transaction(write=False) as session:
        [shared] = session.exec(select(BestPractice)).all()
    assert shared.author and shared.author != "UEN" and learning not in shared.text  # sealed
    assert bot.ctx.vault.decrypt(shared.text) == learning
    assert t("en", "cycle.shared") in _texts(bot, "UEN")


def test_my_answers_are_in_my_export_and_gone_after_forget(bot: Bot) -> None:
    _pair(bot)
    [asked] = _asking(bot, "UDE", ids.SELF_ASSESSMENT_OPEN)
    view = _open(bot, "UDE", asked, ids.SELF_ASSESSMENT_OPEN)
    assert view is not None
    bot.slack.submit("UDE", view, {"confidence_genai": "1", "confidence_data": "5"})
    from bot.enrollment import privacy

    exported = privacy.collect(bot.ctx, "UDE")["check_ins_and_surveys"]
    assert [(a["question"], a["confidence"]) for a in exported] == [
        ("baseline", {"data": 5, "genai": 1})
    ]
    assert privacy.collect(bot.ctx, "UEN")["check_ins_and_surveys"] == []
    privacy.forget(bot.ctx, "UDE")
    assert _answers(bot) == []


def _day(bot: Bot, day: int) -> None:
    """The hourly pass and the outbox on day ``day`` after START, at 10:30 in Berlin."""
    bot.clock.now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC) + timedelta(days=day)
    plan_sessions(bot.ctx)
    _settle(bot)


def _nudges(bot: Bot, user: str) -> list[Message]:
    nudge = t("en" if user == "UEN" else "de", "lapse.nudge")
    return [m for m in bot.fake.messages_for(user) if m.text.startswith(nudge)]


def test_a_pair_that_reports_no_session_is_nudged_at_45_days_and_closed_at_90(bot: Bot) -> None:
    _pair(bot)
    for day in range(1, 45):
        _day(bot, day)
    assert _nudges(bot, "UEN") == [] and _nudges(bot, "UDE") == []
    _day(bot, 45)
    [nudge] = _nudges(bot, "UEN")
    assert "Your next session" in nudge.text and ids.SESSION_MOVE in nudge.action_ids()
    assert len(_nudges(bot, "UDE")) == 1
    for day in range(46, 90):
        _day(bot, day)
    with bot.ctx.db.transaction(write=False) as session:
        assert session.exec(select(Pair)).one().status == "active"
    _day(bot, 90)
    _day(bot, 91)
    with bot.ctx.db.transaction(write=False) as session:
        closed = session.exec(select(Pair)).one()
    assert (closed.status, closed.end_reason) == ("ended", "lapsed")
    assert _texts(bot, "UEN").count(t("en", "pair.lapsed")) == 1
    assert _texts(bot, "UDE").count(t("de", "pair.lapsed")) == 1
    assert len(_nudges(bot, "UEN")) == 1  # one nudge for the whole lapse


def test_resume_without_a_pause_does_not_start_the_count_again(bot: Bot) -> None:
    _pair(bot)
    _day(bot, 44)
    assert "not paused" in bot.reply("UEN", "resume")
    _day(bot, 45)
    assert len(_nudges(bot, "UEN")) == 1


def test_a_session_reported_held_just_before_the_close_keeps_the_pair(bot: Bot) -> None:
    from bot.cycle import prompts
    from storage.models import MentoringSession

    pair = _pair(bot)
    for day in (45, 60, 75, 89):
        _day(bot, day)
    with bot.ctx.db.transaction() as session:  # reported between the pass's read and close
        first = session.exec(select(MentoringSession)).first()
        assert first is not None and first.id is not None
        session.add(Reflection(session_id=first.id, user_id="UDE", happened=True))
    bot.clock.now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC) + timedelta(days=90)
    assert pair.id is not None and not prompts._close(bot.ctx, pair.id, bot.clock.now)
    with bot.ctx.db.transaction(write=False) as session:
        assert session.exec(select(Pair)).one().status == "active"


def test_a_session_reported_held_starts_the_count_again(bot: Bot) -> None:
    from storage.models import MentoringSession

    pair = _pair(bot)
    with bot.ctx.db.transaction(write=False) as session:
        first = session.exec(
            select(MentoringSession).where(MentoringSession.pair_id == pair.id)
        ).first()
    assert first is not None and first.id is not None
    with bot.ctx.db.transaction() as session:
        session.add(Reflection(session_id=first.id, user_id="UEN", happened=True))
    held_day = (first.starts_at - START).days
    for day in range(1, held_day + 45):
        _day(bot, day)
    assert _nudges(bot, "UEN") == []  # 45 days after the start, but not after the session
    _day(bot, held_day + 46)
    assert len(_nudges(bot, "UEN")) == 1


def test_no_session_is_planned_after_the_terms_last_day(bot: Bot) -> None:
    from bot.sessions import planning
    from storage.models import Cohort, MentoringSession

    _pair(bot, until="until 2027-01-20")
    for day in range(0, 60, 3):
        bot.clock.now = START + timedelta(days=day)
        planning.plan(bot.ctx)
    with bot.ctx.db.transaction(write=False) as session:
        planned = session.exec(select(MentoringSession)).all()
        cohort = session.exec(select(Cohort)).one()
    assert cohort.created_at == START  # the term starts on the bot's clock
    last = max(s.starts_at for s in planned if s.status == "scheduled")
    assert last.astimezone(ZoneInfo("Europe/Berlin")).date() <= date(2027, 1, 20)
    assert last > datetime(2027, 1, 5, tzinfo=UTC)  # and the term's sessions all are
