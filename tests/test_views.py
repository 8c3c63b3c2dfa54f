"""The Block Kit builders, as pure functions: complete, within Slack's limits, never cut."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.enrollment.service import JoinOptions, Status
from bot.enrollment.views import build_forget_confirm, build_help, build_home, build_join_modal
from bot.fakeslack.blockkit import check_message, check_view
from bot.journal.goals import OpenGoal
from bot.journal.reflections import ReflectionForm, SessionRef
from bot.journal.views import (
    build_checkin_modal,
    build_goals_modal,
    build_reflection_modal,
)
from bot.sessions.views import build_reflection_prompt
from storage.models import Cohort, Pair, Participant


def _status(role: str = "mentor") -> Status:
    participant = Participant(
        user_id="U1",
        cohort_id=1,
        role=role,
        topics=["genai", "cx"],
        department="Ops",
        status="paused",
        paused_until=datetime(2027, 1, 1, tzinfo=UTC),
    )
    pair = Pair(
        cohort_id=1, mentor_id="U1", mentee_id="U2", mentor_key="a", mentee_key="b", status="active"
    )
    return Status(
        participant=participant,
        cohort=Cohort(id=1, name="board", name_key="board"),
        state="paused",
        pair=pair,
        partner_id="U2",
    )


@pytest.mark.parametrize("lang", ["en", "de"])
def test_views_fit_slacks_limits_and_nothing_is_cut(lang: str) -> None:
    cohorts = [Cohort(id=n, name=f"cohort-{n}", name_key=f"cohort-{n}") for n in (1, 2)]
    current = _status().participant
    views = {
        "join": build_join_modal(lang, JoinOptions(cohorts=cohorts, current=None)),
        "join again": build_join_modal(lang, JoinOptions(cohorts=cohorts, current=current)),
        "home": build_home(lang, "Europe/Berlin", _status()),
        "home empty": build_home(lang, None, None),
        "reflection": build_reflection_modal(
            lang,
            "Europe/Berlin",
            SessionRef(
                session_id=7,
                starts_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                previous=ReflectionForm(happened=False, learned="x" * 3000, rating=3, share=True),
            ),
        ),
        "goals": build_goals_modal(
            lang, [OpenGoal(id=n, text="g" * 300, progress=None) for n in (1, 2, 3)]
        ),
        "checkin": build_checkin_modal(
            lang, [OpenGoal(id=n, text=f"goal {n}", progress=2) for n in (1, 2)]
        ),
    }
    for name, view in views.items():
        surface = "home" if view["type"] == "home" else "modal"
        assert check_view(view, surface=surface) is None, name
        assert "…" not in json.dumps(view, ensure_ascii=False), name
    assert "…" not in json.dumps(build_forget_confirm(lang), ensure_ascii=False)
    text, blocks = build_reflection_prompt(lang, 7)
    assert check_message(text=text, blocks=blocks) is None
    assert "…" not in build_help(lang, in_program=True, is_admin=True)


def test_partner_role_comes_from_the_pair() -> None:
    home = json.dumps(build_home("en", None, _status(role="mentor")))
    assert "<@U2> (mentee)" in home
    assert "paused until Jan 1, 2027" in home


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_program_cycles_messages_and_modals_fit_slacks_limits_uncut(lang: str) -> None:
    from bot.cycle.answers import Answers, Ask
    from bot.cycle.views import build_modal, build_nudge, build_question
    from bot.sessions.topics import KEYS
    from storage.models import SurveyKind

    every = list(KEYS)  # a pair can have at most every topic of the library
    before = Answers(confidence=dict.fromkeys(every, 3), score=7, new_partner=False)
    for kind, topics, score in (
        (SurveyKind.BASELINE, every, None),
        (SurveyKind.PULSE, [], 2),
        (SurveyKind.CLOSING, every, 10),
        (SurveyKind.CLOSING, [], 0),  # a mentor's
    ):
        previous = Answers(before.confidence if topics else {}, score)
        for answered in (None, previous):
            asked = Ask(9, kind, "30d", 1, 1, "mentee", topics, answered)
            view = build_modal(lang, asked)
            assert check_view(view, surface="modal") is None, kind
            assert "…" not in json.dumps(view, ensure_ascii=False), kind
        text, blocks = build_question(lang, kind, 9)
        assert check_message(text=text, blocks=blocks) is None
    for when, session_id in (("Tuesday, December 1, 2026 at 9:00 AM", 12), (None, None)):
        text, blocks = build_nudge(lang, when, session_id)
        assert check_message(text=text, blocks=blocks) is None
