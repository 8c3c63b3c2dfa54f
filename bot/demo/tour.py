"""The guided tour: a whole program, step by step, through the same calls the page makes.

Each step does what people would do (type a command, fill in a modal, press a button,
let a week pass) and says which person and conversation to look at. A step looks at the
workspace as it is, so someone who took over in between (joined, accepted or reflected
by hand) can hand back to the tour: what is already done is not done again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.demo.cast import ADMIN, BY_ID, CAST, PROGRAM_CHANNEL_NAME, Person
from bot.demo.workspace import Demo, DemoError, Target

logger = logging.getLogger(__name__)

COHORT = "Leaders"
MENTEES = [p for p in CAST if p.role == "mentee"]
MENTORS = [p for p in CAST if p.role == "mentor"]
KLAUS = BY_ID["UDEMOMEE01"]
LENA = BY_ID["UDEMOMEN01"]
MARGARET = BY_ID["UDEMOMEE02"]

REFLECTIONS = {
    "de": "Wir haben ausprobiert, wie ich mit einem KI-Assistenten Berichte zusammenfasse.",
    "en": "We tried summarising a board paper with an AI assistant; surprisingly useful.",
}
GOALS = {
    "de": ["Einen KI-Assistenten jede Woche selbst nutzen", "Datenkompetenz im Team stärken"],
    "en": ["Post on LinkedIn once a week myself", "Understand what our customers see online"],
}


@dataclass(frozen=True)
class Step:
    """One step of the tour: what it shows, whom to look at, and what it does."""

    title: str
    show: str
    where: str  # "dm", "home", "channel" or "group"
    run: Callable[[Demo], object]


class Tour:
    """Where a demo is in the tour; :meth:`next` plays the next step."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.steps = steps()
        # One step at a time, whoever asks (the page's button, the tour playing by itself).
        self._lock = threading.Lock()

    @property
    def done(self) -> int:
        """How many steps were played (kept with the workspace, so a restart goes on)."""
        return self.demo.tour_done

    def restart(self) -> None:
        """Back to the first step (after a reset)."""
        with self._lock:
            self.demo.tour_done = 0

    def status(self) -> dict[str, Any]:
        """For the page: the step played last and the one that comes next."""
        upcoming = self.steps[self.done] if self.done < len(self.steps) else None
        last = self.steps[self.done - 1] if self.done else None
        return {
            "done": self.done,
            "total": len(self.steps),
            "next": upcoming.title if upcoming else None,
            "last": last.title if last else None,
        }

    def next(self) -> dict[str, Any]:
        """Play the next step; returns whom and where to look at."""
        with self._lock:
            if self.done >= len(self.steps):
                raise DemoError("The tour is over: reset the demo to play it again.")
            step = self.steps[self.done]
            generation = self.demo.generation
            step.run(self.demo)
            if self.demo.generation == generation:  # not reset meanwhile
                self.demo.tour_done += 1
                self.demo.save()
                self.demo.fake.touch()  # the pages show the tour's new position
            return {"show": step.show, "where": step.where, "title": step.title, **self.status()}

    def play(self) -> None:
        """Play every step that is left."""
        while self.done < len(self.steps):
            self.next()


def steps() -> list[Step]:
    """The tour's steps, in order."""
    return list(STEPS)


def _admin(demo: Demo, command: str) -> None:
    demo.type(ADMIN, _dm(demo, ADMIN), f"/mentor admin {command} {COHORT}")


def _join_others(demo: Demo) -> None:
    for person in MENTEES + MENTORS:
        if person not in (KLAUS, LENA):
            _join(demo, person)


def _dm(demo: Demo, user_id: str) -> str:
    return demo.fake.open_im(user_id)


def _create_cohort(demo: Demo) -> None:
    demo.type(
        ADMIN,
        _dm(demo, ADMIN),
        f"/mentor admin cohort create {COHORT} #{PROGRAM_CHANNEL_NAME} weekly",
    )


def _join(demo: Demo, person: Person) -> None:
    """``/mentor join`` and the modal filled in with the person's answers."""
    demo.type(person.id, _dm(demo, person.id), "/mentor join")
    stack = demo.fake.modal_stack(person.id)
    if not stack or stack[-1].get("callback_id") != "join":
        raise DemoError(f"The join modal did not open for {person.name}.")
    view = stack[-1]
    answers: dict[str, Any] = {
        "role": person.role,
        "topics": list(person.topics),
        "department": person.department,
        "weekdays": [str(d) for d in person.weekdays],
        "time_window": person.window,
    }
    cohort = _option(view, "cohort", COHORT)
    if cohort is not None:
        answers["cohort"] = cohort
    errors = demo.submit(person.id, str(view["id"]), answers)
    if errors:
        raise DemoError(f"The join modal refused {person.name}'s answers: {errors}")


