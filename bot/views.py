"""Block Kit builders: pure functions from plain data to Slack views and messages.

Every user-written string is escaped before it goes into mrkdwn (:func:`bot.text.escape`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from babel.dates import get_day_names
from babel.numbers import format_decimal, format_percent

from bot import ids
from bot.enrollment import DEPARTMENT_MAX, TIME_WINDOWS, WEEKDAYS, JoinOptions, Status
from bot.goals import GOAL_MAX, OpenGoal
from bot.i18n import fmt_date, fmt_datetime, t
from bot.reflections import LEARNED_MAX, SessionRef
from bot.report import AVERAGE, FEWER_THAN, PERCENT, UNCHANGED, VALUE, Metric, Report, Shown
from bot.text import escape, truncate
from bot.topics import TOPICS, labels
from storage.models import Cohort, ParticipantStatus

Blocks = list[dict[str, Any]]


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    """A plain_text object, cut to ``limit`` characters."""
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object (at most 3,000 characters)."""
    return {"type": "mrkdwn", "text": truncate(text, 3000)}


def section(text: str) -> dict[str, Any]:
    """A section block with mrkdwn text."""
    return {"type": "section", "text": mrkdwn(text)}


def option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    """An option for selects, radio buttons and checkboxes."""
    result: dict[str, Any] = {"text": plain(text), "value": value}
    if description:
        result["description"] = plain(description)
    return result


# --- help -----------------------------------------------------------------------------


def build_help(lang: str, *, in_program: bool, is_admin: bool) -> str:
    """The help text, listing the commands this person may use."""
    keys = ["help.join", "help.status"]
    if in_program:
        keys += ["help.goals", "help.reflect", "help.pause", "help.leave"]
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


# --- join -----------------------------------------------------------------------------


def build_join_modal(lang: str, options: JoinOptions) -> dict[str, Any]:
    """The enrollment modal (callback_id ``join``), pre-filled on a second visit."""
    current = options.current
    roles = [
        option(t(lang, "join.role.mentor"), "mentor", t(lang, "join.role.mentor_hint")),
        option(t(lang, "join.role.mentee"), "mentee", t(lang, "join.role.mentee_hint")),
    ]
    role_element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": ids.ROLE,
        "options": roles,
    }
    topic_options = [option(topic.label(lang), topic.key) for topic in TOPICS]
    topics_element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": ids.TOPICS,
        "placeholder": plain(t(lang, "join.topics_placeholder")),
        "options": topic_options,
    }
    department_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.DEPARTMENT,
        "max_length": DEPARTMENT_MAX,
    }
    day_names = get_day_names("wide", locale=lang)
    weekday_options = [option(str(day_names[day]), str(day)) for day in WEEKDAYS]
    weekdays_element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": ids.WEEKDAYS,
        "options": weekday_options,
    }
    window_options = [option(t(lang, f"window.{w}"), w) for w in TIME_WINDOWS]
    window_element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": ids.TIME_WINDOW,
        "options": window_options,
        "initial_option": window_options[0],
    }
    if current is not None:
        role_element["initial_option"] = next(o for o in roles if o["value"] == current.role)
        chosen = [o for o in topic_options if o["value"] in current.topics]
        if chosen:
            topics_element["initial_options"] = chosen
        if current.department:
            department_element["initial_value"] = current.department
        days = [o for o in weekday_options if int(o["value"]) in current.weekdays]
        if days:
            weekdays_element["initial_options"] = days
        window_element["initial_option"] = next(
            (o for o in window_options if o["value"] == current.time_window), window_options[0]
        )

    blocks: Blocks = [
        {"type": "section", "text": mrkdwn(t(lang, "join.intro"))},
        _input(ids.ROLE, t(lang, "join.role"), role_element),
        _input(
            ids.TOPICS, t(lang, "join.topics"), topics_element, hint=t(lang, "join.topics_hint")
        ),
        _input(
            ids.DEPARTMENT,
            t(lang, "join.department"),
            department_element,
            optional=True,
            hint=t(lang, "join.department_hint"),
        ),
    ]
    if len(options.cohorts) > 1:
        blocks.append(_input(ids.COHORT, t(lang, "join.cohort"), _cohort_select(options)))
    blocks += [
        _input(ids.WEEKDAYS, t(lang, "join.weekdays"), weekdays_element, optional=True),
        _input(ids.TIME_WINDOW, t(lang, "join.time_window"), window_element),
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


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


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


# --- status and home ------------------------------------------------------------------


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


# --- forget ---------------------------------------------------------------------------


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


# --- matching -------------------------------------------------------------------------


def build_intro(
    langs: list[str], *, pair_id: int, mentor_id: str, mentee_id: str, topics: list[str]
) -> tuple[str, Blocks]:
    """The intro to a proposed pair, in each of the pair's languages, with the buttons.

    Both people see one message in their group DM; when their languages differ it says
    everything in both.
    """
    sections: Blocks = []
    for lang in langs:
        sections.append(
            section(
                "\n".join(
                    [
                        t(lang, "intro.title"),
                        t(lang, "intro.mentor", user=mentor_id),
                        t(lang, "intro.mentee", user=mentee_id),
                        t(lang, "intro.topics", topics=", ".join(labels(topics, lang))),
                        "_" + t(lang, "intro.ask") + "_",
                    ]
                )
            )
        )
    accept = " / ".join(t(lang, "intro.accept") for lang in langs)
    decline = " / ".join(t(lang, "intro.decline") for lang in langs)
    buttons = {
        "type": "actions",
        "block_id": "pair_consent",
        "elements": [
            {
                "type": "button",
                "action_id": ids.PAIR_ACCEPT,
                "style": "primary",
                "text": plain(accept),
                "value": str(pair_id),
            },
            {
                "type": "button",
                "action_id": ids.PAIR_DECLINE,
                "text": plain(decline),
                "value": str(pair_id),
            },
        ],
    }
    fallback = t(langs[0], "intro.title").strip("*")
    return fallback, [*sections, buttons]


def build_pair_closed(langs: list[str], key: str) -> tuple[str, Blocks]:
    """The intro after both answered (``pair.active``) or after a no (``pair.closed``)."""
    blocks = [section(t(lang, key)) for lang in langs]
    return t(langs[0], key).replace("*", ""), blocks


# --- reflections ----------------------------------------------------------------------


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
            _input(ids.HAPPENED, t(lang, "reflection.happened"), happened),
            _input(ids.LEARNED, t(lang, "reflection.learned"), learned, optional=True),
            _input(ids.RATING, t(lang, "reflection.rating"), rating, optional=True),
            _input(
                ids.SHARE,
                t(lang, "reflection.share"),
                share,
                optional=True,
                hint=t(lang, "reflection.share.hint"),
            ),
        ],
    }


