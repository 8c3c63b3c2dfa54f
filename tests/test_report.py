"""Admin report and export: aggregates only, nobody singled out, not even by subtraction."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text, update
from sqlmodel import select

from bot.core.i18n import t
from bot.enrollment import service as enrollment
from bot.fakeslack.records import FileRecord, Message
from bot.journal import goals, reflections
from bot.reporting import releases
from bot.reporting.figures import METRICS
from bot.reporting.hashes import (
    FORGOTTEN,
    FORGOTTEN_SIDE,
    contribution_hash,
    person_hash,
    population_key,
)
from bot.reporting.releases import read_all
from bot.reporting.report import CSV_HEADER
from bot.slack import ids
from storage import queries
from storage.db import Database
from storage.models import MentoringSession, ReportRelease
from tests.harness import ADMIN, Bot, make_pair, make_session

# --- building a program through the bot's own functions -------------------------------


@dataclass
class Program:
    """The people of one cohort and what they wrote (to look for in what admins get)."""

    cohort_id: int
    mentors: list[str] = field(default_factory=list)
    mentees: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)

    @property
    def people(self) -> list[str]:
        return self.mentors + self.mentees


def cohort(bot: Bot, name: str) -> int:
    bot.reply(ADMIN, f"admin cohort create {name}")
    with bot.ctx.db.transaction() as session:
        found = queries.cohort_by_name(session, name)
        assert found is not None and found.id is not None
        return found.id


def enroll(bot: Bot, program: Program, user: str, role: str) -> None:
    name = f"person-{user.lower()}"
    bot.fake.add_user(user, name=name, locale="en-US", tz="Europe/Berlin")
    form = enrollment.JoinForm(
        role=role, topics=["genai"], department=None, cohort_id=program.cohort_id
    )
    enrollment.enroll(bot.ctx, user, form)
    (program.mentors if role == "mentor" else program.mentees).append(user)
    program.names.append(name)


def build_program(bot: Bot, name: str, prefix: str, pairs: int, sharing: int = 2) -> Program:
    """``pairs`` active pairs; per pair one session held a week ago and one skipped
    yesterday; 3 of 4 people reflect on the held one (ratings 3 and 5), the first
    ``sharing`` mentees share their learning; every mentee sets two goals and rates them,
    the first mentee reaches one."""
    program = Program(cohort(bot, name))
    for n in range(pairs):
        enroll(bot, program, f"U{prefix}MENTOR{n:02d}", "mentor")
        enroll(bot, program, f"U{prefix}MENTEE{n:02d}", "mentee")
    now = bot.clock.now
    for n, (mentor, mentee) in enumerate(zip(program.mentors, program.mentees, strict=True)):
        pair_id = make_pair(bot, mentor, mentee)
        held = make_session(bot, pair_id, now - timedelta(days=7), number=1)
        skipped = make_session(bot, pair_id, now - timedelta(days=1), number=2)
        with bot.ctx.db.transaction() as session:
            session.execute(
                update(MentoringSession)
                .where(MentoringSession.id == skipped)  # type: ignore[arg-type]
                .values(status="skipped")
            )
        for user, rating in ((mentor, 3), (mentee, 5)):
            if user == mentor and n % 2:
                continue  # every other mentor does not reflect
            secret = f"private learning {user} zebra-{n}"
            share = user == mentee and n < sharing
            form = reflections.ReflectionForm(
                happened=True, learned=secret, rating=rating, share=share
            )
            reflections.save(bot.ctx, user, held, form)
            (program.shared if share else program.secrets).append(secret)
        goal_texts = [f"secret goal one of {mentee}", f"secret goal two of {mentee}"]
        goals.save(bot.ctx, mentee, [], [*goal_texts, None])
        program.secrets += goal_texts
        mine = goals.open_goals(bot.ctx, mentee)
        done = {mine[0].id} if n == 0 else set()
        goals.check_in(bot.ctx, mentee, {g.id: 3 for g in mine}, done)
    return program


# --- reading what the admin got -------------------------------------------------------


def labels(lang: str) -> dict[str, str]:
    return {m.key: t(lang, f"report.metric.{m.key}") for m in METRICS}


def parse(messages: list[Message], lang: str = "en") -> dict[str, dict[str, str]]:
    """Scope title -> metric -> the value as shown (e.g. "*6* (+1)", "_fewer than 5_")."""
    scopes: dict[str, dict[str, str]] = {}
    for message in messages:
        for block in message.blocks:
            if block["type"] != "section":
                continue
            title, *lines = block["text"]["text"].split("\n")
            if title.startswith("_"):  # confidence and demand per topic: see test_outcomes
                continue
            values = {}
            for key, label in labels(lang).items():
                [line] = [line for line in lines if line.startswith(f"• {label}: ")]
                values[key] = line[len(f"• {label}: ") :]
            scopes[title.strip("*")] = values
    return scopes


def ask_report(
    bot: Bot, text: str = "admin report", admin: str = ADMIN
) -> tuple[str, list[Message]]:
    """The ephemeral answer and the DMs that followed."""
    before = len(bot.fake.messages_for(admin))
    answer = bot.reply(admin, text)
    assert bot.ctx.background.wait_idle()
    return answer, bot.fake.messages_for(admin)[before:]


def report(bot: Bot, text: str = "admin report", admin: str = ADMIN, lang: str = "en") -> Any:
    answer, messages = ask_report(bot, text, admin)
    posted = [m for m in messages if m.method == "chat.postMessage"]
    assert posted and all(m.files for m in messages if m not in posted), answer  # the chart
    return parse(posted, lang)


def export(bot: Bot, text: str = "admin export", admin: str = ADMIN) -> list[FileRecord]:
    before = len(bot.fake.files())
    bot.reply(admin, text)
    assert bot.ctx.background.wait_idle()
    files = bot.fake.files()[before:]
    assert len(files) == 2 and all(f.completed for f in files)
    return files


def csv_rows(files: list[FileRecord]) -> list[dict[str, str]]:
    [figures] = [f for f in files if f.filename.endswith(".csv")]
    reader = csv.DictReader(io.StringIO(figures.text))
    assert reader.fieldnames == CSV_HEADER
    return list(reader)


def playbook(files: list[FileRecord]) -> str:
    [document] = [f for f in files if f.filename.endswith(".md")]
    return document.text


# --- permissions and answers ----------------------------------------------------------


def test_report_and_export_refuse_non_admins_and_send_nothing(bot: Bot) -> None:
    build_program(bot, "board", "B", 3)
    for user, command in (
        ("UEN", "admin report"),
        ("UEN", "admin export"),
        ("UEN", "admin report board"),
        ("UEN", "admin export board"),
    ):
        assert "Only program admins" in bot.reply(user, command)
    assert "Nur Programm-Admins" in bot.reply("UDE", "admin export")
    assert bot.ctx.background.wait_idle()
    assert bot.fake.messages_for("UEN") == [] and bot.fake.messages_for("UDE") == []
    assert bot.fake.files() == []
    assert not [c for c in bot.fake.calls if c.method.startswith("files.")]
    with bot.ctx.db.transaction() as session:
        assert session.exec(select(ReportRelease)).all() == []


def test_admins_see_the_commands_and_get_clear_answers(bot: Bot) -> None:
    help_text = bot.reply(ADMIN, "help")
    assert "/mentor admin report [COHORT]" in help_text
    assert "/mentor admin export [COHORT]" in help_text
    assert "/mentor admin report" in bot.reply(ADMIN, "admin")
    assert "no cohort yet" in bot.reply(ADMIN, "admin report")
    assert "no cohort yet" in bot.reply(ADMIN, "admin export")
    cohort(bot, "board")
    answer, messages = ask_report(bot, "admin report nosuch")
    assert "There is no cohort called *nosuch*" in answer and messages == []
    assert "`/mentor admin export` without a name" in bot.reply(ADMIN, "admin export nosuch")
    assert "Admin commands" in bot.reply(ADMIN, "admin report board extra")
    assert bot.ctx.background.wait_idle()
    assert bot.fake.files() == []
    assert "Building the report" in bot.reply(ADMIN, "admin report BOARD")  # any case
    assert "Preparing the export" in bot.reply(ADMIN, "admin export")


# --- the figures ----------------------------------------------------------------------


def test_the_report_shows_the_programs_figures_with_a_total(bot: Bot) -> None:
    build_program(bot, "board", "B", 6)
    answer, messages = ask_report(bot)
    assert "Building the report" in answer
    scopes = parse(messages)
    assert set(scopes) == {"Cohort board", "All cohorts"}
    board = scopes["Cohort board"]
    assert board == {
        "mentors": "*6*",
        "mentees": "*6*",
        "pairs_proposed": "_fewer than 5_",
        "pairs_active": "*6*",
        "pairs_ended": "_fewer than 5_",
        "sessions_held": "*6*",
        "sessions_skipped": "*6*",
        "reflection_rate": "*75%*",  # 9 of 12
        "average_rating": "*4.3*",  # three 3s and six 5s
        "goals_set": "*12*",
        "goals_done": "_fewer than 5_",  # one mentee reached a goal
        "goal_progress": "*3.2*",  # 3 for all but one reached (5)
        "sessions_per_pair": "*1.0*",  # 6 held, over 6 pairs with a session
        "pairs_rematched": "_fewer than 5_",  # none: the program cycle's are in test_outcomes
        "pairs_lapsed": "_fewer than 5_",
        "pulse_average": "_fewer than 5_",
        "net_promoter": "_fewer than 5_",
    }
    assert scopes["All cohorts"] == board  # one cohort: the same people, the same figures
    text = "\n".join(m.all_text for m in messages)
    assert "Reverse mentoring report" in text and "In brackets" in text
    assert "no two reports single anyone out by subtraction" in text  # the rule, in the footer

    # The next report says what changed since this one.
    bot.clock.advance(days=1)
    build_program(bot, "heads", "H", 5)
    scopes = report(bot)
    assert scopes["Cohort board"]["mentors"] == "*6* (±0)"
    assert scopes["Cohort heads"]["mentors"] == "*5*"
    assert scopes["All cohorts"]["mentors"] == "*11* (+5)"
    assert scopes["All cohorts"]["average_rating"].endswith("(±0)")
    assert scopes["All cohorts"]["sessions_held"] == "*11* (+5)"


def test_groups_under_5_read_fewer_than_5(bot: Bot) -> None:
    build_program(bot, "board", "B", 2)  # 4 people
    scopes = report(bot, "admin report board")
    assert set(scopes) == {"Cohort board"}  # a named cohort: no total
    assert set(scopes["Cohort board"].values()) == {"_fewer than 5_"}
    rows = csv_rows(export(bot, "admin export board"))
    assert len(rows) == 1
    assert {rows[0][m.column] for m in METRICS} == {"fewer than 5"}


def test_nothing_personal_reaches_the_admin(bot: Bot) -> None:
    program = build_program(bot, "board", "B", 6, sharing=6)
    _, messages = ask_report(bot)
    bot.clock.advance(days=10)  # the playbook shows a month once it is over
    files = export(bot)
    assert program.shared and program.secrets
    assert messages and all(m.recipients == (ADMIN,) for m in messages)  # the admin's DM
    texts = [m.all_text for m in messages] + [f.text for f in files] + [f.filename for f in files]
    everything = "\n".join(texts)
    for user in program.people:
        assert user not in everything
    for name in program.names:
        assert name not in everything
    for secret in program.secrets:
        assert secret not in everything
    assert "zebra" not in "\n".join(m.all_text for m in messages)  # reflections: no text
    assert "<@" not in everything
    assert not re.search(r"\bU[A-Z0-9]{6,}\b", everything)
    # Shared learnings reach only the playbook, without their authors.
    document = playbook(files)
    csv_text = next(f.text for f in files if f.filename.endswith(".csv"))
    for learning in program.shared:
        learning_without_id = learning.replace(learning.split()[2], "[…]")
        assert learning_without_id in document
        assert "zebra" not in csv_text
    # The release log holds keyed hashes of people and contributions, never IDs or keys.
    with bot.ctx.db.transaction() as session:
        released = read_all(session)
    assert released
    stored = {h for r in released for entry in r.contributions for h in entry}
    stored_text = json.dumps([r.contributions for r in released])
    key = population_key(bot.ctx.settings.encryption_key.get_secret_value())
    for user in program.people:
        token = bot.ctx.vault.user_key(user)
        assert person_hash(key, token) in stored  # as report_release names them
        assert (
            contribution_hash(key, "mentors" if "MENTOR" in user else "mentees", f"member|{token}")
            in stored
        )
        assert user not in stored_text and token not in stored_text
        assert token[:32] not in stored and f"member|{token}" not in stored_text


def test_the_export_is_a_csv_per_cohort_and_month_and_a_playbook(bot: Bot) -> None:
    board = build_program(bot, "board", "B", 6, sharing=5)
    heads = build_program(bot, "heads", "H", 2)
    bot.clock.advance(days=10)  # December
    enroll(bot, board, "UBLATEMENTOR", "mentor")
    answer = bot.reply(ADMIN, "admin export")
    assert "Preparing the export" in answer
    assert bot.ctx.background.wait_idle()
    files = bot.fake.files()
    assert len(files) == 2
    shared = [m for m in bot.fake.messages_for(ADMIN) if m.files]
    assert len(shared) == 2 and all(m.user == ADMIN for m in shared)  # the admin's DM only
    assert {f.filename for f in files} == {
        "reverse-mentoring-figures-all-2026-12-04.csv",
        "reverse-mentoring-playbook-all-2026-12-04.md",
    }

    rows = csv_rows(files)
    keys = [(row["cohort"], row["month"]) for row in rows]
    assert sorted(keys) == [
        ("board", "2026-11"),
        ("board", "2026-12"),
        ("heads", "2026-11"),
        ("heads", "2026-12"),
    ]
    by_key = {(row["cohort"], row["month"]): row for row in rows}
    november = by_key[("board", "2026-11")]
    assert november["new_mentors"] == "6" and november["new_mentees"] == "6"
    assert november["sessions_held"] == "6" and november["sessions_skipped"] == "6"
    assert november["reflection_rate_percent"] == "75"
    assert november["average_rating"] == "4.3"
    assert november["goals_set"] == "12" and november["goals_done"] == "fewer than 5"
    assert by_key[("board", "2026-12")]["new_mentors"] == "fewer than 5"  # one joined
    assert by_key[("heads", "2026-11")]["new_mentors"] == "fewer than 5"
    assert all(row["notes"] == "" for row in rows)

    document = playbook(files)
    assert document.startswith("# Reverse mentoring playbook")
    assert "## Generative AI" in document and "### November 2026" in document
    assert document.count("\n- ") == len(board.shared) == 5
    # Two people of heads shared too: held back (see tests/test_playbook.py).
    assert len(heads.shared) == 2 and "Some learnings are held back" in document

    # One cohort only.
    files = export(bot, "admin export heads")
    rows = csv_rows(files)
    assert {row["cohort"] for row in rows} == {"heads"} and len(rows) == 2
    assert bot.fake.files()[-1].filename.startswith("reverse-mentoring-playbook-heads-")
    assert "\n- " not in playbook(files) and "Some learnings are held back" in playbook(files)


def parsed_people() -> set[str]:
    """Every person hash in the releases this process keeps parsed between reports."""
    found: set[str] = set()
    for store in releases.stores():
        for release in store.parsed():
            found.update(release.entries.values())
            found.update(p for p in release.who.values() if p is not None)
    return found


# --- no figure by subtraction ---------------------------------------------------------


def forget(bot: Bot, user: str) -> None:
    bot.command(user, "forget")
    bot.slack.block_action(user, ids.FORGET_CONFIRM, value="confirm")
    assert bot.ctx.background.wait_idle()
    assert bot.fake.wait_for(
        lambda: any("All your data was deleted" in m.text for m in bot.fake.messages_for(user))
    )


def every_value(bot: Bot) -> str:
    parts = []
    with bot.ctx.db.engine.connect() as connection:
        for table in bot.ctx.db.engine.dialect.get_table_names(connection):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def test_six_then_five_does_not_reveal_who_left(bot: Bot) -> None:
    program = Program(cohort(bot, "board"))
    for n in range(6):
        enroll(bot, program, f"UBMENTOR{n:02d}", "mentor")
    first = report(bot)
    assert first["Cohort board"]["mentors"] == "*6*"
    first_csv = csv_rows(export(bot))
    assert first_csv[0]["new_mentors"] == "6"

    bot.clock.advance(days=1)
    forget(bot, "UBMENTOR03")  # 5 left: 6 - 5 would be about one person
    assert "UBMENTOR03" not in every_value(bot)  # forget still leaves no ID anywhere
    second = report(bot)
    for scope in ("Cohort board", "All cohorts"):
        assert second[scope]["mentors"] == "*6* _(unchanged since Nov 24, 2026)_"
    rows = csv_rows(export(bot))
    assert rows[0]["new_mentors"] == "6"
    assert rows[0]["notes"] == "new_mentors unchanged since 2026-11-24"
    assert "*5*" not in str(second)

    # Nor are a few joining, or someone leaving (not forgetting), revealed.
    for n in (6, 7):
        enroll(bot, program, f"UBMENTOR{n:02d}", "mentor")  # 7 enrolled, 3 people changed
    assert report(bot)["Cohort board"]["mentors"].startswith("*6* _(unchanged since Nov 24")
    bot.reply("UBMENTOR04", "leave")  # 6 enrolled, 4 people changed
    assert report(bot)["Cohort board"]["mentors"].startswith("*6* _(unchanged since Nov 24")
    # 5 people changed, but any newcomer may be the forgotten person back under their own
    # ID: then only 4 changed. Once that cannot be, the figure moves on, with the change
    # since the last release.
    enroll(bot, program, "UBMENTOR08", "mentor")
    assert report(bot)["Cohort board"]["mentors"].startswith("*6* _(unchanged since Nov 24")
    enroll(bot, program, "UBMENTOR09", "mentor")
    assert report(bot)["Cohort board"]["mentors"] == "*8* (+2)"


def test_a_total_does_not_reveal_a_small_cohort(bot: Bot) -> None:
    board = Program(cohort(bot, "board"))
    heads = Program(cohort(bot, "heads"))
    for n in range(6):
        enroll(bot, board, f"UBMENTOR{n:02d}", "mentor")
    scopes = report(bot)
    assert scopes["Cohort board"]["mentors"] == "*6*"
    assert scopes["Cohort heads"]["mentors"] == "_fewer than 5_"
    assert scopes["All cohorts"]["mentors"] == "*6*"

    bot.clock.advance(days=1)
    enroll(bot, heads, "UHMENTOR00", "mentor")  # heads: 1 mentor, total 7
    enroll(bot, heads, "UHMENTEE00", "mentee")
    for n in range(5):
        enroll(bot, board, f"UBMENTEE{n:02d}", "mentee")  # board: 5 mentees, total 6
    scopes = report(bot)
    assert scopes["Cohort board"]["mentors"] == "*6* (±0)"
    assert scopes["Cohort heads"]["mentors"] == "_fewer than 5_"
    # total - board would be heads' one person: the total keeps its earlier value...
    assert scopes["All cohorts"]["mentors"] == "*6* _(unchanged since Nov 24, 2026)_"
    # ...or, never released before, is not shown at all.
    assert scopes["Cohort board"]["mentees"] == "*5*"
    assert scopes["All cohorts"]["mentees"] == "_not shown: would single out fewer than 5 people_"
    assert report(bot, "admin report heads")["Cohort heads"]["mentees"] == "_fewer than 5_"


def pair_of(bot: Bot, mentee: str) -> int:
    with bot.ctx.db.transaction() as session:
        [pair] = queries.pairs_of(session, mentee)
        assert pair.id is not None
        return pair.id


NOT_SHOWN = "_not shown: would single out fewer than 5 people_"


def test_all_time_minus_a_month_shown_does_not_reveal_a_small_month(bot: Bot) -> None:
    build_program(bot, "board", "B", 5)  # 5 sessions held in November, by 10 people
    rows = csv_rows(export(bot))
    assert rows[0]["month"] == "2026-11" and rows[0]["sessions_held"] == "5"

    bot.clock.advance(days=10)  # December: one more session, by one pair
    make_session(bot, pair_of(bot, "UBMENTEE00"), bot.clock.now - timedelta(days=2), number=3)
    by_month = {row["month"]: row for row in csv_rows(export(bot))}
    assert by_month["2026-11"]["sessions_held"] == "5"
    assert by_month["2026-12"]["sessions_held"] == "fewer than 5"
    # 6 over the same 10 people: 6 - 5 would be December's session.
    scopes = report(bot)
    assert scopes["Cohort board"]["sessions_held"] == NOT_SHOWN
    assert scopes["All cohorts"]["sessions_held"] == NOT_SHOWN
    assert scopes["Cohort board"]["mentors"] == "*5*"  # what did not change is shown


def test_a_month_shown_after_all_time_does_not_reveal_a_small_month(bot: Bot) -> None:
    build_program(bot, "board", "B", 5)
    bot.clock.advance(days=10)
    make_session(bot, pair_of(bot, "UBMENTEE00"), bot.clock.now - timedelta(days=2), number=3)
    assert report(bot)["Cohort board"]["sessions_held"] == "*6*"
    by_month = {row["month"]: row for row in csv_rows(export(bot))}
    assert by_month["2026-11"]["sessions_held"] == "not shown"  # 6 - 5 again
    assert by_month["2026-12"]["sessions_held"] == "fewer than 5"
    assert by_month["2026-11"]["new_mentors"] == "5"


def test_a_new_rating_by_the_same_raters_is_not_revealed_by_the_trend(bot: Bot) -> None:
    program = build_program(bot, "board", "B", 5)  # 8 raters: five 5s and three 3s
    first = report(bot)["Cohort board"]
    assert first["average_rating"] == "*4.3*" and first["sessions_held"] == "*5*"
    assert first["reflection_rate"] == "*80%*"

    # One of the raters rates one more session 1: the same people, another value.
    mentee = program.mentees[1]
    meeting = make_session(bot, pair_of(bot, mentee), bot.clock.now - timedelta(days=2), 3)
    form = reflections.ReflectionForm(happened=True, learned=None, rating=1, share=False)
    reflections.save(bot.ctx, mentee, meeting, form)
    bot.clock.advance(days=1)
    second = report(bot)["Cohort board"]
    since = "_(unchanged since Nov 24, 2026)_"
    assert second["average_rating"] == f"*4.3* {since}"  # not 3.9 (−0.4): a rating of 1
    assert second["sessions_held"] == f"*5* {since}"
    assert second["reflection_rate"] == f"*80%* {since}"
    assert second["mentors"] == "*5* (±0)"


def test_forget_replaces_the_persons_hashes_in_released_figures(bot: Bot) -> None:
    program = build_program(bot, "board", "B", 6)
    user = program.mentees[0]  # in a pair, with sessions, a reflection, a rating, goals
    report(bot)
    export(bot)
    key = population_key(bot.ctx.settings.encryption_key.get_secret_value())
    token = bot.ctx.vault.user_key(user)
    pair_id = pair_of(bot, user)
    with bot.ctx.db.transaction() as session:
        meetings = session.exec(
            select(MentoringSession).where(MentoringSession.pair_id == pair_id)
        ).all()
        held, skipped = sorted(m.id or 0 for m in meetings)  # a week ago, yesterday
    goal_ids = [g.id for g in goals.open_goals(bot.ctx, user)]
    own = [
        contribution_hash(key, "mentees", f"member|{token}"),
        contribution_hash(key, "average_rating", f"rating|{held}|{token}|5"),
        contribution_hash(key, "reflection_rate", f"reflection|{held}|{token}"),
        *(contribution_hash(key, "goals_set", f"goal|{g}|{token}") for g in goal_ids),
    ]
    side = [
        contribution_hash(key, "pairs_active", f"pair|{pair_id}|1"),
        contribution_hash(key, "sessions_held", f"session|{held}|1"),
        contribution_hash(key, "sessions_skipped", f"session|{skipped}|1"),
    ]

    Released = dict[tuple[str, str, str, datetime], tuple[int, list[list[str]]]]

    def released() -> Released:
        """Each figure released (a forget writes its rows anew, under new ids)."""
        with bot.ctx.db.transaction() as session:
            rows = read_all(session)
        return {
            (r.metric, r.scope, r.period, r.released_at): (r.people, r.contributions) for r in rows
        }

    def stored(rows: Released) -> dict[str, set[str]]:
        """Contribution hash -> the person hashes stored with it."""
        found: dict[str, set[str]] = {}
        for _, entries in rows.values():
            for person, contribution in entries:
                found.setdefault(contribution, set()).add(person)
        return found

    before = released()
    hashes = stored(before)
    me = person_hash(key, token)
    assert all(hashes.get(c) == {me} for c in own + side)  # as the bot names them

    forget(bot, user)
    after = released()
    hashes = stored(after)
    # Nobody can test any more whether the ID or its keyed hash was in a figure...
    assert me not in {p for found in hashes.values() for p in found}
    assert not set(own) & set(hashes)
    # ...while every figure keeps its size and its comparisons: their contributions to
    # pairs and sessions under their side of the pair, the others under random ones.
    assert {i: (n, len(e)) for i, (n, e) in after.items()} == {
        i: (n, len(e)) for i, (n, e) in before.items()
    }
    for contribution in side:
        [placeholder] = hashes[contribution]
        assert placeholder.startswith(FORGOTTEN_SIDE) and len(placeholder) == 32
    # One random placeholder per metric they were counted in by their own contributions
    # (mentees, reflection_rate, average_rating, goals_set, goal_progress, and the demand
    # for their topic, wanted:genai; goals_done was under 5 people, so never stored).
    stand_ins = {p for found in hashes.values() for p in found if p.startswith(FORGOTTEN)}
    assert len(stand_ins) == 6 and all(len(p) == 32 for p in stand_ins)
    assert user not in every_value(bot)  # (the pair keeps its keyed hash, by design)

    # Later figures name them the same way: their sessions still count, unchanged.
    bot.clock.advance(days=1)
    board = report(bot)["Cohort board"]
    assert board["sessions_held"] == "*6* (±0)" and board["sessions_skipped"] == "*6* (±0)"
    since = "_(unchanged since Nov 24, 2026)_"
    assert board["mentees"] == f"*6* {since}"  # 5 now: one person fewer
    assert board["pairs_active"] == f"*6* {since}"  # their pair ended
    assert board["average_rating"] == f"*4.3* {since}"
    hashes = stored(released())
    assert me not in {p for found in hashes.values() for p in found}


def test_a_german_admin_gets_german(bot: Bot) -> None:
    build_program(bot, "board", "B", 6, sharing=5)
    answer, messages = ask_report(bot, admin="UOWNER")  # a workspace owner, de-AT
    assert "Ich erstelle den Bericht" in answer
    scopes = parse(messages, "de")
    board = scopes["Kohorte board"]
    assert board["mentors"] == "*6*"
    assert board["reflection_rate"] == "*75\u00a0%*"
    assert board["average_rating"] == "*4,3*"
    assert board["goals_done"] == "_weniger als 5_"
    assert "Alle Kohorten" in scopes
    text = "\n".join(m.all_text for m in messages)
    assert "Reverse-Mentoring-Bericht" in text and "herausrechnen" in text
    assert "fewer than 5" not in text

    bot.clock.advance(days=10)  # the playbook shows a month once it is over
    files = export(bot, admin="UOWNER")
    titles = {f.title for f in files}
    assert titles == {"Reverse-Mentoring-Kennzahlen pro Monat", "Best-Practice-Playbook"}
    assert csv_rows(files)[0]["goals_done"] == "fewer than 5"  # the CSV stays machine-readable
    document = playbook(files)
    assert "# Reverse-Mentoring-Playbook" in document and "## Generative KI" in document


def test_a_refused_upload_is_reported_to_the_admin(bot: Bot) -> None:
    cohort(bot, "board")
    bot.fake.fail_next("files.completeUploadExternal", error="file_upload_failed")
    bot.reply(ADMIN, "admin export")
    assert bot.ctx.background.wait_idle()
    assert bot.fake.wait_for(
        lambda: any("file_upload_failed" in m.text for m in bot.fake.messages_for(ADMIN))
    )


def test_forget_elsewhere_reaches_what_this_process_keeps(bot: Bot, database_url: str) -> None:
    """Another process (a second engine on the same database) forgets someone: this
    process drops its parsed copy of every rewritten release at its next report."""
    program = build_program(bot, "board", "B", 6)
    user = program.mentees[0]
    first = report(bot)["Cohort board"]
    export(bot)  # reads (and keeps) what the report released
    me = person_hash(
        population_key(bot.ctx.settings.encryption_key.get_secret_value()),
        bot.ctx.vault.user_key(user),
    )
    assert me in parsed_people()

    elsewhere = Database.from_url(database_url)
    try:
        with elsewhere.transaction() as session:
            key = population_key(bot.ctx.settings.encryption_key.get_secret_value())
            assert releases.forget(session, key, bot.ctx.vault.user_key(user)) > 0
    finally:
        elsewhere.dispose()
    assert me in parsed_people()  # this process has not looked yet

    bot.clock.advance(days=1)
    second = report(bot)["Cohort board"]
    assert me not in parsed_people()
    assert first["mentees"] == "*6*" and second["mentees"].startswith("*6*")


def test_forget_here_drops_the_persons_hash_from_memory(bot: Bot) -> None:
    program = build_program(bot, "board", "B", 6)
    user = program.mentees[0]
    report(bot)
    export(bot)
    me = person_hash(
        population_key(bot.ctx.settings.encryption_key.get_secret_value()),
        bot.ctx.vault.user_key(user),
    )
    assert me in parsed_people()
    forget(bot, user)
    assert me not in parsed_people()
