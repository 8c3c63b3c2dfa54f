"""Buttons: ``forget_confirm`` and the home tab's join button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.announcements import announce
from bot.announcements.views import announce_count, announce_n
from bot.calendar import feed as calendar_feed
from bot.calendar import sending as calendar
from bot.calendar.views import build_feed_message
from bot.core.background import log_failure
from bot.core.context import Context
from bot.core.i18n import t, tn, zone
from bot.core.people import Person
from bot.delivery import outbox
from bot.enrollment import cohorts, privacy
from bot.enrollment import service as enrollment
from bot.enrollment.views import build_home, build_join_modal
from bot.journal import goals
from bot.journal.views import build_checkin_modal
from bot.matching import consent as pairing
from bot.sessions import meeting
from bot.sessions import planning as sessions
from bot.sessions.views import build_move_modal
from bot.slack import ids
from handlers.commands import open_modal, open_reflection
from handlers.common import answer_click, count_text, services
from handlers.edge import row_id

logger = logging.getLogger(__name__)


def handle_forget_confirm(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Delete everything about the person who clicked; a second click finds nothing."""
    ack()
    ctx = services(context)
    ctx.later(forget_and_tell, ctx, body["user"]["id"], body.get("response_url"))


def forget_and_tell(ctx: Context, user_id: str, response_url: str | None) -> None:
    """Forget the person, confirm it to them, and reset their App Home tab."""
    person = ctx.people.get(user_id, remember=False)
    try:
        with ctx.db.transaction(write=False) as session:
            subscribed = calendar_feed.has_feed(session, user_id)
        found = privacy.forget(ctx, user_id)
        text = t(person.lang, "forget.done" if found else "forget.nothing")
        if subscribed:  # a calendar app keeps what it last read from the link
            text += " " + t(person.lang, "calendar.ended")
    except Exception:
        log_failure(logger, "forget")
        text = t(person.lang, "error.internal")
        found = False
    answer_click(ctx, user_id, response_url, text, replace_original=True)
    if found:  # the home tab showed their enrollment; it now shows nothing about them
        ctx.slack.publish_home(user_id, build_home(person.lang, person.tz, None))


