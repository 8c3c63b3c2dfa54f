"""The program cycle's buttons and modals: ``self_assessment_open``, ``pulse_open`` and
``closing_survey_open`` open ``self_assessment``, ``pulse`` and ``closing_survey``."""

from __future__ import annotations

from logging import Logger
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core.background import log_failure
from bot.core.context import Context
from bot.core.i18n import t
from bot.core.people import Person
from bot.cycle import answers
from bot.cycle.answers import Answers, CycleError
from bot.cycle.views import QUESTIONS, build_modal
from bot.delivery import outbox
from bot.slack import ids
from bot.slack.text import clean
from handlers.commands import open_modal
from handlers.common import DIGITS, answer_click, field_of, selected, selected_many, services
from handlers.edge import row_id


def handle_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A question's button opens its modal (for its recipient, while it still fits)."""
    ack()
    ctx = services(context)
    person = ctx.people.get(body["user"]["id"])
    asked_id = row_id(str(body["actions"][0].get("value", "")))
    ctx.later(open_question, ctx, person, asked_id, body["trigger_id"], body.get("response_url"))


def open_question(
    ctx: Context, person: Person, asked_id: int | None, trigger_id: str, response_url: str | None
) -> None:
    """Open the modal, or tell the person the question is no longer open."""
    asked = answers.ask(ctx, person.user_id, asked_id) if asked_id is not None else None
    if asked is None:
        answer_click(ctx, person.user_id, response_url, t(person.lang, "cycle.gone"))
        return
    open_modal(ctx, person, trigger_id, build_modal(person.lang, asked), response_url)


def _number(value: str | None, allowed: range) -> int | None:
    if not isinstance(value, str) or not DIGITS.fullmatch(value) or int(value) not in allowed:
        return None
    return int(value)


def answers_of(values: dict[str, Any]) -> Answers:
    """Turn a program-cycle modal's ``state.values`` into :class:`Answers`.

    Raises:
        CycleError: ``cycle.too_long`` for an over-long learning.
    """
    confidence = {}
    for block_id in values:
        if isinstance(block_id, str) and block_id.startswith(ids.CONFIDENCE_PREFIX):
            number = _number(selected(values, block_id), answers.CONFIDENCE)
            if number is not None:
                confidence[block_id.removeprefix(ids.CONFIDENCE_PREFIX)] = number
    score = _number(selected(values, ids.PULSE_SCORE), answers.PULSE)
    if ids.RECOMMEND in values:
        score = _number(selected(values, ids.RECOMMEND), answers.RECOMMEND)
    raw = field_of(values, ids.SURVEY_LEARNING).get("value")
    try:
        learning = clean(raw, max_length=answers.LEARNED_MAX)
    except ValueError:
        raise CycleError("cycle.too_long") from None
    return Answers(
        confidence=confidence,
        score=score,
        new_partner="yes" in selected_many(values, ids.NEW_PARTNER),
        learning=learning,
    )


def _first_block(view: dict[str, Any]) -> str:
    """The block an error is shown at: the first input of the modal."""
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return ids.PULSE_SCORE


def handle_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, logger: Logger
) -> None:
    """Store the answer privately (a pulse's new-partner wish ends the pair); problems
    are shown in the modal."""
    ctx = services(context)
    user_id = body["user"]["id"]
    lang = "en"
    try:
        lang = ctx.people.get(user_id).lang
        asked_id = row_id(view.get("private_metadata"))
        if asked_id is None:
            raise CycleError("cycle.gone")
        answers.save(ctx, user_id, asked_id, answers_of(view["state"]["values"]))
    except CycleError as error:
        block = ids.SURVEY_LEARNING if error.key == "cycle.too_long" else _first_block(view)
        ack(
            response_action="errors",
            errors={block: t(lang, error.key, max=answers.LEARNED_MAX)},
        )
        return
    except Exception:
        log_failure(logger, "saving an answer")
        ack(response_action="errors", errors={_first_block(view): t(lang, "error.internal")})
        return
    ack()
    outbox.kick(ctx)  # the confirmation (and a partner's notice) were owed with the answer


def register(app: App) -> None:
    """Register the program cycle's buttons and modals."""
    for callback_id, action_id, _ in QUESTIONS.values():
        app.action(action_id)(handle_open)
        app.view(callback_id)(handle_submit)
