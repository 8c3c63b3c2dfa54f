"""A cohort's whole term through the real bot: what each person received, and on which day.

Runs the demo workspace (:class:`bot.demo.workspace.Demo`: the real Bolt app, storage and
outbox against the built-in Slack stand-in, on a simulated clock) in a temporary folder
and plays one cohort's six-month term from outside, as people would do it in Slack:

* the program owner creates the cohort (``/mentor admin cohort create``: the default
  cadence, every two weeks, and the default term of six months); the cast's 13 colleagues
  join through the join modal (6 mentees, 7 mentors), the owner runs ``/mentor admin
  match`` and everyone accepts in their intro; mentees set two learning goals;
* the clock moves on a day at a time for ``--weeks`` weeks (``Demo.advance``: the hourly
  scheduler passes, and the outbox at each due moment) and after each day people answer
  what arrived: the mentee's self-assessment, the pulses, reflections after sessions ("it
  took place"; mentees more often than mentors, and no pair silent for more than 30
  days), goal check-ins, and the closing survey when the term has ended;
* one person, drawn with ``--seed``, ticks "I would like a new partner" in their first
  pulse: the pair ends without blame and the owner matches again the next morning (with
  the default seed, Margaret asks, and Tom is matched anew with Anand, who had waited;
  with others, nobody left may fit, and both wait);
* one pair, drawn with ``--seed``, never answers anything: it is nudged after 45 days
  and closed as lapsed after 90 (its people then wait: the owner does not match again);
* at the end the owner runs ``/mentor admin report`` and ``/mentor admin export``.

Printed: per person, every kind of message the bot sent them (the ``notification`` rows
that went out; a pair's group-DM messages count for both people) with how many and on
which simulated days (day 0 is the cohort's creation), and what the stand-in showed them
(messages, buttons, files); then the totals per kind and outcome, the pairs (start, end
and why), the days of the pulses, nudges and lapse closes, the answers stored
(``survey_answer``), the ``report_release`` rows, the admin's report DM and files, checks
of what such a term should look like, and the wall-clock time.

Takes about 1.5 minutes on 2 cores.

Usage: .venv/bin/python benchmarks/term.py [--weeks 27] [--seed 2] [--start 2027-01-04]
    [--keep]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlmodel import Session, col, create_engine, select  # noqa: E402

from bot.demo.cast import ADMIN, BY_ID, CAST, PROGRAM_CHANNEL_NAME, Person  # noqa: E402
from bot.demo.workspace import Demo, Target  # noqa: E402
from bot.fakeslack.records import Message  # noqa: E402
from storage import queries  # noqa: E402
from storage.models import (  # noqa: E402
    Cohort,
    MentoringSession,
    Notification,
    Pair,
    Reflection,
    ReportRelease,
    SurveyAnswer,
)

COHORT = "Leaders"
#: The program owner's zone: the demo starts at 09:00 there, and days are its dates.
HOME = ZoneInfo("Europe/Berlin")
PEOPLE = [p for p in CAST if p.role]
#: Kinds that may still reach a person after their pair ended.
AFTER_END = {"notice", "closing_survey", "pair_closed", "calendar", "waiting"}
LEARNINGS = [
    "Asking the assistant for three options first, then choosing, saves me an hour a week.",
    "Short videos explain our product better than any slide deck I have made.",
    "Reverse mentoring works best when I bring a real problem from this week.",
    "Hybrid meetings need one person who watches the chat.",
]
GOALS = {
    "de": ["Einen KI-Assistenten jede Woche selbst nutzen", "Datenkompetenz im Team stärken"],
    "en": ["Post on LinkedIn once a week myself", "Understand what our customers see online"],
}


@dataclass
class Played:
    """What the people did, and what surprised the script on the way."""

    answered: Counter[str] = field(default_factory=Counter)
    wish_day: int | None = None
    #: The owner's matches: the day, and what the bot answered.
    matches: list[tuple[int, str]] = field(default_factory=list)
    with_goals: set[str] = field(default_factory=set)
    rematches: int = 0
    last_report: dict[int, int] = field(default_factory=dict)
    checkins: Counter[str] = field(default_factory=Counter)
    oddities: list[str] = field(default_factory=list)


class Term:
    """One cohort's term, played through the demo workspace."""

    def __init__(self, demo: Demo, rng: random.Random, start: datetime) -> None:
        self.demo = demo
        self.rng = rng
        self.start = start
        self.played = Played()
        self.handled: set[tuple[str, str, str, str]] = set()
        self.silent: set[str] = set()  # the two people of the pair that never answers
        self.wisher: str | None = None

    # -- what people do -------------------------------------------------------------------

    def day(self) -> int:
        return day_of(self.demo.clock.now, self.start)

    def dm(self, user_id: str) -> str:
        return self.demo.fake.open_im(user_id)

    def command(self, user_id: str, text: str) -> list[Message]:
        """Type a ``/mentor`` command in the person's DM with the app; returns what
        reached them meanwhile (the command's answer, and anything it caused)."""
        before = len(self.demo.fake.messages_for(user_id))
        self.demo.type(user_id, self.dm(user_id), text)
        return self.demo.fake.messages_for(user_id)[before:]

    def modal(self, user_id: str, callback_id: str) -> dict[str, Any] | None:
        stack = self.demo.fake.modal_stack(user_id)
        if stack and stack[-1].get("callback_id") == callback_id:
            return stack[-1]
        return None

    def submit(self, user_id: str, view: dict[str, Any], answers: dict[str, Any]) -> bool:
        errors = self.demo.submit(user_id, str(view["id"]), answers)
        if errors:
            self.note(f"{name(user_id)}: {view.get('callback_id')} refused: {errors}")
            self.demo.close_modal(user_id)
        return not errors

    def press(self, user_id: str, message: Message, action_id: str) -> None:
        self.demo.click(user_id, Target(message.channel, message.ts), action_id)

    def note(self, text: str) -> None:
        self.played.oddities.append(f"day {self.day()}: {text}")

    def create_cohort(self) -> None:
        answer = self.command(
            ADMIN, f"/mentor admin cohort create {COHORT} #{PROGRAM_CHANNEL_NAME}"
        )
        if not any(COHORT in m.all_text for m in answer):
            raise SystemExit(f"the cohort was not created: {[m.text for m in answer]}")

    def join(self, person: Person) -> None:
        """``/mentor join`` and the modal filled in with the person's answers."""
        self.command(person.id, "/mentor join")
        view = self.modal(person.id, "join")
        if view is None:
            raise SystemExit(f"the join modal did not open for {person.name}")
        answers: dict[str, Any] = {
            "role": person.role,
            "topics": list(person.topics),
            "department": person.department,
            "weekdays": [str(d) for d in person.weekdays],
            "time_window": person.window,
        }
        if not self.submit(person.id, view, answers):
            raise SystemExit(f"the join modal refused {person.name}")

    def match(self) -> None:
        answer = self.command(ADMIN, f"/mentor admin match {COHORT}")
        self.played.matches.append((self.day(), " / ".join(m.text for m in answer)))

    def set_goals(self, person: Person) -> None:
        self.command(person.id, "/mentor goals")
        view = self.modal(person.id, "goals")
        if view is None:
            self.note(f"{person.name}: the goals modal did not open")
            return
        goals = GOALS[person.lang]
        if self.submit(person.id, view, {"goal_1": goals[0], "goal_2": goals[1]}):
            self.played.answered["goals"] += 1
            self.played.with_goals.add(person.id)

    def choose_roles(self) -> None:
        """Draw the pair that never answers and the person who asks for a new partner."""
        pairs = self.pairs(status="active")
        silent = self.rng.choice(pairs)
        self.silent = {silent.mentor_id or "", silent.mentee_id or ""}
        others = sorted(
            p for pair in pairs if pair is not silent for p in (pair.mentor_id, pair.mentee_id) if p
        )
        self.wisher = self.rng.choice(others)

    def answer_all(self) -> None:
        """Everyone answers what reached them, once; new mentees set their goals."""
        self.answer_messages()
        self.set_missing_goals()

    def answer_messages(self) -> None:
        for person in PEOPLE:
            for message in list(self.demo.fake.messages_for(person.id)):
                if message.deleted:
                    continue
                for action_id in message.action_ids():
                    key = (person.id, message.channel, message.ts, action_id)
                    if key in self.handled:
                        continue
                    self.handled.add(key)
                    self.act(person, message, action_id)

    def set_missing_goals(self) -> None:
        """A mentee whose pair just became active sets two goals (not the silent one)."""
        for person in PEOPLE:
            if person.role != "mentee" or person.id in self.silent | self.played.with_goals:
                continue
            pair = self.open_pair(person.id)
            if pair is not None and pair.status == "active":
                self.set_goals(person)

    def act(self, person: Person, message: Message, action_id: str) -> None:
        if action_id == "pair_accept":
            self.press(person.id, message, action_id)
            return
        if person.id in self.silent:
            return
        if action_id == "self_assessment_open":
            self.question(person, message, action_id, "self_assessment")
        elif action_id == "pulse_open":
            self.question(person, message, action_id, "pulse")
        elif action_id == "closing_survey_open":
            self.question(person, message, action_id, "closing_survey")
        elif action_id == "reflect_open":
            self.reflect(person, message)
        elif action_id == "goal_checkin_open":
            self.checkin(person, message)

    def question(self, person: Person, message: Message, action_id: str, callback: str) -> None:
        view = self.open(person, message, action_id, callback)
        if view is None:
            return
        answers: dict[str, Any] = {}
        for block in view.get("blocks") or []:
            block_id = str(block.get("block_id") or "")
            if block_id.startswith("confidence_"):
                low = 3 if callback == "closing_survey" else 1
                answers[block_id] = str(self.rng.randint(low, low + 2))
        if callback == "pulse":
            answers["pulse_score"] = str(self.rng.randint(3, 5))
            if person.id == self.wisher and self.played.wish_day is None:
                answers["pulse_score"] = "2"
                answers["new_partner"] = ["yes"]
                self.played.wish_day = self.day()
        if callback == "closing_survey":
            answers["recommend"] = str(self.rng.randint(7, 10))
            if self.rng.random() < 0.5:
                answers["survey_learning"] = self.rng.choice(LEARNINGS)
        if self.submit(person.id, view, answers):
            self.played.answered[callback] += 1

    def reflect(self, person: Person, message: Message) -> None:
        """Mentees reflect more often than mentors; a pair reports at least monthly."""
        pair = self.open_pair(person.id)
        if pair is None or pair.id is None:
            return
        overdue = self.day() - self.played.last_report.setdefault(pair.id, self.day()) > 30
        if not overdue and self.rng.random() > (0.7 if person.role == "mentee" else 0.35):
            return
        view = self.open(person, message, "reflect_open", "reflection")
        if view is None:
            return
        answers: dict[str, Any] = {"happened": "yes", "rating": str(self.rng.randint(3, 5))}
        if self.rng.random() < 0.5:
            answers["learned"] = self.rng.choice(LEARNINGS)
            if self.rng.random() < 0.3:
                answers["share"] = ["share"]
        if self.submit(person.id, view, answers):
            self.played.answered["reflection"] += 1
            self.played.last_report[pair.id] = self.day()

    def checkin(self, person: Person, message: Message) -> None:
        view = self.open(person, message, "goal_checkin_open", "goal_checkin")
        if view is None:
            return
        self.played.checkins[person.id] += 1
        level = str(min(5, 1 + self.played.checkins[person.id]))
        answers = {
            str(block["block_id"]): level
            for block in view.get("blocks") or []
            if str(block.get("block_id") or "").startswith("progress_")
        }
        if self.submit(person.id, view, answers):
            self.played.answered["goal_checkin"] += 1

    def open(
        self, person: Person, message: Message, action_id: str, callback: str
    ) -> dict[str, Any] | None:
        """Press a button that opens a modal; the modal, or None (noted, with what the bot
        said instead)."""
        before = len(self.demo.fake.messages_for(person.id))
        self.press(person.id, message, action_id)
        view = self.modal(person.id, callback)
        if view is None:
            said = [m.text for m in self.demo.fake.messages_for(person.id)[before:]]
            pair = self.open_pair(person.id)
            self.note(
                f"{person.name} ({'in a pair, ' + pair.status if pair else 'pair ended'}):"
                f" {action_id} opened no {callback} modal, the bot said {said}"
            )
        return view

    def rematch_if_asked(self) -> None:
        """The morning after a pair ended at someone's wish, the owner matches again."""
        asked = [p for p in self.pairs() if p.end_reason == "rematch"]
        if len(asked) > self.played.rematches:
            self.match()
            self.played.rematches += 1

    # -- what the database says (read only) -----------------------------------------------

    def pairs(self, status: str | None = None) -> list[Pair]:
        with self.demo.ctx.db.transaction(write=False) as session:
            query = select(Pair).order_by(col(Pair.id))
            if status:
                query = query.where(Pair.status == status)
            return list(session.exec(query))

    def open_pair(self, user_id: str) -> Pair | None:
        with self.demo.ctx.db.transaction(write=False) as session:
            return queries.open_pair_of(session, user_id)

    def term_over(self) -> bool:
        with self.demo.ctx.db.transaction(write=False) as session:
            cohort = queries.cohort_by_name(session, COHORT)
            return cohort is not None and not cohort.is_open

    # -- the term -------------------------------------------------------------------------

    def setup(self) -> None:
        self.create_cohort()
        for person in PEOPLE:
            self.join(person)
        self.match()
        self.answer_messages()  # everyone accepts their intro
        self.choose_roles()
        self.set_missing_goals()

    def run(self, days: int) -> bool:
        """Let ``days`` days pass, one at a time: after each the owner matches again if a
        pair ended at someone's wish, and people answer; returns whether the term ended."""
        for _ in range(days):
            self.demo.advance(timedelta(days=1))
            self.rematch_if_asked()
            self.answer_all()
        return self.term_over()

    def report(self) -> tuple[list[Message], list[Message]]:
        """The owner's report and export; returns what reached the owner for each."""
        report = self.command(ADMIN, f"/mentor admin report {COHORT}")
        export = self.command(ADMIN, f"/mentor admin export {COHORT}")
        return report, export


