"""The ``/mentor`` slash command and its subcommands.

Each subcommand answers Slack at once (an ephemeral reply, or an empty ack when a modal
or a file follows) and leaves every further Slack call to the background, so a slow or
rate-limited Slack never makes the command time out.
"""

from __future__ import annotations

import logging
import re
from logging import Logger
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.announcements import announce
from bot.announcements.views import (
    announce_count,
    announce_n,
    build_announce_held,
    describe_audience,
)
from bot.calendar import sending as calendar
from bot.core.background import log_failure
from bot.core.context import Context
from bot.core.i18n import fmt_date, t, tn
from bot.core.people import Person
from bot.enrollment import privacy
from bot.enrollment import service as enrollment
from bot.enrollment.views import (
    build_admin_usage,
    build_forget_confirm,
    build_help,
    build_join_modal,
    build_status,
)
from bot.journal import goals, reflections
from bot.journal.views import build_goals_modal, build_reflection_modal
from bot.matching import consent as pairing
from bot.slack import ids
from bot.slack.text import escape, truncate
from handlers.cohort_commands import cohort_close, cohort_create, cohort_edit, cohort_list
from handlers.common import Invocation, Subcommand, services, slack_error_text
from handlers.reports import admin_export, admin_report
from storage.db import unreachable

logger = logging.getLogger(__name__)

WEEKS = re.compile(r"^[0-9]{1,2}$")


def handle_mentor(ack: Ack, command: dict[str, Any], context: BoltContext, logger: Logger) -> None:
    """Route ``/mentor [subcommand] [args]``; every path answers the person."""
    ctx = services(context)
    words = (command.get("text") or "").split()
    name = words[0].lower() if words else "help"
    lang = "en"
    try:
        person = ctx.people.get(command["user_id"])
        lang = person.lang
        entry = SUBCOMMANDS.get(name)
        if entry is None:
            text = t(lang, "unknown", sub=escape(truncate(words[0], 40)))
            ack(text=text, response_type="ephemeral")
            return
        subcommand, takes_args = entry
        call = Invocation(ctx, person, name, words[1:], command, ack)
        if call.args and not takes_args:
            call.answer(t(lang, "no_args", sub=name))
            return
        subcommand(call)
    except Exception as error:
        log_failure(logger, "/mentor %s", name)
        if ack.response is None:
            key = "error.internal" if unreachable(error) is None else "error.database"
            ack(text=t(lang, key), response_type="ephemeral")


def help_(call: Invocation) -> None:
    """``/mentor help``: the commands this person may use."""
    participant = enrollment.status(call.ctx, call.person.user_id)
    in_program = participant is not None and participant.state != "left"
    call.answer(build_help(call.person.lang, in_program=in_program, is_admin=call.person.is_admin))


def join(call: Invocation) -> None:
    """``/mentor join``: open the enrollment modal."""
    person = call.person
    view = build_join_modal(person.lang, enrollment.join_options(call.ctx, person.user_id))
    call.ack()
    call.ctx.later(
        open_modal,
        call.ctx,
        person,
        call.command["trigger_id"],
        view,
        call.command.get("response_url"),
    )


def open_modal(
    ctx: Context, person: Person, trigger_id: str, view: dict[str, Any], response_url: str | None
) -> None:
    """Open a modal; when Slack refuses, tell the person (response_url, else a DM)."""
    try:
        ctx.slack.open_view(trigger_id, view)
    except (SlackApiError, SlackClientError) as error:
        logger.warning("views.open failed: %s", error)
        text = slack_error_text(person.lang, error)
        try:
            if response_url:
                ctx.slack.respond(response_url, text)
            else:
                ctx.slack.post_dm(person.user_id, text)
        except (SlackApiError, SlackClientError) as second:
            logger.warning("could not tell %s either: %s", person.user_id, second)


def goals_(call: Invocation) -> None:
    """``/mentor goals``: the mentee's learning goals modal."""
    person = call.person
    try:
        goals.check_mentee(call.ctx, person.user_id)
    except goals.GoalError as error:
        call.answer(t(person.lang, error.key))
        return
    view = build_goals_modal(person.lang, goals.open_goals(call.ctx, person.user_id))
    call.ack()
    call.ctx.later(
        open_modal,
        call.ctx,
        person,
        call.command["trigger_id"],
        view,
        call.command.get("response_url"),
    )


def reflect(call: Invocation) -> None:
    """``/mentor reflect``: the reflection modal for the person's latest session."""
    person = call.person
    session_id = reflections.latest_session(call.ctx, person.user_id, call.ctx.clock())
    if session_id is None:
        call.answer(t(person.lang, "reflection.none"))
        return
    call.ack()
    call.ctx.later(
        open_reflection,
        call.ctx,
        person,
        session_id,
        call.command["trigger_id"],
        call.command.get("response_url"),
    )