def handle_home_join(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The home tab's join / change button opens the enrollment modal."""
    ack()
    ctx = services(context)
    person = ctx.people.get(body["user"]["id"])
    view = build_join_modal(person.lang, enrollment.join_options(ctx, person.user_id))
    ctx.later(open_modal, ctx, person, body["trigger_id"], view, None)


def handle_pair_answer(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """``pair_accept`` / ``pair_decline`` in an intro: record the answer, confirm privately."""
    ack()
    ctx = services(context)
    action = body["actions"][0]
    value = str(action.get("value", ""))
    accept = action["action_id"] == ids.PAIR_ACCEPT
    ctx.later(answer_pair, ctx, body["user"]["id"], value, accept, body.get("response_url"))


def answer_pair(
    ctx: Context, user_id: str, value: str, accept: bool, response_url: str | None
) -> None:
    """Record a yes or no and tell only the person who clicked."""
    person = ctx.people.get(user_id)
    pair_id = row_id(value)
    outcome = (
        pairing.answer(ctx, pair_id, user_id, accept=accept) if pair_id is not None else "not_yours"
    )
    text = t(person.lang, f"consent.{outcome}")
    answer_click(ctx, user_id, response_url, text)


def handle_reflect_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The reflection prompt's button opens the modal for that session."""
    ack()
    ctx = services(context)
    value = str(body["actions"][0].get("value", ""))
    person = ctx.people.get(body["user"]["id"])
    session_id = row_id(value)
    if session_id is not None:
        ctx.later(
            open_reflection, ctx, person, session_id, body["trigger_id"], body.get("response_url")
        )


def handle_session_skip(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A reminder's skip button: this one session is off; the partner is told."""
    ack()
    ctx = services(context)
    value = str(body["actions"][0].get("value", ""))
    ctx.later(skip_session, ctx, body["user"]["id"], value, body.get("response_url"))


def skip_session(ctx: Context, user_id: str, value: str, response_url: str | None) -> None:
    """Skip the session, tell the partner, and answer only the person who clicked."""
    person = ctx.people.get(user_id)
    session_id = row_id(value)
    outcome, partner, starts_at = (
        sessions.skip(ctx, session_id, user_id)
        if session_id is not None
        else ("not_yours", None, None)
    )
    if partner:
        outbox.kick(ctx)  # the partner's notice was owed with the skip
    text = t(person.lang, f"session.{outcome}")
    answer_click(ctx, user_id, response_url, text)


def handle_calendar_reset(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The calendar message's button: a new feed link, the old one ends."""
    ack()
    ctx = services(context)
    ctx.later(reset_calendar, ctx, body["user"]["id"], body.get("response_url"))


def reset_calendar(ctx: Context, user_id: str, response_url: str | None) -> None:
    """Make the new link and show it in place of the old one (or say why not)."""
    person = ctx.people.get(user_id)
    url = calendar.renew(ctx, user_id)
    if url is None:
        text, blocks = t(person.lang, "calendar.off"), None
    else:
        text, blocks = build_feed_message(person.lang, url, renewed=True)
    answer_click(ctx, user_id, response_url, text, blocks=blocks, replace_original=url is not None)


def handle_meeting_link_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The intro's or a reminder's button: the modal that sets where the pair meets."""
    ack()
    ctx = services(context)
    person = ctx.people.get(body["user"]["id"])
    value = str(body["actions"][0].get("value", ""))
    ctx.later(open_meeting_link, ctx, person, value, body["trigger_id"])


def open_meeting_link(ctx: Context, person: Person, value: str, trigger_id: str) -> None:
    """Open the modal with the current link, or say the pair is over."""
    pair_id = row_id(value)
    pair = meeting.pair_of(ctx, pair_id, person.user_id) if pair_id is not None else None
    if pair is None or pair.id is None:
        ctx.slack.post_dm(person.user_id, t(person.lang, "meeting.closed"))
        return
    view = meeting.build_modal(person.lang, pair_id=pair.id, current=pair.meeting_link)
    open_modal(ctx, person, trigger_id, view, None)


def handle_cohort_close(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """``cohort_close_confirm``: an admin ends a cohort's term now."""
    ack()
    ctx = services(context)
    value = str(body["actions"][0].get("value", ""))
    ctx.later(close_cohort, ctx, body["user"]["id"], value, body.get("response_url"))


def close_cohort(ctx: Context, user_id: str, value: str, response_url: str | None) -> None:
    """Close the cohort (once), and say how it went in place of the question."""
    person = ctx.people.get(user_id)
    cohort_id = row_id(value)
    if not person.is_admin:
        text = t(person.lang, "admin.denied")
    elif cohort_id is None or (ended := cohorts.close(ctx, cohort_id)) is None:
        text = t(person.lang, "cohort.closed_before")
    else:
        text = t(person.lang, "cohort.closed", pairs=count_text(person.lang, ended))
    answer_click(ctx, user_id, response_url, text, replace_original=True)


def handle_checkin_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The check-in prompt's button opens the progress modal for the mentee's goals."""
    ack()
    ctx = services(context)
    person = ctx.people.get(body["user"]["id"])
    ctx.later(open_checkin, ctx, person, body["trigger_id"])


def open_checkin(ctx: Context, person: Person, trigger_id: str) -> None:
    """Open the check-in modal, or say there is nothing to check in."""
    mine = goals.open_goals(ctx, person.user_id)
    if not mine:
        ctx.slack.post_dm(person.user_id, t(person.lang, "checkin.none"))
        return
    open_modal(ctx, person, trigger_id, build_checkin_modal(person.lang, mine), None)


def handle_session_move(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A reminder's move button opens the date-and-time modal, in the person's zone."""
    ack()
    ctx = services(context)
    value = str(body["actions"][0].get("value", ""))
    person = ctx.people.get(body["user"]["id"])
    ctx.later(open_move, ctx, person, value, body["trigger_id"])


def open_move(ctx: Context, person: Person, value: str, trigger_id: str) -> None:
    """Open the move modal, or say why the session cannot move."""
    session_id = row_id(value)
    starts = sessions.start_of(ctx, session_id, person.user_id) if session_id is not None else None
    if starts is None or session_id is None:
        ctx.slack.post_dm(person.user_id, t(person.lang, "session.past"))
        return
    tz = person.tz or "UTC"
    view = build_move_modal(
        person.lang, tz, session_id=session_id, local=starts.astimezone(zone(tz))
    )
    open_modal(ctx, person, trigger_id, view, None)


def handle_announce_answer(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """``announce_confirm`` / ``announce_cancel`` under the question about sending the same
    announcement twice; only its author (still an admin) decides, once."""
    ack()
    ctx = services(context)
    action = body["actions"][0]
    announcement_id = row_id(action.get("value"))
    if announcement_id is None:
        return
    ctx.later(
        decide_announcement,
        ctx,
        body["user"]["id"],
        announcement_id,
        action["action_id"] == ids.ANNOUNCE_CONFIRM,
        body.get("response_url"),
    )


def decide_announcement(
    ctx: Context, user_id: str, announcement_id: int, send: bool, response_url: str | None
) -> None:
    """Send or drop a held announcement, and replace the question with the answer."""
    person = ctx.people.get(user_id, patient=True)
    lang = person.lang
    if not person.is_admin:
        text = t(lang, "admin.denied")
    elif send:
        started = announce.confirm(ctx, announcement_id, user_id)
        text = (
            tn(
                lang,
                "announce.confirmed",
                announce_n(started.members),
                members=announce_count(lang, started.members),
            )
            if started is not None
            else t(lang, "announce.decided")
        )
    else:
        dropped = announce.cancel(ctx, announcement_id, user_id)
        text = t(lang, "announce.cancelled" if dropped else "announce.decided")
    answer_click(ctx, user_id, response_url, text, replace_original=True)


def register(app: App) -> None:
    """Register the button handlers."""
    app.action(ids.FORGET_CONFIRM)(handle_forget_confirm)
    app.action(ids.HOME_JOIN)(handle_home_join)
    app.action(ids.PAIR_ACCEPT)(handle_pair_answer)
    app.action(ids.PAIR_DECLINE)(handle_pair_answer)
    app.action(ids.REFLECT_OPEN)(handle_reflect_open)
    app.action(ids.SESSION_SKIP)(handle_session_skip)
    app.action(ids.SESSION_MOVE)(handle_session_move)
    app.action(ids.GOAL_CHECKIN_OPEN)(handle_checkin_open)
    app.action(ids.ANNOUNCE_CONFIRM)(handle_announce_answer)
    app.action(ids.ANNOUNCE_CANCEL)(handle_announce_answer)
    app.action(ids.CALENDAR_RESET)(handle_calendar_reset)
    app.action(ids.MEETING_LINK_OPEN)(handle_meeting_link_open)
    app.action(ids.COHORT_CLOSE_CONFIRM)(handle_cohort_close)