# -- reading the results ------------------------------------------------------------------


def name(user_id: str | None) -> str:
    person = BY_ID.get(user_id or "")
    return person.name if person else str(user_id)


def label(row: Notification) -> str:
    """A notification's kind as printed; a notice says which."""
    if row.kind == "notice":
        return f"notice:{(row.args or {}).get('text', '?')}"
    if row.kind == "pulse":
        return f"pulse:{(row.args or {}).get('moment', '?')}"
    return row.kind


def day_of(moment: datetime, start: datetime) -> int:
    """The simulated day of ``moment``: calendar days in Berlin since the start's."""
    return (moment.astimezone(HOME).date() - start.astimezone(HOME).date()).days


def day_or_none(moment: datetime | None, start: datetime) -> int | None:
    return None if moment is None else day_of(moment, start)


def days_text(days: list[int]) -> str:
    return ", ".join(str(d) for d in sorted(days))


def block_text(blocks: list[dict[str, Any]]) -> str:
    """A message's blocks as the plain lines a reader sees."""
    lines = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and text.get("text"):
            lines.append(str(text["text"]))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                lines.append(str(element.get("text", "")))
    return "\n".join(lines)


@dataclass
class Stored:
    """What the run left in ``demo.db``."""

    rows: list[Notification]
    pairs: list[Pair]
    sessions: list[MentoringSession]
    answers: list[SurveyAnswer]
    reflections: int
    releases: int
    cohort: Cohort


