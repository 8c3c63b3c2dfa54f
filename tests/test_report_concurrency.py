"""Reports compute while only reading: commands go on writing meanwhile, and what another
report released or a forget changed in the meantime is taken into account."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlmodel import select

from bot.enrollment import privacy
from bot.reporting import report as report_module
from bot.reporting.figures import UNCHANGED, VALUE
from bot.reporting.hashes import person_hash, population_key
from bot.reporting.releases import read_all
from storage.db import Database
from storage.models import Participant, ReportRelease
from tests.harness import ADMIN, Bot
from tests.test_report import build_program, enroll, parse

PROMPTLY = 5.0  # seconds; the report below takes as long as the test lets it


@contextmanager
def held(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> Iterator[threading.Event]:
    """Hold the first caller of ``owner.<name>`` right after that call until the block
    ends; yields the event set once it is held."""
    holding = threading.Event()
    go_on = threading.Event()
    real: Callable[..., Any] = getattr(owner, name)
    first = threading.Lock()

    def slow(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if first.acquire(blocking=False):
            holding.set()
            go_on.wait(30)
        return result

    monkeypatch.setattr(owner, name, slow)
    try:
        yield holding
    finally:
        go_on.set()


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    return thread, result


def test_a_command_writes_while_a_report_is_computed(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = build_program(bot, "board", "B", 6)
    user = program.mentees[0]
    before = len(bot.fake.messages_for(ADMIN))
    with held(monkeypatch, report_module, "compute") as holding:
        assert "Building the report" in bot.reply(ADMIN, "admin report")
        assert holding.wait(10)  # the report is computing its figures
        pausing, answer = in_thread(lambda: bot.reply(user, "pause"))
        pausing.join(PROMPTLY)
        paused_first = not pausing.is_alive()
        report_sent = len(bot.fake.messages_for(ADMIN)) > before
    pausing.join(30)
    assert paused_first and not report_sent  # the pause did not wait for the report
    assert answer and answer[0].startswith("Paused.")
    with bot.ctx.db.transaction() as session:
        row = session.exec(select(Participant).where(Participant.user_id == user)).one()
        assert row.status == "paused"
    assert bot.ctx.background.wait_idle()
    board = parse(bot.fake.messages_for(ADMIN)[before:])["Cohort board"]
    assert board["mentors"] == "*6*" and board["mentees"] == "*6*"


def test_a_release_by_another_report_meanwhile_is_checked_against(
    bot: Bot, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reports computed at once (here by two processes) do not both release figures
    that, side by side, single someone out."""
    program = build_program(bot, "board", "B", 6)
    [board] = report_module.find_cohorts(bot.ctx, "board")
    elsewhere = Database.from_url(database_url)
    other = dataclasses.replace(bot.ctx, db=elsewhere)
    try:
        with held(monkeypatch, report_module.Releaser, "release") as holding:
            # The first report has decided on its first figure (6 mentors) and is held.
            first, made = in_thread(
                lambda: report_module.make_report(bot.ctx, [board], total=False)
            )
            assert holding.wait(10)
            enroll(bot, program, "UBLATEMENTOR", "mentor")  # one mentor more
            second = report_module.make_report(other, [board], total=False)
            mentors = second.scopes[0].figures[0]
            assert (mentors.state, mentors.value) == (VALUE, 7)
        first.join(30)
    finally:
        elsewhere.dispose()
    assert made, "the first report did not finish"
    # 6 mentors next to the 7 released meanwhile would single out the one who joined.
    shown = made[0].scopes[0].figures[0]
    assert (shown.state, shown.value) == (UNCHANGED, 7)
    with bot.ctx.db.transaction() as session:
        rows = session.exec(select(ReportRelease).where(ReportRelease.metric == "mentors")).all()
    assert [row.value for row in rows] == [7]
    # Figures that did not change were not stored twice.
    with bot.ctx.db.transaction() as session:
        rows = session.exec(select(ReportRelease)).all()
    keys = [(row.metric, row.scope, row.period, row.value) for row in rows]
    assert len(keys) == len(set(keys))


def test_a_forget_while_a_report_is_computed_leaves_no_hash_of_the_person(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = build_program(bot, "board", "B", 6)
    user = program.mentees[0]
    [board] = report_module.find_cohorts(bot.ctx, "board")
    with held(monkeypatch, report_module.Releaser, "release") as holding:
        reporting, made = in_thread(lambda: report_module.make_report(bot.ctx, [board], total=True))
        assert holding.wait(10)  # the data, with the person in it, is read
        forgetting, found = in_thread(lambda: privacy.forget(bot.ctx, user))
        forgetting.join(PROMPTLY)
        forgotten_first = not forgetting.is_alive()
        report_done = not reporting.is_alive()
    reporting.join(30)
    forgetting.join(30)
    assert forgotten_first and not report_done and found == [True]
    assert made, "the report did not finish"
    me = person_hash(
        population_key(bot.ctx.settings.encryption_key.get_secret_value()),
        bot.ctx.vault.user_key(user),
    )
    with bot.ctx.db.transaction() as session:
        rows = read_all(session)
    assert rows
    assert me not in {person for row in rows for person, _ in row.contributions}
    # Figures as after the forget: 5 mentees.
    mentees = {f.metric.key: f for f in made[0].scopes[0].figures}["mentees"]
    assert (mentees.state, mentees.value) == (VALUE, 5)
