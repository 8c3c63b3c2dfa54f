"""The playbook of ``/mentor admin export``: no group of learnings stands for fewer than
5 people, whatever the cohort, topic and month."""

from __future__ import annotations

import itertools
import logging
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.journal import playbook as playbook_module
from bot.journal import reflections
from bot.journal.playbook import backfill_at_start, backfill_authors
from bot.reporting.hashes import FORGOTTEN, author_hash, person_hash, population_key
from storage.models import BestPractice, MentoringSession, Reflection
from tests.harness import Bot, dispatch_env, make_pair, make_session
from tests.test_cli_run import free_port, wait_healthy
from tests.test_report import Program, cohort, enroll, export, forget, playbook

HELD_BACK = "Some learnings are held back until more people have shared theirs"
_numbers = itertools.count(1)


def pairs(bot: Bot, name: str, prefix: str, count: int) -> tuple[Program, list[int]]:
    """A cohort with ``count`` active pairs."""
    program = Program(cohort(bot, name))
    for n in range(count):
        enroll(bot, program, f"U{prefix}MENTOR{n:02d}", "mentor")
        enroll(bot, program, f"U{prefix}MENTEE{n:02d}", "mentee")
    made = [
        make_pair(bot, mentor, mentee)
        for mentor, mentee in zip(program.mentors, program.mentees, strict=True)
    ]
    return program, made


def share(bot: Bot, user: str, pair_id: int, text: str, topic: str = "genai") -> None:
    """``user`` reflects on a new session of their pair about ``topic`` and shares."""
    session_id = make_session(bot, pair_id, bot.clock.now - timedelta(hours=2), next(_numbers))
    with bot.ctx.db.transaction() as session:
        session.execute(
            update(MentoringSession)
            .where(MentoringSession.id == session_id)  # type: ignore[arg-type]
            .values(agenda_ref=topic)
        )
    form = reflections.ReflectionForm(happened=True, learned=text, rating=4, share=True)
    assert reflections.save(bot.ctx, user, session_id, form)


def sharers(program: Program, made: list[int]) -> list[tuple[str, int]]:
    """Everyone of the cohort with their pair: mentor and mentee of the first pair, then
    of the second, ..."""
    return [
        (person, pair_id)
        for mentor, mentee, pair_id in zip(program.mentors, program.mentees, made, strict=True)
        for person in (mentor, mentee)
    ]


def exported(bot: Bot, text: str = "admin export") -> str:
    """The playbook exported now, at the clock's time."""
    return playbook(export(bot, text))


def next_month(now: datetime) -> datetime:
    """Midnight (UTC) of the first day of the month after ``now``'s."""
    return (now.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )


def document(bot: Bot, text: str = "admin export") -> str:
    """The playbook exported once the clock's month is over (the first day of the next
    month, UTC): what was shared up to now is in it. The clock then goes back."""
    now = bot.clock.now
    bot.clock.now = next_month(now)
    try:
        return exported(bot, text)
    finally:
        bot.clock.now = now


def undated(text: str) -> str:
    """The document without its line of scope and date."""
    return "\n".join(line for line in text.split("\n") if " · " not in line)


def test_a_learning_of_one_pair_is_not_shown_with_its_topic_and_month(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 1)
    for person, pair_id in sharers(program, made):
        share(bot, person, pair_id, f"learning of {person.lower()}")
    shown = document(bot, "admin export board")
    assert "learning of" not in shown
    assert "## Generative AI" not in shown and "### November 2026" not in shown
    assert HELD_BACK in shown
    assert "No learnings from past months yet" not in shown  # there are: held back


def test_five_people_in_a_topic_and_month_are_shown_four_are_held_back(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 3)
    people = sharers(program, made)
    for n, (person, pair_id) in enumerate(people[:4]):
        share(bot, person, pair_id, f"learning number {n}")
    shown = document(bot)
    assert "learning number" not in shown and HELD_BACK in shown  # 4 people: held back

    person, pair_id = people[4]
    share(bot, person, pair_id, "learning number 4")
    shown = document(bot)
    assert HELD_BACK not in shown
    section = shown.split("## Generative AI\n\n### November 2026\n\n")[1]
    assert section.split("\n")[:5] == [f"- learning number {n}" for n in range(5)]