def read_database(path: Path) -> Stored:
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        stored = Stored(
            rows=list(session.exec(select(Notification).order_by(col(Notification.id)))),
            pairs=list(session.exec(select(Pair).order_by(col(Pair.id)))),
            sessions=list(session.exec(select(MentoringSession))),
            answers=list(session.exec(select(SurveyAnswer).order_by(col(SurveyAnswer.id)))),
            reflections=len(list(session.exec(select(Reflection.id)))),
            releases=len(list(session.exec(select(ReportRelease.id)))),
            cohort=session.exec(select(Cohort)).one(),
        )
    engine.dispose()
    return stored


def received(stored: Stored) -> dict[str, list[tuple[Notification, str]]]:
    """Per person, the notification rows sent to them (group-DM rows to both people)."""
    members = {p.id: (p.mentor_id, p.mentee_id) for p in stored.pairs}
    found: dict[str, list[tuple[Notification, str]]] = defaultdict(list)
    for row in stored.rows:
        if row.status != "sent":
            continue
        people = [row.user_id] if row.user_id else list(members.get(row.pair_id or 0, ()))
        for person in people:
            if person:
                found[person].append((row, label(row)))
    return found


def sent_day(row: Notification, start: datetime) -> int:
    return day_of(row.sent_at or row.due_at, start)


