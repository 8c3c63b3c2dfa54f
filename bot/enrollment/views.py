"""Block Kit builders of enrollment: pure functions from plain data to Slack messages and modals."""

from __future__ import annotations

from typing import Any

from babel.dates import get_day_names

from bot.core.i18n import fmt_date, fmt_datetime, t
from bot.enrollment.service import DEPARTMENT_MAX, TIME_WINDOWS, WEEKDAYS, JoinOptions, Status
from bot.sessions.topics import TOPICS, labels
from bot.slack import ids
from bot.slack.blocks import Blocks, input_block, mrkdwn, option, plain, section
from bot.slack.text import escape
from storage.models import Cohort, Participant, ParticipantStatus


def build_help(lang: str, *, in_program: bool, is_admin: bool) -> str:
    """The help text, listing the commands this person may use."""
    keys = ["help.join", "help.status"]
    if in_program:
        keys += ["help.goals", "help.reflect", "help.calendar", "help.pause", "help.rematch"]
        keys += ["help.leave"]
    keys += ["help.export", "help.forget", "help.help"]
    lines = [t(lang, "help.intro"), *("• " + t(lang, key) for key in keys)]
    if is_admin:
        lines += [
            "",
            t(lang, "help.admin"),
            "• " + t(lang, "help.admin_cohort"),
            "• " + t(lang, "help.admin_match"),
            "• " + t(lang, "help.admin_announce"),
            "• " + t(lang, "help.admin_report"),
            "• " + t(lang, "help.admin_export"),
        ]
    lines += ["", "_" + t(lang, "help.privacy") + "_"]
    return "\n".join(lines)


def build_admin_usage(lang: str) -> str:
    """The list of admin commands."""
    keys = (
        "help.admin_cohort",
        "help.admin_match",
        "help.admin_announce",
        "help.admin_report",
        "help.admin_export",
    )
    commands = "\n".join("• " + t(lang, key) for key in keys)
    return t(lang, "admin.usage", commands=commands)


def build_join_modal(lang: str, options: JoinOptions) -> dict[str, Any]:
    """The enrollment modal (callback_id ``join``), pre-filled on a second visit."""
    current = options.current
    blocks: Blocks = [
        {"type": "section", "text": mrkdwn(t(lang, "join.intro"))},
        input_block(ids.ROLE, t(lang, "join.role"), _role_element(lang, current)),
        input_block(
            ids.TOPICS,
            t(lang, "join.topics"),
            _topics_element(lang, current),
            hint=t(lang, "join.topics_hint"),
        ),
        input_block(
            ids.DEPARTMENT,
            t(lang, "join.department"),
            _department_element(current),
            optional=True,
            hint=t(lang, "join.department_hint"),
        ),
    ]
    if len(options.cohorts) > 1:
        blocks.append(input_block(ids.COHORT, t(lang, "join.cohort"), _cohort_select(options)))
    blocks += [
        input_block(
            ids.WEEKDAYS, t(lang, "join.weekdays"), _weekdays_element(lang, current), optional=True
        ),
        input_block(ids.TIME_WINDOW, t(lang, "join.time_window"), _window_element(lang, current)),
    ]
    submit = "join.submit_update" if current is not None else "join.submit"
    return {
        "type": "modal",
        "callback_id": ids.JOIN,
        "title": plain(t(lang, "join.title"), 24),
        "submit": plain(t(lang, submit), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": blocks,
    }


def _role_element(lang: str, current: Participant | None) -> dict[str, Any]:
    roles = [
        option(t(lang, "join.role.mentor"), "mentor", t(lang, "join.role.mentor_hint")),
        option(t(lang, "join.role.mentee"), "mentee", t(lang, "join.role.mentee_hint")),
    ]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": ids.ROLE, "options": roles}
    if current is not None:
        element["initial_option"] = next(o for o in roles if o["value"] == current.role)
    return element


def _topics_element(lang: str, current: Participant | None) -> dict[str, Any]:
    topic_options = [option(topic.label(lang), topic.key) for topic in TOPICS]
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": ids.TOPICS,
        "placeholder": plain(t(lang, "join.topics_placeholder")),
        "options": topic_options,
    }
    interests = current.topics if current is not None else []
    chosen = [o for o in topic_options if o["value"] in interests]
    if chosen:
        element["initial_options"] = chosen
    return element


def _department_element(current: Participant | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.DEPARTMENT,
        "max_length": DEPARTMENT_MAX,
    }
    if current is not None and current.department:
        element["initial_value"] = current.department
    return element


def _weekdays_element(lang: str, current: Participant | None) -> dict[str, Any]:
    day_names = get_day_names("wide", locale=lang)
    weekday_options = [option(str(day_names[day]), str(day)) for day in WEEKDAYS]
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": ids.WEEKDAYS,
        "options": weekday_options,
    }
    preferred = current.weekdays if current is not None else []
    days = [o for o in weekday_options if int(o["value"]) in preferred]
    if days:
        element["initial_options"] = days
    return element


