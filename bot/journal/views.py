"""Block Kit builders of journal: pure functions from plain data to Slack messages and modals."""

from __future__ import annotations

import json
from typing import Any

from bot.core.i18n import fmt_datetime, t
from bot.journal.goals import GOAL_MAX, OpenGoal
from bot.journal.reflections import LEARNED_MAX, SessionRef
from bot.slack import ids
from bot.slack.blocks import Blocks, input_block, option, plain, section


def build_reflection_modal(lang: str, tz: str | None, ref: SessionRef) -> dict[str, Any]:
    """The private reflection modal (callback_id ``reflection``) for one session."""
    previous = ref.previous
    yes = option(t(lang, "reflection.happened.yes"), "yes")
    no = option(t(lang, "reflection.happened.no"), "no")
    happened: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": ids.HAPPENED,
        "options": [yes, no],
        "initial_option": no if previous and not previous.happened else yes,
    }
    learned: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.LEARNED,
        "multiline": True,
        "max_length": LEARNED_MAX,
    }
    if previous and previous.learned:
        learned["initial_value"] = previous.learned
    ratings = [option(str(n), str(n)) for n in range(1, 6)]
    rating: dict[str, Any] = {"type": "radio_buttons", "action_id": ids.RATING, "options": ratings}
    if previous and previous.rating:
        rating["initial_option"] = ratings[previous.rating - 1]
    share_option = option(t(lang, "reflection.share.option"), "share")
    share: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": ids.SHARE,
        "options": [share_option],
    }
    if previous and previous.share:
        share["initial_options"] = [share_option]
    when = fmt_datetime(ref.starts_at, lang, tz)
    return {
        "type": "modal",
        "callback_id": ids.REFLECTION,
        "private_metadata": str(ref.session_id),
        "title": plain(t(lang, "reflection.title"), 24),
        "submit": plain(t(lang, "reflection.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": [
            section(
                "*" + t(lang, "reflection.when", when=when) + "*\n" + t(lang, "reflection.intro")
            ),
            input_block(ids.HAPPENED, t(lang, "reflection.happened"), happened),
            input_block(ids.LEARNED, t(lang, "reflection.learned"), learned, optional=True),
            input_block(ids.RATING, t(lang, "reflection.rating"), rating, optional=True),
            input_block(
                ids.SHARE,
                t(lang, "reflection.share"),
                share,
                optional=True,
                hint=t(lang, "reflection.share.hint"),
            ),
        ],
    }


def build_goals_modal(lang: str, goals: list[OpenGoal]) -> dict[str, Any]:
    """The mentee's learning goals (callback_id ``goals``), pre-filled, up to three."""
    blocks: Blocks = [section(t(lang, "goals.intro"))]
    for index, block_id in enumerate(ids.GOAL_SLOTS):
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": block_id,
            "max_length": GOAL_MAX,
            "placeholder": plain(t(lang, "goals.placeholder"), 150),
        }
        if index < len(goals):
            element["initial_value"] = goals[index].text
        blocks.append(
            input_block(block_id, t(lang, "goals.slot", n=index + 1), element, optional=True)
        )
    return {
        "type": "modal",
        "callback_id": ids.GOALS,
        "private_metadata": json.dumps([g.id for g in goals[: len(ids.GOAL_SLOTS)]]),
        "title": plain(t(lang, "goals.title"), 24),
        "submit": plain(t(lang, "reflection.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": blocks,
    }


def build_checkin_modal(lang: str, goals: list[OpenGoal]) -> dict[str, Any]:
    """Progress 1–5 per open goal, and which were reached (callback_id ``goal_checkin``)."""
    blocks: Blocks = []
    for goal in goals[:20]:
        levels = [option(str(n), str(n)) for n in range(1, 6)]
        select: dict[str, Any] = {
            "type": "static_select",
            "action_id": f"progress_{goal.id}",
            "options": levels,
        }
        if goal.progress:
            select["initial_option"] = levels[goal.progress - 1]
        blocks.append(input_block(f"progress_{goal.id}", goal.text, select, optional=True))
    blocks.append(
        input_block(
            ids.GOAL_DONE,
            t(lang, "checkin.done"),
            {
                "type": "checkboxes",
                "action_id": ids.GOAL_DONE,
                "options": [option(goal.text, str(goal.id)) for goal in goals[:10]],
            },
            optional=True,
        )
    )
    return {
        "type": "modal",
        "callback_id": ids.GOAL_CHECKIN,
        "title": plain(t(lang, "checkin.title"), 24),
        "submit": plain(t(lang, "reflection.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": blocks,
    }