def print_people(stored: Stored, demo: Demo, start: datetime) -> None:
    print("Per person: the bot's messages that went out (kind, how many, on which days)")
    by_person = received(stored)
    for person in CAST:
        kinds: dict[str, list[int]] = defaultdict(list)
        for row, kind in by_person.get(person.id, []):
            kinds[kind].append(sent_day(row, start))
        print(f"\n{person.name} ({person.role or 'program owner'}, {person.tz}, {person.lang})")
        for kind in sorted(kinds):
            print(f"  {kind:<31}{len(kinds[kind]):>3}  days {days_text(kinds[kind])}")
        seen = [m for m in demo.fake.messages_for(person.id) if not m.deleted]
        files = Counter(f.filename.rsplit(".", 1)[-1] for m in seen for f in m.files)
        own = sum(1 for m in seen if m.ephemeral or m.method == "response_url")
        buttons = Counter(a for m in seen for a in m.action_ids())
        print(
            f"  in Slack: {len(seen)} messages ({own} of them answers to their own commands"
            f" and clicks), files: {dict(files) or 'none'}"
        )
        if buttons:
            print("  buttons: " + ", ".join(f"{a} {n}" for a, n in sorted(buttons.items())))


def print_kinds(stored: Stored, start: datetime, end: datetime) -> None:
    print("\nMessages per kind: notification rows by outcome (all people)")
    outcomes = sorted({row.status for row in stored.rows})
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for row in stored.rows:
        table[label(row)][row.status] += 1
    print(f"  {'kind':<31}" + "".join(f"{o:>10}" for o in outcomes))
    for kind in sorted(table):
        print(f"  {kind:<31}" + "".join(f"{table[kind][o]:>10}" for o in outcomes))
    total = Counter(row.status for row in stored.rows)
    print(f"  {'all':<31}" + "".join(f"{total[o]:>10}" for o in outcomes))
    pending = [day_of(row.due_at, start) for row in stored.rows if row.status == "pending"]
    if pending:
        print(
            f"  pending rows are due on days {min(pending)} to {max(pending)}"
            f" (the run ended on day {day_of(end, start)})"
        )