def build_reflection_prompt(lang: str, session_id: int) -> tuple[str, Blocks]:
    """The private DM after a session, with the ``reflect_open`` button."""
    text = t(lang, "reflection.prompt")
    return text, [
        section(text),
        {
            "type": "actions",
            "block_id": "reflect",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.REFLECT_OPEN,
                    "style": "primary",
                    "text": plain(t(lang, "reflection.button")),
                    "value": str(session_id),
                }
            ],
        },
    ]


# --- sessions -------------------------------------------------------------------------


def build_reminder(
    lang: str,
    *,
    when: str,
    minutes: int,
    partner: str,
    agenda_line: str,
    prompts: list[str],
    session_id: int,
) -> tuple[str, Blocks]:
    """The reminder 24 hours before a session, for one person, with the skip button."""
    title = t(lang, "reminder.title", partner=partner, when=when, minutes=minutes)
    body = [title, agenda_line]
    if prompts:
        body += ["", t(lang, "reminder.prompts"), *("• " + prompt for prompt in prompts)]
    blocks: Blocks = [
        section("\n".join(body)),
        {
            "type": "actions",
            "block_id": "session",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.SESSION_MOVE,
                    "text": plain(t(lang, "reminder.move")),
                    "value": str(session_id),
                },
                {
                    "type": "button",
                    "action_id": ids.SESSION_SKIP,
                    "text": plain(t(lang, "reminder.skip")),
                    "value": str(session_id),
                },
            ],
        },
    ]
    return title.replace("*", ""), blocks


