"""The playbook of ``/mentor admin export``: no group of learnings stands for fewer than
5 people, whatever the cohort, topic and month."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from bot.journal import reflections
from bot.reporting.report import FORGOTTEN, author_hash, person_hash, population_key
from storage.models import BestPractice, MentoringSession
from tests.harness import Bot, make_pair, make_session
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


def document(bot: Bot, text: str = "admin export") -> str:
    return playbook(export(bot, text))


def test_a_learning_of_one_pair_is_not_shown_with_its_topic_and_month(bot: Bot) -> None:
    program, made = pairs(bot, "board", "B", 1)
    for person, pair_id in sharers(program, made):
        share(bot, person, pair_id, f"learning of {person.lower()}")
    shown = document(bot, "admin export board")
    assert "learning of" not in shown
    assert "## Generative AI" not in shown and "### November 2026" not in shown
    assert HELD_BACK in shown
    assert "No learnings have been shared yet" not in shown  # there are: held back


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
