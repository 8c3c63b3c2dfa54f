"""Modal submissions: the ``join`` modal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from logging import Logger
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core.background import log_failure
from bot.core.i18n import fmt_datetime, t, zone
from bot.delivery import outbox
from bot.enrollment import service as enrollment
from bot.enrollment.service import EnrollmentError, JoinForm
from bot.journal import goals, reflections
from bot.journal.reflections import ReflectionError, ReflectionForm
from bot.sessions import meeting
from bot.sessions import planning as sessions
from bot.slack import ids
from bot.slack.text import clean
from handlers.common import DIGITS, field_of, selected, selected_many, services
from handlers.edge import row_id


def join_form(values: dict[str, Any]) -> JoinForm:
    """Turn the join modal's ``state.values`` into a :class:`JoinForm`.

    Raises:
        EnrollmentError: A field cannot be parsed (e.g. an over-long department).
    """
    department_raw = field_of(values, ids.DEPARTMENT).get("value")
    try:
        department = clean(department_raw, max_length=enrollment.DEPARTMENT_MAX)
    except ValueError:
        raise EnrollmentError({ids.DEPARTMENT: "join.error.department"}) from None
    cohort = selected(values, ids.COHORT)
    weekdays = [
        int(v) for v in selected_many(values, ids.WEEKDAYS) if v in {"0", "1", "2", "3", "4"}
    ]
    return JoinForm(
        role=selected(values, ids.ROLE),
        topics=selected_many(values, ids.TOPICS),
        department=department,
        cohort_id=int(cohort) if cohort and DIGITS.fullmatch(cohort) else None,
        weekdays=weekdays,
        time_window=selected(values, ids.TIME_WINDOW) or "any",
    )


def handle_join(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, logger: Logger
) -> None:
    """Enroll (or update) the person; field errors are shown in the modal."""
    ctx = services(context)
    user_id = body["user"]["id"]
    lang = "en"
    try:
        person = ctx.people.get(user_id)
        lang = person.lang
        result = enrollment.enroll(ctx, user_id, join_form(view["state"]["values"]))
    except EnrollmentError as error:
        ack(
            response_action="errors",
            errors={
                field: t(lang, key, max=enrollment.DEPARTMENT_MAX)
                for field, key in error.errors.items()
            },
        )
        return
    except Exception:
        log_failure(logger, "join")
        ack(response_action="errors", errors={ids.ROLE: t(lang, "error.internal")})
        return
    ack()
    if result.changed:  # the confirmation was owed with the change (bot.welcome)
        outbox.kick(ctx)


def reflection_form(values: dict[str, Any]) -> ReflectionForm:
    """Turn the reflection modal's ``state.values`` into a :class:`ReflectionForm`."""
    rating = selected(values, ids.RATING)
    learned_raw = field_of(values, ids.LEARNED).get("value")
    try:
        learned = clean(learned_raw, max_length=reflections.LEARNED_MAX)
    except ValueError:
        raise ReflectionError("reflection.too_long") from None
    return ReflectionForm(
        happened=selected(values, ids.HAPPENED) != "no",
        learned=learned,
        rating=int(rating) if rating in {"1", "2", "3", "4", "5"} else None,
        share="share" in selected_many(values, ids.SHARE),
    )


def handle_reflection(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, logger: Logger
) -> None:
    """Store a reflection privately; problems are shown in the modal."""
    ctx = services(context)
    user_id = body["user"]["id"]
    lang = "en"
    try:
        person = ctx.people.get(user_id)
        lang = person.lang
        session_id = row_id(view.get("private_metadata"))
        if session_id is None:
            raise ReflectionError("reflection.not_yours")
        # Owes the confirmation, in the same unit of work.
        reflections.save(ctx, user_id, session_id, reflection_form(view["state"]["values"]))
    except ReflectionError as error:
        block = ids.LEARNED if error.key == "reflection.too_long" else ids.HAPPENED
        ack(
            response_action="errors",
            errors={block: t(lang, error.key, max=reflections.LEARNED_MAX)},
        )
        return
    except Exception:
        log_failure(logger, "saving a reflection")
        ack(response_action="errors", errors={ids.HAPPENED: t(lang, "error.internal")})
        return
    ack()
    outbox.kick(ctx)