# --- goals ----------------------------------------------------------------------------


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
        blocks.append(_input(block_id, t(lang, "goals.slot", n=index + 1), element, optional=True))
    return {
        "type": "modal",
        "callback_id": ids.GOALS,
        "private_metadata": json.dumps([g.id for g in goals[: len(ids.GOAL_SLOTS)]]),
        "title": plain(t(lang, "goals.title"), 24),
        "submit": plain(t(lang, "reflection.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": blocks,
    }


def build_checkin_prompt(lang: str) -> tuple[str, Blocks]:
    """The mentee's private DM every third session, with the check-in button."""
    text = t(lang, "checkin.prompt")
    return text, [
        section(text),
        {
            "type": "actions",
            "block_id": "checkin",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.GOAL_CHECKIN_OPEN,
                    "style": "primary",
                    "text": plain(t(lang, "checkin.button")),
                    "value": "open",
                }
            ],
        },
    ]


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
        blocks.append(_input(f"progress_{goal.id}", goal.text, select, optional=True))
    blocks.append(
        _input(
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


def build_move_modal(lang: str, tz: str, *, session_id: int, local: datetime) -> dict[str, Any]:
    """Pick a new date and time for one session, in the person's own zone."""
    return {
        "type": "modal",
        "callback_id": ids.MOVE,
        "private_metadata": str(session_id),
        "title": plain(t(lang, "move.title"), 24),
        "submit": plain(t(lang, "move.submit"), 24),
        "close": plain(t(lang, "join.close"), 24),
        "blocks": [
            section(t(lang, "move.intro", tz=tz)),
            _input(
                ids.MOVE_DATE,
                t(lang, "move.date"),
                {
                    "type": "datepicker",
                    "action_id": ids.MOVE_DATE,
                    "initial_date": local.date().isoformat(),
                },
            ),
            _input(
                ids.MOVE_TIME,
                t(lang, "move.time"),
                {
                    "type": "timepicker",
                    "action_id": ids.MOVE_TIME,
                    "initial_time": local.strftime("%H:%M"),
                },
            ),
        ],
    }


# --- admin report ---------------------------------------------------------------------

# Slack takes 50 blocks per message; a report with many cohorts goes out in parts.
REPORT_BLOCKS_PER_MESSAGE = 49


def report_number(lang: str, metric: Metric, value: float) -> str:
    """A figure in the admin's language: 12, 83 % (de) / 83% (en), 4.2 / 4,2."""
    if metric.kind == PERCENT:
        return format_percent(value / 100, locale=lang)
    pattern = "#,##0.0" if metric.kind == AVERAGE else "#,##0"
    return format_decimal(value, format=pattern, locale=lang)


def report_trend(lang: str, metric: Metric, trend: float) -> str:
    """A change since the last report: +3, −0.2, ±0, +5 pp."""
    if trend == 0:
        text = "±0"
    else:
        pattern = "#,##0.0" if metric.kind == AVERAGE else "#,##0"
        magnitude = format_decimal(abs(trend), format=pattern, locale=lang)
        text = ("+" if trend > 0 else "−") + magnitude
    return t(lang, "report.points", value=text) if metric.kind == PERCENT else text


def report_line(lang: str, tz: str | None, shown: Shown) -> str:
    """One figure of the report, as a mrkdwn list line."""
    label = t(lang, f"report.metric.{shown.metric.key}")
    if shown.state == VALUE and shown.value is not None:
        value = f"*{report_number(lang, shown.metric, shown.value)}*"
        if shown.trend is not None:
            value += f" ({report_trend(lang, shown.metric, shown.trend)})"
    elif shown.state == UNCHANGED and shown.value is not None and shown.since is not None:
        since = t(lang, "report.unchanged", date=fmt_date(shown.since, lang, tz))
        value = f"*{report_number(lang, shown.metric, shown.value)}* _({since})_"
    elif shown.state == FEWER_THAN:
        value = "_" + t(lang, "report.fewer") + "_"
    else:
        value = "_" + t(lang, "report.withheld") + "_"
    return f"• {label}: {value}"


def build_report(lang: str, tz: str | None, report: Report) -> list[tuple[str, Blocks]]:
    """The admin report as one or more DM messages (fallback text, blocks): per cohort its
    figures, the total last, and the privacy rule in the footer."""
    title = t(lang, "report.title")
    as_of = t(lang, "report.as_of", date=fmt_date(report.made_at, lang, tz))
    intro = f"{as_of[:1].upper()}{as_of[1:]}. {t(lang, 'report.trend_note')}"
    current: Blocks = [
        {"type": "header", "text": plain(title, 150)},
        {"type": "context", "elements": [mrkdwn(intro)]},
    ]
    messages: list[tuple[str, Blocks]] = []
    fallback = f"{title} ({as_of})"
    for scope in report.scopes:
        name = (
            t(lang, "report.total")
            if scope.cohort is None
            else t(lang, "report.cohort", name=escape(scope.cohort))
        )
        lines = [f"*{name}*", *(report_line(lang, tz, shown) for shown in scope.figures)]
        if len(current) + 3 > REPORT_BLOCKS_PER_MESSAGE:
            messages.append((fallback, current))
            fallback = t(lang, "report.continued")
            current = []
        current += [{"type": "divider"}, section("\n".join(lines))]
    current.append({"type": "context", "elements": [mrkdwn("_" + t(lang, "report.footer") + "_")]})
    messages.append((fallback, current))
    return messages


# --- announcements --------------------------------------------------------------------


def build_announcement(lang: str, text: str) -> tuple[str, Blocks]:
    """An announcement as members and the cohort channel see it: a header in the reader's
    language and the program owner's message (already in Slack's own markup)."""
    header = t(lang, "announce.header")
    blocks: Blocks = [
        {"type": "context", "elements": [mrkdwn(header)]},
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
    ]
    return f"{header}: {text}", blocks


def build_announce_held(lang: str, announcement_id: int, seconds_ago: int) -> tuple[str, Blocks]:
    """The question before the same announcement goes out twice within a minute."""
    question = t(lang, "announce.held", seconds=seconds_ago)
    buttons = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": ids.ANNOUNCE_CONFIRM,
                "text": plain(t(lang, "announce.send_again")),
                "value": str(announcement_id),
                "style": "danger",
            },
            {
                "type": "button",
                "action_id": ids.ANNOUNCE_CANCEL,
                "text": plain(t(lang, "announce.dont_send")),
                "value": str(announcement_id),
            },
        ],
    }
    return question, [section(question), buttons]


