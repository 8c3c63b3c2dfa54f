"""The program cycle's Block Kit: the DMs that ask (each with the button that opens its
modal) and the modals (``self_assessment``, ``pulse``, ``closing_survey``)."""

from __future__ import annotations

from typing import Any

from bot.core.i18n import t
from bot.cycle.answers import CONFIDENCE, PULSE, RECOMMEND, Answers, Ask
from bot.sessions.topics import BY_KEY
from bot.slack import ids
from bot.slack.blocks import Blocks, input_block, option, plain, section
from storage.models import LEARNED_MAX, SurveyKind

#: Per question: the modal's callback_id, the button's action_id, and the texts' prefix.
QUESTIONS = {
    SurveyKind.BASELINE: (ids.SELF_ASSESSMENT, ids.SELF_ASSESSMENT_OPEN, "self_assessment"),
    SurveyKind.PULSE: (ids.PULSE, ids.PULSE_OPEN, "pulse"),
    SurveyKind.CLOSING: (ids.CLOSING_SURVEY, ids.CLOSING_SURVEY_OPEN, "closing"),
}


def build_question(lang: str, kind: SurveyKind, row_id: int) -> tuple[str, Blocks]:
    """The private DM that asks a question, with the button that opens its modal."""
    _, action_id, prefix = QUESTIONS[kind]
    text = t(lang, f"{prefix}.prompt")
    return text, [
        section(text),
        {
            "type": "actions",
            "block_id": prefix,
            "elements": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "style": "primary",
                    "text": plain(t(lang, f"{prefix}.button")),
                    "value": str(row_id),
                }
            ],
        },
    ]


def build_nudge(lang: str, when: str | None, session_id: int | None) -> tuple[str, Blocks]:
    """The friendly nudge to a pair that has not reported a session for a while: the
    next date, with the button that moves it."""
    text = t(lang, "lapse.nudge")
    if when:
        text += "\n" + t(lang, "lapse.next", when=when)
    blocks: Blocks = [section(text)]
    if session_id is not None:
        blocks.append(
            {
                "type": "actions",
                "block_id": "lapse",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.SESSION_MOVE,
                        "text": plain(t(lang, "reminder.move")),
                        "value": str(session_id),
                    }
                ],
            }
        )
    return text, blocks


def _radios(
    action_id: str, values: range, chosen: int | None, labels: dict[int, str]
) -> dict[str, Any]:
    options = [option(labels.get(value, str(value)), str(value)) for value in values]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": action_id, "options": options}
    if chosen is not None and chosen in values:
        element["initial_option"] = options[values.index(chosen)]
    return element


def _confidence(lang: str, topics: list[str], previous: Answers | None) -> Blocks:
    labels = {1: t(lang, "confidence.1"), 5: t(lang, "confidence.5")}
    before = previous.confidence if previous else {}
    return [
        input_block(
            ids.CONFIDENCE_PREFIX + topic,
            BY_KEY[topic].label(lang),
            _radios(ids.CONFIDENCE_PREFIX + topic, CONFIDENCE, before.get(topic), labels),
        )
        for topic in topics
        if topic in BY_KEY
    ]


def build_modal(lang: str, asked: Ask) -> dict[str, Any]:
    """The modal of a question, filled with what the person answered before."""
    callback_id, _, prefix = QUESTIONS[asked.kind]
    previous = asked.previous
    blocks: Blocks = [section(t(lang, f"{prefix}.intro") + "\n" + t(lang, "cycle.private"))]
    blocks += _confidence(lang, asked.topics, previous)
    score = previous.score if previous else None
    if asked.kind == SurveyKind.PULSE:
        blocks += _pulse(lang, score)
    if asked.kind == SurveyKind.CLOSING:
        blocks += _closing(lang, score)
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": str(asked.row_id),
        "title": plain(t(lang, f"{prefix}.title"), 24),
        "submit": plain(t(lang, "cycle.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": blocks,
    }


def _pulse(lang: str, score: int | None) -> Blocks:
    blocks: Blocks = []
    labels = {1: t(lang, "pulse.1"), 5: t(lang, "pulse.5")}
    blocks.append(
        input_block(
            ids.PULSE_SCORE,
            t(lang, "pulse.question"),
            _radios(ids.PULSE_SCORE, PULSE, score, labels),
        )
    )
    wish = option(t(lang, "pulse.new_partner"), "yes")
    blocks.append(
        input_block(
            ids.NEW_PARTNER,
            t(lang, "pulse.new_partner.label"),
            {"type": "checkboxes", "action_id": ids.NEW_PARTNER, "options": [wish]},
            optional=True,
            hint=t(lang, "pulse.new_partner.hint"),
        )
    )
    return blocks


def _closing(lang: str, score: int | None) -> Blocks:
    blocks: Blocks = []
    options = [option(str(value), str(value)) for value in RECOMMEND]
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ids.RECOMMEND,
        "options": options,
        "placeholder": plain(t(lang, "closing.recommend.placeholder")),
    }
    if score is not None and score in RECOMMEND:
        select["initial_option"] = options[RECOMMEND.index(score)]
    blocks.append(
        input_block(
            ids.RECOMMEND,
            t(lang, "closing.recommend"),
            select,
            hint=t(lang, "closing.recommend.hint"),
        )
    )
    learning = {
        "type": "plain_text_input",
        "action_id": ids.SURVEY_LEARNING,
        "multiline": True,
        "max_length": LEARNED_MAX,
    }
    blocks.append(
        input_block(
            ids.SURVEY_LEARNING,
            t(lang, "closing.learning"),
            learning,
            optional=True,
            hint=t(lang, "closing.learning.hint"),
        )
    )
    return blocks