def print_pairs(stored: Stored, term: Term, start: datetime) -> None:
    print("\nPairs (days)")
    for pair in stored.pairs:
        print(
            f"  #{pair.id} {name(pair.mentee_id)} (mentee) with {name(pair.mentor_id)}:"
            f" {pair.status}, proposed {day_or_none(pair.created_at, start)},"
            f" active {day_or_none(pair.activated_at, start)},"
            f" ended {day_or_none(pair.ended_at, start)} ({pair.end_reason or '-'})"
        )
    reasons = Counter(p.end_reason or f"open, {p.status}" for p in stored.pairs)
    print("  by end_reason: " + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())))
    for day, said in term.played.matches:
        print(f"  the owner's match on day {day}: {said}")

    print("\nThe program cycle's moments: messages sent and pairs ended, by day")
    moments: dict[str, Counter[int]] = defaultdict(Counter)
    for row in stored.rows:
        if row.status == "sent" and row.kind in (
            "self_assessment",
            "pulse",
            "lapse_nudge",
            "closing_survey",
        ):
            moments[label(row)][sent_day(row, start)] += 1
    for pair in stored.pairs:
        if pair.ended_at is not None:
            moments[f"pair ended: {pair.end_reason}"][day_of(pair.ended_at, start)] += 1
    for kind in sorted(moments):
        when = ", ".join(f"day {d} ({n})" for d, n in sorted(moments[kind].items()))
        print(f"  {kind:<31}{when}")
    cohort = stored.cohort
    print(
        f"  cohort {cohort.name}: created_at {cohort.created_at:%Y-%m-%d %H:%M} UTC, term_end"
        f" {cohort.term_end}, open {cohort.is_open}, nudge {cohort.nudge_days} and close"
        f" {cohort.close_days} days"
    )