def test_a_small_month_merges_into_its_topics_various_months(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 5)
    people = sharers(program, made)
    now = bot.clock.now
    bot.clock.now = datetime(2026, 9, 15, 9, tzinfo=UTC)  # 5 people in September
    for n, (person, pair_id) in enumerate(people[:5]):
        share(bot, person, pair_id, f"september {n}")
    bot.clock.now = datetime(2026, 10, 15, 9, tzinfo=UTC)  # 4 in October
    for n, (person, pair_id) in enumerate(people[5:9]):
        share(bot, person, pair_id, f"october {n}")
    bot.clock.now = now  # and 1 in November, who also shared in September
    share(bot, *people[0], "november 0")
    shown = document(bot)
    assert "### September 2026" in shown
    assert "### October 2026" not in shown and "### November 2026" not in shown
    various = shown.split("### Various months\n\n")[1].strip().split("\n")
    assert various == ["- november 0"] + [f"- october {n}" for n in range(4)]  # by text
    assert HELD_BACK not in shown


def test_small_topics_merge_into_various_topics_and_months(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 3)
    people = sharers(program, made)
    for n, (person, pair_id) in enumerate(people[:3]):
        share(bot, person, pair_id, f"genai {n}")
    for n, (person, pair_id) in enumerate(people[3:5]):
        share(bot, person, pair_id, f"security {n}", topic="security")
    shown = document(bot)
    assert "## Generative AI" not in shown and "## Cybersecurity basics" not in shown
    assert "### " not in shown  # no month either
    mixed = shown.split("## Various topics and months\n\n")[1].strip().split("\n")
    assert mixed == [f"- genai {n}" for n in range(3)] + [f"- security {n}" for n in range(2)]
    assert HELD_BACK not in shown


def test_one_person_sharing_five_learnings_is_one_person(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 2)
    people = sharers(program, made)
    for n in range(5):
        share(bot, *people[0], f"again and again {n}")
    shown = document(bot)
    assert "again and again" not in shown and HELD_BACK in shown
    for n, (person, pair_id) in enumerate(people[1:]):  # 3 more people: 4 in all
        share(bot, person, pair_id, f"others {n}")
    shown = document(bot)
    assert "again and again" not in shown and "others" not in shown and HELD_BACK in shown


def test_cohorts_too_small_alone_do_not_show_their_month_in_the_playbook_of_all(
    bot: Bot,
) -> None:
    """Set side by side, the playbook of a cohort and that of all cohorts must not narrow
    a learning down to its cohort, topic and month."""
    for name, prefix in (("board", "B"), ("heads", "H")):
        program, made = pairs(bot, name, prefix, 2)
        for person, pair_id in sharers(program, made)[:3]:
            share(bot, person, pair_id, f"learning of {person.lower()}")
    for name in ("board", "heads"):
        alone = document(bot, f"admin export {name}")
        assert "learning of" not in alone and HELD_BACK in alone
    every = document(bot)
    assert "### November 2026" not in every and "## Generative AI" not in every
    assert every.count("- learning of") == 6  # together 6 people: one group of 6
    assert "## Various topics and months" in every and HELD_BACK not in every


def test_learnings_without_an_author_count_as_nobody(bot: Bot) -> None:
    """Learnings shared before authors were kept: their people cannot be counted."""
    cohort_id = cohort(bot, "board")
    with bot.ctx.db.transaction() as session:
        for n in range(6):
            session.add(
                BestPractice(
                    cohort_id=cohort_id,
                    topic="genai",
                    month="2026-11",
                    text=bot.ctx.vault.encrypt(f"old learning {n}"),
                )
            )
    shown = document(bot)
    assert "old learning" not in shown and HELD_BACK in shown


