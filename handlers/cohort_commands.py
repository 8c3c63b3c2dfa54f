"""``/mentor admin cohort …``: create, list, edit and close cohorts."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from bot.core.i18n import t
from bot.enrollment import cohorts
from bot.enrollment.views import build_cohort_close
from bot.slack.text import escape, truncate
from handlers.common import Invocation, count_text
from storage.models import Cohort


def cohort_create(call: Invocation, args: list[str]) -> None:
    """``/mentor admin cohort create NAME [#channel] [weekly|biweekly|monthly]``."""
    lang = call.person.lang
    try:
        spec = cohorts.parse_create(args, call.ctx.clock().date())
    except cohorts.CohortError as error:
        usage = t(lang, "cohort.usage")
        if error.key == "cohort.bad_arg":
            arg = escape(truncate(error.arg, 60))
            call.answer(t(lang, "cohort.bad_arg", arg=arg, usage=usage))
        elif error.key == "cohort.bad_name":
            call.answer(t(lang, "cohort.bad_name") + "\n" + usage)
        elif error.key == "cohort.bad_until":
            call.answer(t(lang, "cohort.bad_until", arg=escape(truncate(error.arg, 60))))
        else:
            call.answer(usage)
        return
    cohort = cohorts.create(call.ctx, spec)
    if cohort is None:
        call.answer(t(lang, "cohort.exists", name=escape(spec.name)))
        return
    channel = t(lang, "cohort.channel", channel=cohort.channel_id) if cohort.channel_id else ""
    cadence = t(lang, f"cadence.{cohort.cadence}")
    text = t(lang, "cohort.created", name=escape(cohort.name), cadence=cadence, channel=channel)
    text += " " + t(lang, "cohort.term", date=_day(cohort.term_end, lang))
    if cohort.channel_id:
        text += " " + t(lang, "cohort.channel_private_hint")
    call.answer(text)


def cohort_list(call: Invocation) -> None:
    """``/mentor admin cohort list``: each cohort with its term and counts (no names)."""
    lang = call.person.lang
    found = cohorts.overview(call.ctx)
    if not found:
        call.answer(t(lang, "cohort.list_none"))
        return
    lines = [t(lang, "cohort.list_header")]
    for line in found:
        cohort = line.cohort
        lines.append(
            t(
                lang,
                "cohort.list_line",
                name=escape(cohort.name),
                cadence=t(lang, f"cadence.{cohort.cadence}"),
                channel=_channel(lang, cohort),
                until=_day(cohort.term_end, lang),
                active=count_text(lang, line.participants.get("active", 0)),
                paused=count_text(lang, line.participants.get("paused", 0)),
                left=count_text(lang, line.participants.get("left", 0)),
                pairs=count_text(lang, line.pairs.get("active", 0)),
                proposed=count_text(lang, line.pairs.get("proposed", 0)),
            )
        )
    call.answer("\n".join(lines))


def cohort_edit(call: Invocation, args: list[str]) -> None:
    """``/mentor admin cohort edit NAME [#channel] [cadence] [until DATE] [nudge N] [close N]``."""
    lang = call.person.lang
    try:
        wanted = cohorts.parse_edit(args, call.ctx.clock().date())
    except cohorts.CohortError as error:
        usage = t(lang, "cohort.edit_usage")
        if error.key == "cohort.edit_usage":
            call.answer(usage)
        elif error.key == "cohort.bad_until":  # its text does not end in the usage
            call.answer(t(lang, error.key, arg=escape(truncate(error.arg, 60))) + " " + usage)
        else:
            call.answer(t(lang, error.key, arg=escape(truncate(error.arg, 60)), usage=usage))
        return
    result = cohorts.change(call.ctx, wanted)
    if isinstance(result, str):
        given = escape(truncate(" ".join(args[1:]), 60))
        call.answer(t(lang, result, name=escape(wanted.name), arg=given, usage=""))
        return
    call.answer(
        t(
            lang,
            "cohort.edited",
            name=escape(result.name),
            cadence=t(lang, f"cadence.{result.cadence}"),
            channel=_channel(lang, result),
            until=_day(result.term_end, lang),
            nudge=result.nudge_days,
            close=result.close_days,
        )
    )


def cohort_close(call: Invocation, name: str) -> None:
    """``/mentor admin cohort close NAME``: asks first; ``cohort_close_confirm`` does it."""
    lang = call.person.lang
    cohort = cohorts.find(call.ctx, name)
    if cohort is None or cohort.id is None:
        call.answer(t(lang, "cohort.unknown", name=escape(truncate(name, 40))))
        return
    if not cohort.is_open:
        call.answer(t(lang, "cohort.already_closed", name=escape(cohort.name)))
        return
    question = t(lang, "cohort.close_confirm", name=escape(cohort.name))
    call.answer(question, build_cohort_close(lang, question, cohort.id))


def _channel(lang: str, cohort: Cohort) -> str:
    """ ", in #channel" for a cohort with a channel, else nothing."""
    return t(lang, "cohort.channel", channel=cohort.channel_id) if cohort.channel_id else ""


def _day(iso: str | None, lang: str) -> str:
    """A term's last day, as the admin reads dates."""
    if not iso:
        return "–"
    return format_date(date.fromisoformat(iso), format="medium", locale=lang)