def _option(view: Mapping[str, Any], block_id: str, label: str) -> str | None:
    for block in view.get("blocks") or []:
        if block.get("block_id") == block_id:
            for option in block.get("element", {}).get("options") or []:
                if option.get("text", {}).get("text") == label:
                    return str(option.get("value"))
    return None


def _sees(demo: Demo, user_id: str, action_id: str) -> bool:
    return any(
        not m.deleted and m.find_element(action_id) is not None
        for m in demo.fake.messages_for(user_id)
    )


def _press(demo: Demo, user_id: str, action_id: str) -> bool:
    """Press the newest button with this action_id that the person can see."""
    for message in reversed(demo.fake.messages_for(user_id)):
        if not message.deleted and message.find_element(action_id) is not None:
            demo.click(user_id, Target(message.channel, message.ts), action_id)
            return True
    return False


def _accept_all(demo: Demo) -> None:
    for person in MENTEES + MENTORS:
        _press(demo, person.id, "pair_accept")


def _announce(demo: Demo) -> None:
    text = (
        f"/mentor admin announce {COHORT} Welcome to reverse mentoring! Kickoff is on "
        "Thursday at 16:00 in the atrium. / Willkommen! Kickoff am Donnerstag um 16 Uhr."
    )
    demo.type(ADMIN, _dm(demo, ADMIN), text)
    _press(demo, ADMIN, "announce_confirm")


def _goals(demo: Demo) -> None:
    demo.type(KLAUS.id, _dm(demo, KLAUS.id), "/mentor goals")
    stack = demo.fake.modal_stack(KLAUS.id)
    if not stack:
        raise DemoError("The goals modal did not open.")
    goals = GOALS[KLAUS.lang]
    demo.submit(KLAUS.id, str(stack[-1]["id"]), {"goal_1": goals[0], "goal_2": goals[1]})


def _reflect(demo: Demo) -> None:
    """A day later, or as many as it takes until Klaus has held a session (when someone
    who took over moved things along differently) and the bot asked him to reflect."""
    for _ in range(21):
        demo.advance(timedelta(days=1))
        if _sees(demo, KLAUS.id, "reflect_open"):
            break
    demo.type(KLAUS.id, _dm(demo, KLAUS.id), "/mentor reflect")
    stack = demo.fake.modal_stack(KLAUS.id)
    if not stack or stack[-1].get("callback_id") != "reflection":
        # No session held (someone who took over paused or ended the pair): the bot said
        # so; the time that passed stays passed, and the tour goes on.
        logger.info("tour: Klaus has no session to reflect on")
        return
    answers = {"happened": "yes", "learned": REFLECTIONS[KLAUS.lang], "rating": "5"}
    demo.submit(KLAUS.id, str(stack[-1]["id"]), answers)


STEPS: tuple[Step, ...] = (
    Step(
        'Hanna, the program owner, creates the cohort "Leaders" with its channel.',
        ADMIN,
        "dm",
        _create_cohort,
    ),
    Step(
        "Klaus (CFO, German Slack) joins as a mentee through the join modal.",
        KLAUS.id,
        "dm",
        lambda demo: _join(demo, KLAUS),
    ),
    Step("Lena (working student) joins as a mentor.", LENA.id, "dm", lambda d: _join(d, LENA)),
    Step(
        "Eleven more colleagues join, in English and German, in three time zones.",
        MARGARET.id,
        "dm",
        _join_others,
    ),
    Step(
        "Hanna matches the cohort; each proposed pair gets a group DM to accept in (Klaus's).",
        KLAUS.id,
        "group",
        lambda demo: _admin(demo, "match"),
    ),
    Step("Everyone accepts their match in the group DM.", KLAUS.id, "group", _accept_all),
    Step(
        "Hanna announces the kickoff in the channel and to every member.",
        ADMIN,
        "channel",
        _announce,
    ),
    Step("Klaus sets his learning goals.", KLAUS.id, "dm", _goals),
    Step(
        "A week passes: each person gets a reminder of their pair's session, with an agenda.",
        KLAUS.id,
        "dm",
        lambda demo: demo.advance(timedelta(weeks=1)),
    ),
    Step(
        "A day later: Klaus writes a private reflection (only he can see it).",
        KLAUS.id,
        "dm",
        _reflect,
    ),
    Step(
        "Three more weeks pass; reminders, prompts and check-ins arrive.",
        LENA.id,
        "dm",
        lambda demo: demo.advance(timedelta(weeks=3)),
    ),
    Step(
        'Hanna reads the report: aggregates only, small groups shown as "fewer than 5".',
        ADMIN,
        "dm",
        lambda demo: _admin(demo, "report"),
    ),
    Step(
        "Hanna exports the figures and the anonymous playbook as CSV.",
        ADMIN,
        "dm",
        lambda demo: _admin(demo, "export"),
    ),
)