def test_the_author_is_a_keyed_hash_that_forget_replaces(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 3)
    people = sharers(program, made)
    for n, (person, pair_id) in enumerate(people[:5]):
        share(bot, person, pair_id, f"learning {n}")
    leaving, pair_id = people[0]
    share(bot, leaving, pair_id, "learning 0 again")
    token = bot.ctx.vault.user_key(leaving)
    key = population_key(bot.ctx.settings.encryption_key.get_secret_value())
    mine = author_hash(key, token)
    with bot.ctx.db.transaction() as session:
        authors = [row.author for row in session.exec(select(BestPractice))]
    assert len(authors) == 6 and len(set(authors)) == 5 and authors.count(mine) == 2
    # Neither the ID, nor pair history's hash, nor the person of report_release.
    assert not {leaving, token, token[:32], person_hash(key, token)} & set(authors)

    forget(bot, leaving)
    with bot.ctx.db.transaction() as session:
        authors = [row.author for row in session.exec(select(BestPractice))]
    assert len(authors) == 6 and mine not in authors  # the learnings stay
    [placeholder] = {a for a in authors if a is not None and a.startswith(FORGOTTEN)}
    assert authors.count(placeholder) == 2 and len(placeholder) == 32
    # Still 5 people: shown as before, both of the forgotten person's learnings included.
    shown = document(bot)
    assert "### November 2026" in shown and HELD_BACK not in shown
    assert shown.count("\n- learning ") == 6


# --- only months that are over ---------------------------------------------------------


def test_learnings_appear_once_their_month_is_over(bot: Bot) -> None:
    """Two exports within a month are the same document: which learning is new, and
    when it came, cannot be read off them. A month's learnings appear all at once."""
    program, made = pairs(bot, "board", "B", 4)
    people = sharers(program, made)
    for n, (person, pair_id) in enumerate(people[:5]):
        share(bot, person, pair_id, f"learning {n}")  # 5 people, on 24 November
    november = exported(bot)
    assert "\n- " not in november and "### November 2026" not in november
    assert HELD_BACK not in november  # nothing of a month that is over, not even that
    assert "No learnings from past months yet." in november
    assert "Learnings shared this month appear once the month is over." in november
    assert "by calendar month (UTC)" in november

    share(bot, *people[5], "learning 5")  # one more, the same day
    assert exported(bot) == november
    bot.clock.now = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)  # in Berlin already December
    share(bot, *people[6], "learning 6")
    last = exported(bot)
    assert undated(last) == undated(november) and last != november  # only its date moved

    bot.clock.now = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # November is over
    december = exported(bot)
    section = december.split("## Generative AI\n\n### November 2026\n\n")[1]
    assert section.strip().split("\n") == [f"- learning {n}" for n in range(7)]
    assert HELD_BACK not in december and "No learnings from past months" not in december
    assert "Learnings shared this month appear once the month is over." in december

    bot.clock.advance(days=9)
    share(bot, *people[7], "learning 7")  # December's first learning
    assert undated(exported(bot)) == undated(december)


def test_only_months_that_are_over_merge_into_various_months(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 3)
    people = sharers(program, made)
    now = bot.clock.now
    bot.clock.now = datetime(2026, 10, 15, 9, tzinfo=UTC)  # 4 people in October
    for n, (person, pair_id) in enumerate(people[:4]):
        share(bot, person, pair_id, f"october {n}")
    bot.clock.now = now  # and a fifth in November: together 5 people, but not yet
    share(bot, *people[4], "november 0")
    shown = exported(bot)
    assert "### Various months" not in shown and "## Various topics" not in shown
    assert "\n- " not in shown and HELD_BACK in shown  # October's 4 people
    shown = document(bot)
    various = shown.split("### Various months\n\n")[1].strip().split("\n")
    assert various == ["- november 0"] + [f"- october {n}" for n in range(4)]
    assert HELD_BACK not in shown


def test_only_months_that_are_over_merge_into_various_topics_and_months(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 3)
    people = sharers(program, made)
    now = bot.clock.now
    bot.clock.now = datetime(2026, 10, 15, 9, tzinfo=UTC)  # 3 + 1 people in October
    for n, (person, pair_id) in enumerate(people[:3]):
        share(bot, person, pair_id, f"genai {n}")
    share(bot, *people[3], "security 0", topic="security")
    bot.clock.now = now  # and a fifth in November
    share(bot, *people[4], "security 1", topic="security")
    shown = exported(bot)
    assert "## Various topics and months" not in shown
    assert "\n- " not in shown and HELD_BACK in shown
    shown = document(bot)
    mixed = shown.split("## Various topics and months\n\n")[1].strip().split("\n")
    assert mixed == [f"- genai {n}" for n in range(3)] + [f"- security {n}" for n in range(2)]
    assert HELD_BACK not in shown


# --- learnings shared before authors were kept ------------------------------------------