def print_answers(stored: Stored, term: Term) -> None:
    print("\nWhat people did, and what was stored")
    print("  answered: " + ", ".join(f"{k} {n}" for k, n in sorted(term.played.answered.items())))
    stored_answers = Counter((a.kind, a.moment or "-", a.role) for a in stored.answers)
    print(
        "  survey_answer rows (kind, moment, role): "
        + ", ".join(f"{k} {m} {r} {n}" for (k, m, r), n in sorted(stored_answers.items()))
    )
    print(
        f"  new-partner wishes {sum(a.new_partner for a in stored.answers)}, learnings shared"
        f" in the survey {sum(a.shared for a in stored.answers)}, reflections"
        f" {stored.reflections}, report_release rows {stored.releases}"
    )


def print_admin(report: list[Message], export: list[Message]) -> None:
    print("\nWhat reached the admin for /mentor admin report and /mentor admin export")
    for command, messages in (("report", report), ("export", export)):
        for message in messages:
            where = "only visible to the admin" if message.ephemeral else "DM"
            if message.files:
                for f in message.files:
                    size = len(f.content or b"")
                    print(f"  {command}, {where}: file {f.filename} ({size:,} bytes)")
                continue
            lines = (block_text(message.blocks) or message.text).splitlines()
            print(f"  {command}, {where}:" + (f" {lines[0]}" if len(lines) == 1 else ""))
            for line in lines if len(lines) > 1 else []:
                print(f"    | {line}")


