"""The confirmation a person is owed after joining or changing their enrollment.

:func:`bot.enrollment.enroll` owes it as an ``enrolled`` outbox row in the same unit of
work as the change, so a restart right after the join modal was answered loses nothing.
Each change owes its own confirmation ("you joined", "your enrollment is updated"), which
shows the enrollment as it is at send time; after a leave it is not sent. After the
DM, the person's App Home tab is refreshed (a view, not a message: a failure there is
logged and does not repeat the DM).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.context import Context
from bot.delivery import outbox
from bot.enrollment import service as enrollment
from bot.enrollment.views import build_home, build_join_done
from storage.models import Notification, ParticipantStatus

logger = logging.getLogger(__name__)


def send_enrolled(ctx: Context, row: Notification, now: datetime) -> outbox.Outcome:
    """DM the confirmation of the enrollment as it stands, then refresh the home tab."""
    args = row.args or {}
    if row.user_id is None:
        return outbox.Skipped()
    status = enrollment.status(ctx, row.user_id)
    if status is None or status.participant.status == ParticipantStatus.LEFT.value:
        return outbox.Skipped()
    person = ctx.people.get(row.user_id, patient=True)
    ctx.slack.post_dm(
        row.user_id,
        build_join_done(
            person.lang,
            role=status.participant.role,
            cohort=status.cohort,
            topics=status.participant.topics,
            created=bool(args.get("created")),
        ),
    )
    try:
        ctx.slack.publish_home(row.user_id, build_home(person.lang, person.tz, status))
    except Exception:
        logger.exception("home tab of %s not refreshed after joining", row.user_id)
    return outbox.Sent()


ENROLLED = outbox.Kind.per_row("enrolled", send_enrolled)