def open_reflection(
    ctx: Context, person: Person, session_id: int, trigger_id: str, response_url: str | None
) -> None:
    """Open the reflection modal for a session of the person's (else say it is not)."""
    ref = reflections.for_modal(ctx, person.user_id, session_id)
    if ref is None:
        ctx.slack.post_dm(person.user_id, t(person.lang, "reflection.not_yours"))
        return
    open_modal(
        ctx, person, trigger_id, build_reflection_modal(person.lang, person.tz, ref), response_url
    )


def calendar_(call: Invocation) -> None:
    """``/mentor calendar``: the person's calendar (file and feed link) in a DM."""
    person = call.person
    ref = str(call.command.get("trigger_id") or call.ctx.clock().isoformat())
    if not calendar.request(call.ctx, person.user_id, ref=ref):
        call.answer(t(person.lang, "calendar.not_participant"))
        return
    call.answer(t(person.lang, "calendar.sent"))


def status(call: Invocation) -> None:
    """``/mentor status``."""
    person = call.person
    report = enrollment.status(call.ctx, person.user_id)
    call.answer(build_status(person.lang, person.tz, report))


def pause(call: Invocation) -> None:
    """``/mentor pause [weeks]``."""
    lang, args = call.person.lang, call.args
    valid = not args or (
        len(args) == 1 and WEEKS.match(args[0]) and 1 <= int(args[0]) <= enrollment.MAX_PAUSE_WEEKS
    )
    if not valid:
        call.answer(t(lang, "pause.usage"))
        return
    weeks = int(args[0]) if args else None
    result = enrollment.pause(call.ctx, call.person.user_id, weeks)
    if result.until is not None:
        call.answer(t(lang, "pause.done_until", date=fmt_date(result.until, lang, call.person.tz)))
    else:
        call.answer(t(lang, PAUSE_MESSAGES[result.outcome]))


PAUSE_MESSAGES = {"not_enrolled": "not_enrolled", "left": "pause.left", "paused": "pause.done"}
RESUME_MESSAGES = {
    "resumed": "resume.done",
    "not_paused": "resume.not_paused",
    "left": "leave.already",
    "not_enrolled": "not_enrolled",
}
LEAVE_MESSAGES = {"not_enrolled": "not_enrolled", "already": "leave.already"}


def resume(call: Invocation) -> None:
    """``/mentor resume``."""
    outcome = enrollment.resume(call.ctx, call.person.user_id)
    call.answer(t(call.person.lang, RESUME_MESSAGES[outcome]))


def leave(call: Invocation) -> None:
    """``/mentor leave``: the partner, if any, is told in the background."""
    lang = call.person.lang
    outcome = enrollment.leave(call.ctx, call.person.user_id)
    if outcome in LEAVE_MESSAGES:
        call.answer(t(lang, LEAVE_MESSAGES[outcome]))
    else:
        note = t(lang, "leave.partner_note") if outcome == "left" else ""
        call.answer(t(lang, "leave.done", partner_note=note))


def rematch(call: Invocation) -> None:
    """``/mentor rematch``: a new partner, no fault, no reason given."""
    outcome = enrollment.rematch(call.ctx, call.person.user_id)
    key = {"rematched": "rematch.done", "no_pair": "rematch.no_pair"}.get(outcome, "not_enrolled")
    call.answer(t(call.person.lang, key))


def export(call: Invocation) -> None:
    """``/mentor export``: the person's data as a JSON file in a DM."""
    call.ack()
    call.ctx.later(send_export, call.ctx, call.person, call.command["response_url"])


def send_export(ctx: Context, person: Person, response_url: str) -> None:
    """Upload the export and tell the person how it went."""
    try:
        privacy.export(ctx, person.user_id, person.lang)
        text = t(person.lang, "export.sent")
    except (SlackApiError, SlackClientError) as error:
        logger.warning("export upload failed: %s", error)
        text = slack_error_text(person.lang, error)
    except Exception:
        log_failure(logger, "export")
        text = t(person.lang, "error.internal")
    ctx.slack.respond(response_url, text)


def forget(call: Invocation) -> None:
    """``/mentor forget``: ask first; the ``forget_confirm`` button does it."""
    lang = call.person.lang
    call.answer(t(lang, "forget.confirm_text"), build_forget_confirm(lang))