def checks(stored: Stored, demo: Demo, term: Term, start: datetime) -> None:
    """What such a term should look like: each OK or FAIL, then what the script noted."""
    results: list[tuple[bool, str]] = []
    sent = [row for row in stored.rows if row.status == "sent"]

    def of(kind: str) -> list[Notification]:
        return [row for row in sent if row.kind == kind]

    pulses = Counter((r.user_id, r.pair_id, (r.args or {}).get("moment")) for r in of("pulse"))
    per_day = Counter((r.user_id, sent_day(r, start)) for r in of("pulse"))
    results.append(
        (
            all(n == 1 for n in pulses.values()) and all(n == 1 for n in per_day.values()),
            f"one pulse per person, pair and moment, never two on a day ({len(pulses)} sent)",
        )
    )
    activated = {p.id: day_or_none(p.activated_at, start) for p in stored.pairs}
    early = [r for r in of("pulse") if (r.args or {}).get("moment") == "30d"]
    results.append(
        (
            all(sent_day(r, start) == (activated[r.pair_id] or 0) + 30 for r in early),
            f"the first pulse 30 days after the pair's start (days"
            f" {sorted({sent_day(r, start) for r in early})})",
        )
    )
    first, last = start.astimezone(HOME).date(), date.fromisoformat(stored.cohort.term_end or "")
    middle = (first + (last - first) // 2 - first).days
    mid = sorted({sent_day(r, start) for r in of("pulse") if (r.args or {}).get("moment") == "mid"})
    results.append(
        (
            mid == [middle],
            f"the mid-term pulse on the term's middle day (day {middle}: {first} to {last};"
            f" sent on days {mid})",
        )
    )

    nudged = Counter(r.user_id for r in of("lapse_nudge"))
    silent = [p for p in stored.pairs if {p.mentor_id, p.mentee_id} == term.silent]
    for pair in silent:
        days = sorted(sent_day(r, start) for r in of("lapse_nudge") if r.pair_id == pair.id)
        results.append(
            (
                all(nudged[u] == 1 for u in term.silent) and len(days) == 2,
                f"the silent pair #{pair.id}: one nudge per person (days {days}, 45 expected)",
            )
        )
        closed = day_or_none(pair.ended_at, start)
        results.append(
            (
                pair.end_reason == "lapsed" and closed is not None and 89 <= closed <= 91,
                f"the silent pair closed as lapsed around day 90 (day {closed}, {pair.end_reason})",
            )
        )
    others = sorted(name(u) for u in nudged if u not in term.silent)
    results.append((not others, f"no other pair nudged ({', '.join(others) or 'none'})"))

    wished = [p for p in stored.pairs if p.end_reason == "rematch"]
    results.append(
        (
            len(wished) == 1,
            f"one pair ended at a pulse's new-partner wish ({name(term.wisher)}, day"
            f" {term.played.wish_day})",
        )
    )

    surveys = Counter((r.user_id, r.pair_id) for r in of("closing_survey"))
    at_end = [p for p in stored.pairs if p.end_reason == "term" and p.activated_at is not None]
    expected = {(u, p.id) for p in at_end for u in (p.mentor_id, p.mentee_id)}
    days = sorted({sent_day(r, start) for r in of("closing_survey")})
    over = (last - first).days + 1
    results.append(
        (
            set(surveys) == expected and all(n == 1 for n in surveys.values()) and days == [over],
            f"the closing survey once to each of the {len(expected)} people of the"
            f" {len(at_end)} pairs active at the term's end, the day after its last"
            f" (day {over}; sent on days {days})",
        )
    )
    assessed = Counter(r.pair_id for r in of("self_assessment"))
    to_mentee = all(
        r.user_id == p.mentee_id
        for p in stored.pairs
        for r in of("self_assessment")
        if r.pair_id == p.id
    )
    became = [p for p in stored.pairs if p.activated_at is not None]
    results.append(
        (
            to_mentee and all(assessed[p.id] == 1 for p in became) and len(assessed) == len(became),
            f"one self-assessment per pair that became active, to its mentee ({len(assessed)})",
        )
    )

    ended = {p.id: p.ended_at for p in stored.pairs if p.ended_at is not None}
    late = [
        f"{label(r)} to {name(r.user_id)} on day {sent_day(r, start)}"
        for r in sent
        if r.pair_id in ended
        and r.sent_at is not None
        and r.sent_at > ended[r.pair_id]
        and r.kind not in AFTER_END
    ]
    results.append(
        (not late, f"nothing but notices, calendars and the survey after a pair ended {late[:4]}")
    )
    zones = {p.id: p.slot_tz or "UTC" for p in stored.pairs}
    beyond = sorted(
        {
            str(m.starts_at.astimezone(ZoneInfo(zones[m.pair_id])).date())
            for m in stored.sessions
            if m.starts_at.astimezone(ZoneInfo(zones[m.pair_id])).date() > last
        }
    )
    results.append(
        (
            not beyond,
            f"no session planned after the term's last day, {last} (planned, then cancelled at"
            f" its end: {', '.join(beyond) or 'none'})",
        )
    )
    stuck = [r for r in stored.rows if r.status == "pending" and r.due_at < demo.clock.now]
    results.append((not stuck, f"no row left pending after it fell due ({len(stuck)})"))

    by_person = received(stored)
    differ = []
    for person in PEOPLE:
        seen = [m for m in demo.fake.messages_for(person.id) if not m.deleted and not m.ephemeral]
        for kind, action in (
            ("self_assessment", "self_assessment_open"),
            ("pulse", "pulse_open"),
            ("closing_survey", "closing_survey_open"),
            ("reflect", "reflect_open"),
            ("checkin", "goal_checkin_open"),
        ):
            rows = sum(1 for row, _ in by_person.get(person.id, []) if row.kind == kind)
            buttons = sum(1 for m in seen if action in m.action_ids())
            if rows != buttons:
                differ.append(f"{person.name}: {kind} sent {rows}, {action} shown {buttons}")
    results.append(
        (not differ, f"each question sent is one button in Slack {differ[:4] or '(all people)'}")
    )
    created = stored.cohort.created_at
    results.append(
        (
            abs(created - start) < timedelta(hours=1),
            f"the cohort's created_at is when it was created on the demo's clock"
            f" ({created:%Y-%m-%d %H:%M} UTC stored, {start:%Y-%m-%d %H:%M} UTC simulated)",
        )
    )

    print("\nChecks")
    for ok, text in results:
        print(f"  {'OK  ' if ok else 'FAIL'} {text}")
    for text in term.played.oddities:
        print(f"  note: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=27, help="simulated weeks (default 27)")
    parser.add_argument("--seed", type=int, default=2, help="who does what (default 2)")
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2027, 1, 4),
        help="the first simulated day; the clock starts at 09:00 in Berlin (default 2027-01-04)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the demo's folder afterwards")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    started = time.perf_counter()
    start = datetime.combine(args.start, datetime.min.time().replace(hour=9), HOME)
    start = start.astimezone(UTC)
    folder = Path(tempfile.mkdtemp(prefix="mentor-term-"))
    timings: dict[str, float] = {}
    try:
        demo = Demo(folder / "demo", start=start)
        term = Term(demo, random.Random(args.seed), start)
        term.setup()
        timings["cohort, 13 joins, match, accepts, goals"] = time.perf_counter() - started
        mark = time.perf_counter()
        over = term.run(args.weeks * 7)
        timings[f"{args.weeks} weeks, a day at a time, and the answers"] = (
            time.perf_counter() - mark
        )
        mark = time.perf_counter()
        report, export = term.report()
        timings["the admin's report and export"] = time.perf_counter() - mark
        end = demo.clock.now
        demo.close()
        stored = read_database(folder / "demo" / "demo.db")

        print(
            f"One cohort's term through the demo workspace: {args.weeks} weeks from"
            f" {start.astimezone(HOME):%Y-%m-%d %H:%M} in Berlin (day 0), seed {args.seed}"
        )
        print(
            f"the silent pair: {' and '.join(name(u) for u in sorted(term.silent))};"
            f" asks for a new partner: {name(term.wisher)}"
        )
        if not over:
            print(f"the term had not ended by day {day_of(end, start)}: try more --weeks")
        print()
        print_people(stored, demo, start)
        print_kinds(stored, start, end)
        print_pairs(stored, term, start)
        print_answers(stored, term)
        print_admin(report, export)
        checks(stored, demo, term, start)
    finally:
        if args.keep:
            print(f"\nthe demo's folder: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print("\nWall-clock time")
    for what, seconds in timings.items():
        print(f"  {what:<50}{seconds:7.1f} s")
    print(f"  {'in all':<50}{time.perf_counter() - started:7.1f} s")


if __name__ == "__main__":
    main()