def _window_element(lang: str, current: Participant | None) -> dict[str, Any]:
    window_options = [option(t(lang, f"window.{w}"), w) for w in TIME_WINDOWS]
    chosen = (
        next((o for o in window_options if o["value"] == current.time_window), window_options[0])
        if current is not None
        else window_options[0]
    )
    return {
        "type": "radio_buttons",
        "action_id": ids.TIME_WINDOW,
        "options": window_options,
        "initial_option": chosen,
    }


def _cohort_select(options: JoinOptions) -> dict[str, Any]:
    cohort_options = [option(c.name, str(c.id)) for c in options.cohorts[:100]]
    current_id = str(options.current.cohort_id) if options.current else None
    initial = next((o for o in cohort_options if o["value"] == current_id), cohort_options[0])
    return {
        "type": "static_select",
        "action_id": ids.COHORT,
        "options": cohort_options,
        "initial_option": initial,
    }


def build_join_done(
    lang: str, *, role: str, cohort: Cohort, topics: list[str], created: bool
) -> str:
    """The DM confirming an enrollment."""
    key = "join.done" if created else "join.updated"
    return t(
        lang,
        key,
        role=t(lang, f"role.{role}"),
        cohort=escape(cohort.name),
        topics=", ".join(labels(topics, lang)),
    )


def status_lines(lang: str, tz: str | None, status: Status | None) -> list[str]:
    """The lines of ``/mentor status`` (and of the home tab)."""
    if status is None:
        return [t(lang, "not_enrolled")]
    participant = status.participant
    lines = [
        t(lang, "status.title"),
        "• " + t(lang, "status.role", role=t(lang, f"role.{participant.role}")),
        "• " + t(lang, "status.cohort", cohort=escape(status.cohort.name)),
        "• " + t(lang, "status.topics", topics=", ".join(labels(participant.topics, lang))),
    ]
    if participant.department:
        lines.append("• " + t(lang, "status.department", department=escape(participant.department)))
    if status.state == ParticipantStatus.PAUSED.value and participant.paused_until:
        lines.append(
            "• " + t(lang, "status.paused_until", date=fmt_date(participant.paused_until, lang, tz))
        )
    else:
        lines.append("• " + t(lang, f"status.{status.state}"))
    if status.state == ParticipantStatus.LEFT.value:
        return lines
    if status.pair is not None and status.partner_id:
        partner_role = "mentee" if status.pair.mentor_id == participant.user_id else "mentor"
        key = "status.partner" if status.pair.status == "active" else "status.partner_proposed"
        lines.append(
            "• " + t(lang, key, user=status.partner_id, role=t(lang, f"role.{partner_role}"))
        )
    else:
        lines.append("• " + t(lang, "status.no_partner"))
    if status.next_session is not None:
        lines.append(
            "• " + t(lang, "status.next_session", when=fmt_datetime(status.next_session, lang, tz))
        )
    else:
        lines.append("• " + t(lang, "status.no_session"))
    return lines


def build_status(lang: str, tz: str | None, status: Status | None) -> str:
    """The ``/mentor status`` answer."""
    return "\n".join(status_lines(lang, tz, status))


def build_home(lang: str, tz: str | None, status: Status | None) -> dict[str, Any]:
    """The App Home tab: the person's own state and a button to join or change."""
    enrolled = status is not None and status.state != ParticipantStatus.LEFT.value
    blocks: Blocks = [{"type": "header", "text": plain(t(lang, "home.title"), 150)}]
    if status is None:
        blocks.append(section(t(lang, "home.not_enrolled")))
    else:
        blocks.append(section("\n".join(status_lines(lang, tz, status))))
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.HOME_JOIN,
                    "text": plain(t(lang, "home.update" if enrolled else "home.join")),
                    "style": "primary",
                }
            ],
        }
    )
    blocks.append(
        {
            "type": "context",
            "elements": [
                mrkdwn(t(lang, "home.commands")),
                mrkdwn("_" + t(lang, "help.privacy") + "_"),
            ],
        }
    )
    return {"type": "home", "blocks": blocks}


def build_cohort_close(lang: str, question: str, cohort_id: int) -> Blocks:
    """The question with the ``cohort_close_confirm`` button."""
    return [
        section(question),
        {
            "type": "actions",
            "block_id": "cohort_close",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.COHORT_CLOSE_CONFIRM,
                    "text": plain(t(lang, "cohort.close_button")),
                    "style": "danger",
                    "value": str(cohort_id),
                }
            ],
        },
    ]


def build_forget_confirm(lang: str) -> Blocks:
    """The ephemeral question with the ``forget_confirm`` button."""
    return [
        section(t(lang, "forget.confirm_text")),
        {
            "type": "actions",
            "block_id": "forget",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.FORGET_CONFIRM,
                    "text": plain(t(lang, "forget.button")),
                    "style": "danger",
                    "value": "confirm",
                }
            ],
        },
    ]