def handle_goals(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, logger: Logger
) -> None:
    """Save the mentee's learning goals (encrypted)."""
    ctx = services(context)
    user_id = body["user"]["id"]
    lang = "en"
    values = view["state"]["values"]
    try:
        lang = ctx.people.get(user_id).lang
        try:
            listed = json.loads(view.get("private_metadata") or "[]")
        except ValueError:
            listed = []
        shown = [
            goal_id
            for goal_id in (row_id(str(i)) for i in (listed if isinstance(listed, list) else []))
            if goal_id is not None
        ]
        texts = [
            clean(field_of(values, slot).get("value"), max_length=goals.GOAL_MAX)
            for slot in ids.GOAL_SLOTS
        ]
        goals.save(ctx, user_id, shown, texts)  # owes the confirmation
    except ValueError as error:
        key = error.key if isinstance(error, goals.GoalError) else "goals.too_long"
        ack(response_action="errors", errors={ids.GOAL_SLOTS[0]: t(lang, key, max=goals.GOAL_MAX)})
        return
    except Exception:
        log_failure(logger, "saving goals")
        ack(response_action="errors", errors={ids.GOAL_SLOTS[0]: t(lang, "error.internal")})
        return
    ack()
    outbox.kick(ctx)


def handle_checkin(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Record progress per goal and the goals reached."""
    ctx = services(context)
    user_id = body["user"]["id"]
    values = view["state"]["values"]
    progress = {}
    for block_id in values:
        goal_id = row_id(block_id[9:]) if block_id.startswith("progress_") else None
        if goal_id is not None:
            level = selected(values, block_id)
            if level in {"1", "2", "3", "4", "5"}:
                progress[goal_id] = int(level)
    done = {
        goal_id
        for goal_id in (row_id(v) for v in selected_many(values, ids.GOAL_DONE))
        if goal_id is not None
    }
    goals.check_in(ctx, user_id, progress, done)  # owes the confirmation
    ack()
    outbox.kick(ctx)


def handle_move(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, logger: Logger
) -> None:
    """Move one session to the date and time picked (in the person's zone)."""
    ctx = services(context)
    user_id = body["user"]["id"]
    person = ctx.people.get(user_id)
    values = view["state"]["values"]
    picked_date = field_of(values, ids.MOVE_DATE).get("selected_date") or ""
    picked_time = field_of(values, ids.MOVE_TIME).get("selected_time") or ""
    metadata = str(view.get("private_metadata") or "")
    try:
        local = datetime.fromisoformat(f"{picked_date}T{picked_time}")
        new_start = local.replace(tzinfo=zone(person.tz)).astimezone(UTC)
        session_id = row_id(metadata)
        if session_id is None:
            raise sessions.MoveError("session.not_yours")
        sessions.move(ctx, session_id, user_id, new_start)  # owes both their notice
    except sessions.MoveError as error:
        when = fmt_datetime(error.next_start, person.lang, person.tz) if error.next_start else ""
        ack(response_action="errors", errors={ids.MOVE_DATE: t(person.lang, error.key, when=when)})
        return
    except (ValueError, OverflowError):  # not a date and time, or one out of any range
        ack(response_action="errors", errors={ids.MOVE_DATE: t(person.lang, "move.error.past")})
        return
    ack()
    outbox.kick(ctx)


def handle_meeting_link(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Store where the pair meets (an https:// link or plain text), or show what is wrong."""
    ctx = services(context)
    user_id = body["user"]["id"]
    person = ctx.people.get(user_id)
    typed = field_of(view["state"]["values"], meeting.LINK_INPUT).get("value") or ""
    link, problem = meeting.check(str(typed))
    if problem is not None:
        ack(response_action="errors", errors={meeting.LINK_INPUT: t(person.lang, problem)})
        return
    pair_id = row_id(str(view.get("private_metadata") or ""))
    if pair_id is None or not meeting.set_link(ctx, pair_id, user_id, link):
        ack(response_action="errors", errors={meeting.LINK_INPUT: t(person.lang, "meeting.closed")})
        return
    ack()


def register(app: App) -> None:
    """Register the modal submission handlers."""
    app.view(ids.MOVE)(handle_move)
    app.view(ids.MEETING_LINK)(handle_meeting_link)
    app.view(ids.GOALS)(handle_goals)
    app.view(ids.GOAL_CHECKIN)(handle_checkin)
    app.view(ids.JOIN)(handle_join)
    app.view(ids.REFLECTION)(handle_reflection)
