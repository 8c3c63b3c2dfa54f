"""A person's rights over their data: ``/mentor export`` and ``/mentor forget``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col, select

from bot.core.context import Context
from bot.core.i18n import t
from bot.delivery import outbox
from bot.enrollment.service import end_open_pair
from bot.journal import goals, reflections
from bot.reporting import hashes, releases
from storage import queries
from storage.models import Cohort, Notification, Pair, Participant, SlackUser, SurveyAnswer


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def collect(ctx: Context, user_id: str) -> dict[str, Any]:
    """Everything the bot holds about ``user_id``, as JSON-ready data."""
    with ctx.db.transaction(write=False) as session:
        messages = [
            {
                "kind": n.kind,
                "due_at": _iso(n.due_at),
                "status": n.status,
                "sent_at": _iso(n.sent_at),
            }
            for n in session.exec(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(col(Notification.id))
            )
        ]
        profile = queries.cached_user(session, user_id)
        participant = queries.participant_of(session, user_id)
        cohort = session.get(Cohort, participant.cohort_id) if participant else None
        pairs = queries.pairs_of(session, user_id)
        answers = [
            {
                "question": answer.kind,
                "moment": answer.moment or None,
                "confidence": answer.confidence,
                "score": answer.score,
                "asked_for_new_partner": answer.new_partner,
                "answered_at": _iso(answer.answered_at),
            }
            for answer in session.exec(
                select(SurveyAnswer)
                .where(SurveyAnswer.user_id == user_id)
                .order_by(col(SurveyAnswer.id))
            )
        ]
        cohort_names = {
            pair.cohort_id: (c.name if (c := session.get(Cohort, pair.cohort_id)) else None)
            for pair in pairs
        }
    return {
        "reflections": reflections.mine(ctx, user_id),
        "learning_goals": goals.mine(ctx, user_id),
        "check_ins_and_surveys": answers,
        "exported_at": ctx.clock().isoformat(),
        "slack_user_id": user_id,
        "slack_profile_cache": _profile(profile) if profile is not None else None,
        "enrollment": _enrollment(participant, cohort) if participant is not None else None,
        "pairs": [_pair(pair, user_id, cohort_names.get(pair.cohort_id)) for pair in pairs],
        "messages_to_you": messages,
    }


def _profile(profile: SlackUser) -> dict[str, Any]:
    return {
        "locale": profile.locale,
        "time_zone": profile.tz,
        "workspace_admin": profile.is_workspace_admin,
        "fetched_at": _iso(profile.fetched_at),
    }


def _enrollment(participant: Participant, cohort: Cohort | None) -> dict[str, Any]:
    return {
        "role": participant.role,
        "cohort": cohort.name if cohort else None,
        "topics": participant.topics,
        "department": participant.department,
        "preferred_weekdays": participant.weekdays,
        "preferred_time": participant.time_window,
        "status": participant.status,
        "paused_until": _iso(participant.paused_until),
        "on_waiting_list_since": _iso(participant.waiting_since),
        "joined_at": _iso(participant.joined_at),
        "updated_at": _iso(participant.updated_at),
    }


def _pair(pair: Pair, user_id: str, cohort: str | None) -> dict[str, Any]:
    return {
        "cohort": cohort,
        "your_role": "mentor" if pair.mentor_id == user_id else "mentee",
        "partner_user_id": queries.partner_id(pair, user_id),
        "status": pair.status,
        "proposed_at": _iso(pair.created_at),
        "ended_at": _iso(pair.ended_at),
    }


def export(ctx: Context, user_id: str, lang: str) -> None:
    """Send the person their data as a JSON file in a DM.

    Raises:
        slack_sdk.errors.SlackApiError: Slack refused the upload.
    """
    content = json.dumps(collect(ctx, user_id), indent=2, ensure_ascii=False).encode("utf-8")
    ctx.slack.upload_to_dm(
        user_id,
        filename="reverse-mentoring-data.json",
        content=content,
        title=t(lang, "export.title"),
        comment=t(lang, "export.comment"),
    )


def forget(ctx: Context, user_id: str) -> bool:
    """Delete every personal record of the person; their partner learns the pair ended.

    Their pairs keep only keyed hashes: no plain IDs, no group DM, no intro message. Their
    Slack profile goes from the database and from this process's memory.

    The released report figures keep their size, with placeholders for the person (see
    :func:`bot.reporting.releases.forget`).

    Returns:
        True when there was anything to delete.
    """
    now = ctx.clock()
    with ctx.db.transaction() as session:
        partner = end_open_pair(session, user_id, now, reason="forgot")
        # The group DM and intro message of each of the person's pairs: found by the
        # plain IDs, which forget_user clears.
        session.execute(
            update(Pair)
            .where(or_(col(Pair.mentor_id) == user_id, col(Pair.mentee_id) == user_id))
            .values(channel_id=None, intro_ts=None, meeting_link=None)
        )
        found = queries.forget_user(session, user_id)
        key = hashes.population_key(ctx.settings.encryption_key.get_secret_value())
        releases.forget(session, key, ctx.vault.user_key(user_id))
    ctx.people.forget(user_id)  # what this process holds in memory
    if partner:  # the partner's notice was owed in the same unit of work
        outbox.kick(ctx)
    return found