def admin(call: Invocation) -> None:
    """``/mentor admin ...``: refused for everyone but admins."""
    lang, args = call.person.lang, call.args
    if not call.person.is_admin:
        call.answer(t(lang, "admin.denied"))
    elif len(args) >= 2 and args[0].lower() == "cohort" and args[1].lower() == "create":
        cohort_create(call, args[2:])
    elif len(args) == 2 and args[0].lower() == "cohort" and args[1].lower() == "list":
        cohort_list(call)
    elif len(args) >= 2 and args[0].lower() == "cohort" and args[1].lower() == "edit":
        cohort_edit(call, args[2:])
    elif len(args) == 3 and args[0].lower() == "cohort" and args[1].lower() == "close":
        cohort_close(call, args[2])
    elif args and args[0].lower() == "match" and len(args) <= 2:
        match(call, args[1] if len(args) == 2 else None)
    elif args and args[0].lower() == "announce":
        admin_announce(call)
    elif args and args[0].lower() == "report" and len(args) <= 2:
        admin_report(call, args[1] if len(args) == 2 else None)
    elif args and args[0].lower() == "export" and len(args) <= 2:
        admin_export(call, args[1] if len(args) == 2 else None)
    else:
        call.answer(build_admin_usage(lang))


def admin_announce(call: Invocation) -> None:
    """``/mentor admin announce [COHORT] MESSAGE``: to the channel and each active member,
    once; the same message again within a minute is asked about first."""
    lang = call.person.lang
    try:
        request = announce.parse(call.ctx, call.command.get("text") or "")
        outcome = announce.start(
            call.ctx,
            author=call.person.user_id,
            lang=lang,
            request=request,
            trigger_id=call.command.get("trigger_id"),
        )
    except announce.AnnounceError as error:
        text = t(lang, error.key, **error.values)
        call.answer(
            text if error.key == "announce.usage" else text + "\n" + t(lang, "announce.usage")
        )
        return
    if isinstance(outcome, announce.Repeated):
        call.answer(t(lang, "announce.repeated"))
    elif isinstance(outcome, announce.Held):
        text, blocks = build_announce_held(lang, outcome.announcement_id, outcome.seconds_ago)
        call.answer(text, blocks)
    else:
        channels = ", ".join(f"<#{c}>" for c in outcome.channels)
        call.answer(
            tn(
                lang,
                "announce.started",
                announce_n(outcome.members),
                members=announce_count(lang, outcome.members),
                audience=describe_audience(lang, request.cohort.name if request.cohort else None),
                channels=t(lang, "announce.started_channels", channels=channels)
                if channels
                else "",
            )
        )


def match(call: Invocation, name: str | None) -> None:
    """``/mentor admin match [COHORT]``: propose pairs; the report follows in a moment."""
    lang = call.person.lang
    try:
        targets = pairing.cohorts_to_match(call.ctx, name)
    except pairing.UnknownCohort:
        call.answer(t(lang, "match.unknown", name=escape(truncate(name or "", 40))))
        return
    if not targets:
        call.answer(t(lang, "match.no_cohorts"))
        return
    names = ", ".join(f"*{escape(c.name)}*" for c in targets)
    call.answer(t(lang, "match.started", cohorts=names))
    call.ctx.later(run_matching, call.ctx, lang, targets, call.command["response_url"])


def run_matching(ctx: Context, lang: str, targets: list[Any], response_url: str) -> None:
    """Match each cohort and report the figures (no names) to the admin."""
    lines = []
    for cohort in targets:
        try:
            report = pairing.match_cohort(ctx, cohort)
        except Exception:
            log_failure(logger, "matching cohort %s", cohort.id)
            lines.append(t(lang, "match.failed", cohort=escape(cohort.name)))
            continue
        lines.append(
            t(
                lang,
                "match.report",
                cohort=escape(report.cohort),
                pairs=tn(lang, "match.report.pairs", report.proposed, count=report.proposed),
                people=tn(lang, "match.report.people", report.waiting, count=report.waiting),
            )
        )
    ctx.slack.respond(response_url, "\n".join(lines))


# name -> (function, whether it takes arguments)
SUBCOMMANDS: dict[str, tuple[Subcommand, bool]] = {
    "help": (help_, True),
    "join": (join, False),
    "status": (status, False),
    "pause": (pause, True),
    "resume": (resume, False),
    "leave": (leave, False),
    "rematch": (rematch, False),
    "export": (export, False),
    "reflect": (reflect, False),
    "goals": (goals_, False),
    "calendar": (calendar_, False),
    "forget": (forget, False),
    "admin": (admin, True),
}


def register(app: App) -> None:
    """Register the ``/mentor`` command."""
    app.command(ids.COMMAND)(handle_mentor)
