"""The program cycle's outcomes in the admin report, its chart and the debrief: shown over
5 or more respondents, "fewer than 5" under that, and never a figure from which one
person's answer can be told by setting two reports side by side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.cycle import answers
from bot.delivery import outbox
from bot.enrollment import cohorts
from bot.reporting import chart, report
from storage.models import Cohort, Notification
from tests.harness import ADMIN, Bot, activate_pairs
from tests.test_report import ask_report, parse

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _asked(bot: Bot, kind: str, user: str) -> int:
    with bot.ctx.db.transaction(write=False) as session:
        row = session.exec(
            select(Notification).where(Notification.kind == kind, Notification.user_id == user)
        ).one()
    assert row.id is not None
    return row.id


def _program(bot: Bot, pairs: int) -> list[str]:
    """``pairs`` active pairs whose mentees rated their confidence in genai (2 and 3 in
    turn) when the pair began; then the term ends. Returns the mentees."""
    bot.clock.now = START
    activate_pairs(bot, pairs)
    outbox.dispatch(bot.ctx)
    mentees = [f"UE{n}" for n in range(pairs)]
    for n, mentee in enumerate(mentees):
        asked = _asked(bot, "self_assessment", mentee)
        answers.save(bot.ctx, mentee, asked, answers.Answers(confidence={"genai": 2 + n % 2}))
    bot.clock.now += timedelta(days=60)
    with bot.ctx.db.transaction(write=False) as session:
        [cohort] = session.exec(select(Cohort)).all()
    assert cohorts.close(bot.ctx, cohort.id or 0) == pairs
    return mentees


def _close_survey(bot: Bot, mentee: str, after: int, recommend: int) -> None:
    asked = _asked(bot, "closing_survey", mentee)
    said = answers.Answers(confidence={"genai": after}, score=recommend)
    answers.save(bot.ctx, mentee, asked, said)


def _report(bot: Bot) -> tuple[dict[str, str], str]:
    """The cohort's scalar figures, and the text of the whole report."""
    _, messages = ask_report(bot, "admin report general")
    posted = [m for m in messages if m.method == "chat.postMessage"]
    return parse(posted)["Cohort general"], "\n".join(m.all_text for m in posted)


def test_outcomes_over_4_respondents_read_fewer_than_5(bot: Bot) -> None:
    for mentee in _program(bot, 4):
        _close_survey(bot, mentee, after=4, recommend=10)
    figures, text = _report(bot)
    assert figures["net_promoter"] == figures["pulse_average"] == "_fewer than 5_"
    assert "• Generative AI: _fewer than 5_ → _fewer than 5_\n" in text + "\n"
    made = report.make_report(bot.ctx, report.find_cohorts(bot.ctx, "general"), total=False)
    [(before, after)] = chart.chart_data("en", made).topics
    assert before == after == chart.Bar("Generative AI", None, "fewer than 5")  # no bar


def test_outcomes_over_6_respondents_are_shown_with_their_change(bot: Bot) -> None:
    mentees = _program(bot, 6)
    for mentee, recommend in zip(mentees, (10, 9, 9, 8, 6, 3), strict=True):
        _close_survey(bot, mentee, after=4, recommend=recommend)
    figures, text = _report(bot)
    assert figures["net_promoter"] == "*+17*"  # 3 promoters, 2 detractors of 6
    assert figures["sessions_per_pair"] == "*3.0*"  # the 3 planned, past, none said missed
    assert "• Generative AI: *2.5* → *4.0* (change +1.5)" in text
    assert "• Generative AI: *6* wanted / *6* offered" in text  # topic demand
    for mentee in mentees:  # no name, no ID
        assert mentee not in text


def test_the_chart_goes_only_to_the_admin_who_asked_as_a_png(bot: Bot) -> None:
    mentees = _program(bot, 6)
    for mentee in mentees:
        _close_survey(bot, mentee, after=4, recommend=9)
    before = len(bot.fake.files())
    ask_report(bot, "admin report general")
    [png] = bot.fake.files()[before:]
    assert png.completed and png.filename.endswith(".png")
    assert png.content is not None and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    [channel] = png.channels
    shared = bot.fake.messages_for(ADMIN)[-1]
    assert shared.files and shared.channel == channel  # shared into the admin's DM alone
    assert [f for f in bot.fake.files() if f.filename.endswith(".png")] == [png]
    for person in (*mentees, "UM0"):  # they got their calendars, and nothing else
        assert all(m.channel != channel for m in bot.fake.messages_for(person)), person


def test_a_new_or_changed_answer_of_one_person_cannot_be_told_from_two_reports(
    bot: Bot,
) -> None:
    mentees = _program(bot, 7)
    for mentee in mentees[:6]:
        _close_survey(bot, mentee, after=4, recommend=9)
    first, text = _report(bot)
    assert "• Generative AI: *2.6* → *4.0*" not in text  # six: 2,3,2,3,2,3
    assert "• Generative AI: *2.5* → *4.0* (change +1.5)" in text
    assert first["net_promoter"] == "*+100*"
    bot.clock.now += timedelta(days=1)
    _close_survey(bot, mentees[6], after=5, recommend=0)  # the seventh answers
    second, text = _report(bot)
    # Confidence and net score stand as they were: the new values would single them out.
    assert "• Generative AI: *2.5* _(unchanged since Jan 30, 2027)_ → *4.0* _(unchanged" in text
    assert second["net_promoter"] == "*+100* _(unchanged since Jan 30, 2027)_"
    bot.clock.now += timedelta(days=1)
    _close_survey(bot, mentees[0], after=1, recommend=0)  # one changes their answer
    third, text = _report(bot)
    assert "→ *4.0* _(unchanged since Jan 30, 2027)_" in text
    assert third["net_promoter"].startswith("*+100* _(unchanged")


def test_the_export_after_the_term_holds_a_debrief_with_the_outcomes_and_the_chart(
    bot: Bot,
) -> None:
    for mentee in _program(bot, 6):
        _close_survey(bot, mentee, after=4, recommend=9)
    before = len(bot.fake.files())
    bot.reply(ADMIN, "admin export general")
    assert bot.ctx.background.wait_idle()
    files = {f.filename.split("-")[2]: f for f in bot.fake.files()[before:]}
    assert set(files) == {"figures", "playbook", "chart", "debrief"}
    document = files["debrief"].text
    assert document.startswith("# Reverse mentoring debrief: general\n")
    assert "- Would recommend (net score, −100 to +100): +100" in document
    assert "- Generative AI: 2.5 → 4.0 (change +1.5)" in document
    assert f"`{files['chart'].filename}`" in document  # the file sent with it
    assert "## Best practices" in document
    open_before = len(bot.fake.files())
    bot.reply(ADMIN, "admin export")  # every cohort: no debrief
    assert bot.ctx.background.wait_idle()
    assert len(bot.fake.files()) - open_before == 2