def announce_count(lang: str, value: int) -> str:
    """A count of people, or "fewer than 5" for a group of 1 to 4."""
    return t(lang, "report.fewer") if 0 < value < 5 else format_decimal(value, locale=lang)


def build_announce_progress(lang: str, state: Any) -> tuple[str, Blocks]:
    """The author's progress message (an :class:`bot.announce.Progress`): "sent 120 of
    480" while sending, then the final count and what failed, by reason. Counts only, and
    a group of 1 to 4 people reads "fewer than 5", also as the difference of two counts."""
    from bot.announce import describe_audience

    audience = describe_audience(lang, state.audience)
    total = announce_count(lang, state.members)
    if not state.done:
        if state.members < 5:
            line = t(lang, "announce.progress_small", audience=audience)
        else:
            line = t(lang, "announce.progress", audience=audience, sent=state.sent, total=total)
        return line, [section(line)]
    missing = state.members - state.sent
    if missing == 0:
        first = t(lang, "announce.done_all", audience=audience, total=total)
    elif missing < 5 or state.sent < 5:
        first = t(
            lang,
            "announce.done_most",
            audience=audience,
            missing=announce_count(lang, missing),
            total=total,
        )
    else:
        first = t(
            lang,
            "announce.done",
            audience=audience,
            sent=announce_count(lang, state.sent),
            total=total,
        )
    lines = [first]
    # Failures first: they are what the author has to act on.
    for error, count in sorted(state.failed.items(), key=lambda item: (-item[1], item[0])):
        lines.append(
            t(
                lang,
                "announce.failed",
                count=announce_count(lang, count),
                reason=_reason(lang, error),
            )
        )
    if state.skipped:
        lines.append(t(lang, "announce.skipped", count=announce_count(lang, state.skipped)))
    for channel, error in sorted(state.channels_failed.items())[:10]:
        lines.append(
            t(lang, "announce.channel_failed", channel=channel, reason=_reason(lang, error))
        )
    if len(state.channels_sent) > 5:
        lines.append(t(lang, "announce.posted_many", count=len(state.channels_sent)))
    else:
        lines += [t(lang, "announce.posted", channel=c) for c in state.channels_sent]
    return first, [section("\n".join(lines))]


def _reason(lang: str, error: str) -> str:
    try:
        return t(lang, f"announce.reason.{error}")
    except KeyError:
        return t(lang, "announce.reason.other", code=escape(error[:40]))