def authors_by_text(bot: Bot) -> dict[str, list[str | None]]:
    with bot.ctx.db.transaction() as session:
        rows = session.exec(select(BestPractice)).all()
    found: dict[str, list[str | None]] = {}
    for row in rows:
        found.setdefault(bot.ctx.vault.decrypt(row.text), []).append(row.author)
    return found


def as_before_authors_were_kept(bot: Bot) -> None:
    """Every shared learning without its author, as the bot stored them before it kept
    authors. Reflections are dated by the wall clock, the month of a learning by the
    bot's: in the bot both are the same clock, here the simulated one dates both."""
    with bot.ctx.db.transaction() as session:
        session.execute(update(BestPractice).values(author=None))
        session.execute(update(Reflection).values(created_at=bot.clock.now))


def mentor_bot(bot: Bot, *command: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *command],
        env={**dispatch_env(bot), "MENTOR_SCHEDULER": "off", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_learnings_shared_before_authors_were_kept_get_their_author_at_start(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 4)
    people = sharers(program, made)
    for n, (person, pair_id) in enumerate(people[:6]):
        share(bot, person, pair_id, f"old learning {n}")
    share(bot, *people[0], "old learning 0, again")  # the first person twice
    leaving, pair_id = people[6]
    share(bot, leaving, pair_id, "what the leaver learned")
    share(bot, leaving, pair_id, "the same words")  # and someone else wrote these too
    share(bot, *people[1], "the same words")
    as_before_authors_were_kept(bot)
    forget(bot, leaving)  # their reflections go; their learnings stay, without an author
    shown = document(bot)
    assert "old learning" not in shown and HELD_BACK in shown  # nobody behind them

    # `mentor-bot dispatch` gives them their authors at start-up, and says how many.
    process = mentor_bot(bot, "dispatch")
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0, errors
    assert "7 learnings shared before authors were kept have their author" in errors
    assert "Traceback" not in errors

    key = population_key(bot.ctx.settings.encryption_key.get_secret_value())
    hashes = [author_hash(key, bot.ctx.vault.user_key(person)) for person, _ in people]
    assert authors_by_text(bot) == {
        **{f"old learning {n}": [hashes[n]] for n in range(6)},
        "old learning 0, again": [hashes[0]],
        # The leaver's reflections are gone: nobody can be named for their learnings,
        # and not the other person who wrote the same words either.
        "what the leaver learned": [None],
        "the same words": [None, None],
    }
    shown = document(bot)
    section = shown.split("## Generative AI\n\n### November 2026\n\n")[1].strip()
    # 6 people stand behind the month: shown, with what nobody is named for in it.
    assert section.split("\n") == sorted(
        [f"- old learning {n}" for n in range(6)]
        + ["- old learning 0, again", "- what the leaver learned"]
        + ["- the same words"] * 2
    )
    assert HELD_BACK not in shown
    assert backfill_authors(bot.ctx) == 0  # what is left stays as it is

    # `mentor-bot run` does the same at its start.
    with bot.ctx.db.transaction() as session:
        session.execute(
            update(BestPractice)
            .where(BestPractice.author == hashes[0])  # type: ignore[arg-type]
            .values(author=None)
        )
    port = free_port()
    process = mentor_bot(bot, "run", PORT=str(port))
    lines, reader = log_of(process)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=10)
    log = "".join(lines)
    assert process.returncode == 0, log
    assert "2 learnings shared before authors were kept have their author" in log
    assert "not backfilled" not in log
    assert authors_by_text(bot)["old learning 0, again"] == [hashes[0]]


def log_of(process: subprocess.Popen[str]) -> tuple[list[str], threading.Thread]:
    """The lines the process logs, as they come."""
    lines: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        lines.extend(process.stderr)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


def test_the_backfill_never_stops_the_start(
    bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    cohort_id = cohort(bot, "board")
    with bot.ctx.db.transaction() as session:
        session.add(BestPractice(cohort_id=cohort_id, month="2026-10", text="not a token"))
    assert backfill_authors(bot.ctx) == 0  # a text that does not decrypt is left alone

    def broken(ctx: object) -> None:
        raise RuntimeError("broken")

    monkeypatch.setattr(playbook_module, "_attributions", broken)
    with caplog.at_level(logging.INFO):
        backfill_at_start(bot.ctx)  # logs, does not raise
    assert "authors of shared learnings not backfilled" in caplog.text
