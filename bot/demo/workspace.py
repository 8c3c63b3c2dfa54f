"""The demo workspace: the real bot against the Slack stand-in, on a simulated clock.

:class:`Demo` starts the bot as ``mentor-bot run`` does (database upgrade, ``auth.test``,
the Bolt app and its WSGI application) but with its own SQLite file, its own encryption
key and a clock that moves only when asked. Everything a person does on the demo page
becomes what Slack would send: a signed slash command, ``block_actions``,
``view_submission`` or event, handed to the app's ``/slack/events``; everything the bot
does reaches the stand-in's Web API, which keeps what each person was shown.

Moving the clock runs the scheduler's passes (planning every hour, the outbox whenever
something falls due) up to the new time, so reminders, prompts and announcements arrive
when they would. The stand-in's content and the clock are saved beside the database
after every step, so a demo can be stopped and started again; :meth:`Demo.reset` starts
over.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from bot.app.factory import create_app
from bot.app.kinds import build_outbox
from bot.app.scheduler import housekeeping
from bot.app.startup import check_database, check_slack
from bot.app.wsgi import create_wsgi
from bot.core.config import Settings
from bot.core.context import Context
from bot.core.crypto import generate_key
from bot.cycle import prompts as cycle
from bot.delivery import outbox
from bot.demo.cast import ADMIN, CAST, PROGRAM_CHANNEL, PROGRAM_CHANNEL_NAME
from bot.fakeslack.driver import AppResponse, SlackDriver
from bot.fakeslack.records import Message
from bot.fakeslack.server import ApiError, FakeSlack
from bot.journal.playbook import backfill_at_start
from bot.sessions import planning
from bot.slack.gateway import SlackGateway
from bot.slack.pacing import Pacer
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

DEFAULT_FOLDER = Path(".mentor-demo")
TOKEN = "xoxb-demo"  # noqa: S105 - the stand-in's token, valid nowhere else
SNAPSHOT = "workspace.pickle"
DATABASE = "demo.db"
KEY = "encryption.key"
#: The scheduler plans every hour; the outbox sends what falls due in between.
PLAN_EVERY = timedelta(hours=1)
#: How long the page waits for a change before it asks again.
POLL_SECONDS = 20.0
_COMMAND = re.compile(r"^\s*(/\S+)\s*(.*)$", re.DOTALL)
_CHANNEL_REF = re.compile(r"(?<![<\w])#([a-z0-9][a-z0-9_-]{0,79})")
_USER_REF = re.compile(r"(?<![<\w])@([a-z0-9][a-z0-9._-]{0,79})")


class DemoError(Exception):
    """Something the person did cannot happen in Slack either (shown as a one-line notice)."""


class DemoClock:
    """The demo's time: aware UTC, moved on only by :meth:`Demo.advance`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        """Unix time, for the stand-in's message timestamps."""
        return self.now.timestamp()


class _InstantWaits:
    """The pacer's waits pass at once: the stand-in enforces no rate limits, and a demo
    should not sit out a second per channel."""

    def __init__(self) -> None:
        self._skipped = 0.0
        self._lock = threading.Lock()

    def clock(self) -> float:
        return time.monotonic() + self._skipped

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._skipped += max(seconds, 0.0)


@dataclass(frozen=True)
class Target:
    """Where an element the person used is: a message (channel and ts) or a view."""

    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


#: Marks a step under way; found at start, the saved workspace may lag the database.
DIRTY = "step-in-progress"
#: The saved workspace's format (another one is not read, a new demo starts).
FORMAT = 1


def start_time() -> datetime:
    """Where a new demo's clock starts: today at 09:00 in Berlin (the program owner's)."""
    berlin = ZoneInfo("Europe/Berlin")
    today = datetime.now(berlin).date()
    return datetime(today.year, today.month, today.day, 9, tzinfo=berlin).astimezone(UTC)


class Demo:
    """A running demo workspace.

    Args:
        folder: Where the demo keeps its database, key and saved workspace.
        reset: Start over, forgetting what the folder holds.
    """

    def __init__(
        self, folder: Path = DEFAULT_FOLDER, *, reset: bool = False, start: datetime | None = None
    ) -> None:
        self.folder = folder
        self.lock = threading.RLock()
        self.start = start
        #: Raised by each reset (a tour step under way then is not counted).
        self.generation = 0
        #: How many of the tour's steps were played (kept with the workspace).
        self.tour_done = 0
        if reset:
            self._wipe()
        self._start()

    # -- lifecycle ------------------------------------------------------------------------

    def _wipe(self) -> None:
        for name in (SNAPSHOT, DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", KEY, DIRTY):
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()

    def _start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if (self.folder / DIRTY).exists():
            logger.warning("the demo stopped in the middle of a step last time: starting anew")
            self._wipe()
        saved = self._load()
        if saved is None:
            self._wipe()  # a database without its workspace would refer to nothing
        self.clock = DemoClock(saved["clock"] if saved else (self.start or start_time()))
        self.tour_done = int(saved.get("tour", 0)) if saved else 0
        self.fake = FakeSlack(bot_token=TOKEN, clock=self.clock.timestamp).start()
        if saved:
            self.fake.import_state(saved["fake"])
        else:
            self._populate()
        self.signing_secret = secrets.token_hex(16)
        waits = _InstantWaits()
        settings = Settings(
            bot_token=TOKEN,
            signing_secret=self.signing_secret,
            api_url=self.fake.api_url,
            database_url=f"sqlite:///{(self.folder / DATABASE).resolve()}",
            admin_ids=frozenset({ADMIN}),
            encryption_key=self._key(),
            scheduler=False,
        )
        slack = SlackGateway.create(
            TOKEN, self.fake.api_url, Pacer(clock=waits.clock, sleep=waits.sleep)
        )
        db = Database.from_url(settings.database_url)
        check_database(db.engine)
        upgrade(db.engine)
        self.ctx = Context.create(
            settings, outbox=build_outbox(), db=db, slack=slack, clock=self.clock
        )
        backfill_at_start(self.ctx)
        app = create_app(self.ctx, check_slack(self.ctx.slack.client, self.fake.api_url))
        self.wsgi = create_wsgi(self.ctx, app)
        self.driver = SlackDriver(
            "http://127.0.0.1/slack/events", self.signing_secret, self.fake, wsgi=self.wsgi
        )
        self._save()

    def _populate(self) -> None:
        """The people, the program channel (with the bot invited) and each person's DM with
        the app, as a workspace that installed the app has them."""
        for person in CAST:
            self.fake.add_user(
                person.id,
                name=person.handle,
                real_name=person.name,
                tz=person.tz,
                locale=person.locale,
                is_admin=person.admin,
            )
            self.fake.open_im(person.id)
        self.fake.add_channel(
            PROGRAM_CHANNEL,
            name=PROGRAM_CHANNEL_NAME,
            members=[self.fake.bot_user_id, *(p.id for p in CAST)],
        )

    def _key(self) -> str:
        path = self.folder / KEY
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(generate_key() + "\n")
        return path.read_text(encoding="utf-8").strip()

    def _load(self) -> dict[str, Any] | None:
        path = self.folder / SNAPSHOT
        if not path.exists() or not (self.folder / DATABASE).exists():
            return None
        try:
            with path.open("rb") as file:
                # The demo's own file, written by _save below in the demo's own folder.
                saved = pickle.load(file)  # noqa: S301
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            logger.warning("the saved demo workspace cannot be read: starting a new one")
            return None
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            logger.warning("the saved demo workspace is from another version: starting anew")
            return None
        return saved

    def _save(self) -> None:
        state = {
            "format": FORMAT,
            "clock": self.clock.now,
            "tour": self.tour_done,
            "fake": self.fake.export_state(),
        }
        path = self.folder / SNAPSHOT
        partial = path.with_suffix(".tmp")
        with partial.open("wb") as file:
            pickle.dump(state, file)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)

    def save(self) -> None:
        """Save the workspace now (e.g. after the tour moved on)."""
        with self.lock:
            self._save()

    def close(self) -> None:
        """Save the workspace, stop the bot's work and the stand-in."""
        with self.lock:
            self._settle()
            self._save()
            self.ctx.close()
            self.fake.stop()

    def reset(self) -> None:
        """Start over: a new database, key, workspace and clock."""
        with self.lock:
            self.ctx.close()
            self.fake.stop()
            self._wipe()
            self._start()
            self.generation += 1
            self.fake.touch()

    def remove(self) -> None:
        """Close and delete the demo's folder (for tests and one-off transcripts)."""
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- what a person does -----------------------------------------------------------------

    @contextlib.contextmanager
    def _step(self) -> Iterator[None]:
        """One thing a person does: alone, then the bot's background work settles, the
        workspace is saved and the page hears of it."""
        with self.lock:
            dirty = self.folder / DIRTY
            dirty.touch()
            try:
                yield
            finally:
                self._settle()
                self._save()
                dirty.unlink(missing_ok=True)
                self.fake.touch()

    def _settle(self) -> None:
        """Let the bot finish what it does after answering Slack (a kicked outbox pass
        included)."""
        for _ in range(3):
            if not self.ctx.background.wait_idle(timeout=10):
                logger.warning("the bot's background work did not finish within 10 s")
                return

    def type(self, user_id: str, channel_id: str, text: str) -> None:
        """Type into a conversation's message box: ``/mentor …`` runs the command there;
        anything else is a message (the bot hears it in its own DM)."""
        self._known(user_id)
        text = text.strip()
        if not text:
            return
        command = _COMMAND.match(text)
        with self._step():
            if command is None:
                self._message(user_id, channel_id, text)
                return
            name, rest = command.group(1), command.group(2)
            if name != "/mentor":
                raise DemoError(f"{name} is not a valid command. Try /mentor help.")
            response = self.driver.command(
                user_id, self._escape(rest.strip()), channel_id=channel_id
            )
            self._show_answer(user_id, channel_id, response)

    def _message(self, user_id: str, channel_id: str, text: str) -> None:
        try:
            self.fake.post_as(user_id, channel_id, text)
        except ApiError as error:
            raise DemoError(f"You cannot write there ({error.args[0]}).") from error
        if channel_id in self.fake.ims_of(user_id)[:1]:
            self.driver.message_im(user_id, text)

    def _show_answer(self, user_id: str, channel_id: str, response: AppResponse) -> None:
        """What Slack's client shows for the app's answer to a slash command."""
        if response.status != 200:
            raise DemoError(f'/mentor failed with the error "http_{response.status}".')
        try:
            answer = response.json()
        except ValueError:
            answer = {"text": response.body}
        if isinstance(answer, Mapping):
            self.fake.show_reply(user_id, channel_id, answer)

    def _escape(self, text: str) -> str:
        """Mentions as Slack escapes them in a slash command's text (``should_escape``)."""
        channels = {}
        for person in CAST[:1]:
            for conversation in self.fake.conversations_of(person.id):
                if conversation.get("is_channel"):
                    channels[str(conversation.get("name"))] = str(conversation["id"])
        handles = {person.handle: person.id for person in CAST}

        def channel(match: re.Match[str]) -> str:
            found = channels.get(match.group(1))
            return f"<#{found}|{match.group(1)}>" if found else match.group(0)

        def user(match: re.Match[str]) -> str:
            found = handles.get(match.group(1))
            return f"<@{found}|{match.group(1)}>" if found else match.group(0)

        return _USER_REF.sub(user, _CHANNEL_REF.sub(channel, text))

    def click(
        self,
        user_id: str,
        target: Target,
        action_id: str,
        *,
        value: str | None = None,
        selected: str | list[str] | None = None,
    ) -> None:
        """Use a button or menu of a message, the App Home or an open modal."""
        self._known(user_id)
        with self._step():
            options: dict[str, Any] = {}
            if isinstance(selected, list):
                options["selected_options"] = selected
            elif selected is not None:
                options["selected_option"] = selected
            if target.view_id is not None:
                view = self._view(user_id, target.view_id)
                answer = self.driver.block_action(
                    user_id, action_id, view=view, value=value, **options
                )
            else:
                message = self._message_of(user_id, target)
                answer = self.driver.block_action(
                    user_id, action_id, message=message, value=value, **options
                )
            if answer.status != 200:
                raise DemoError("The app did not answer in time. Please try again.")

    def submit(self, user_id: str, view_id: str, answers: Mapping[str, Any]) -> dict[str, str]:
        """Submit the person's open modal with their answers (``{block_id: value}``);
        returns the errors the bot showed in it (empty when it accepted)."""
        self._known(user_id)
        with self._step():
            view = self._view(user_id, view_id)
            try:
                values = self.driver.state_from(view, answers)
            except (KeyError, ValueError) as error:
                raise DemoError(f"That answer does not fit the form: {error}") from error
            response = self.driver.view_submission(user_id, view, values)
            if response.status != 200:
                raise DemoError("The app did not answer in time. Please try again.")
            answer = response.json() if response.body.strip() else None
            if isinstance(answer, Mapping) and answer.get("response_action") == "errors":
                return {str(k): str(v) for k, v in dict(answer.get("errors") or {}).items()}
            return {}

    def close_modal(self, user_id: str) -> None:
        """Close the person's topmost modal (the app hears when it asked to)."""
        self._known(user_id)
        with self._step():
            view = self.fake.close_modal(user_id)
            if view is not None and view.get("notify_on_close"):
                self.driver.view_closed(user_id, view)

    def open_home(self, user_id: str) -> None:
        """Open the app's Home tab (Slack sends ``app_home_opened``)."""
        self._known(user_id)
        with self._step():
            self.driver.app_home_opened(user_id)

    def _known(self, user_id: str) -> None:
        if self.fake.user(user_id) is None:
            raise DemoError(f"Nobody in this workspace has the id {user_id}.")

    def _view(self, user_id: str, view_id: str) -> dict[str, Any]:
        for view in self.fake.modal_stack(user_id):
            if view.get("id") == view_id:
                return view
        home = self.fake.home_view(user_id)
        if home is not None and home.get("id") == view_id:
            return home
        raise DemoError("That window is no longer open.")

    def _message_of(self, user_id: str, target: Target) -> Message:
        for message in self.fake.messages_for(user_id):
            if message.channel == target.channel and message.ts == target.ts:
                if message.deleted:
                    break
                return message
        raise DemoError("That message is no longer there.")

    # -- time -----------------------------------------------------------------------------

    def advance(self, delta: timedelta) -> int:
        """Move the clock on by ``delta``, running the scheduler's jobs as they fall due on
        the way (planning and housekeeping every hour, the outbox whenever a message is
        due); returns how many messages were sent."""
        if delta <= timedelta(0):
            raise DemoError("Time only moves forward.")
        sent = 0
        with self._step():
            target = self.clock.now + delta
            next_plan = self.clock.now
            while True:
                if next_plan <= self.clock.now:
                    cycle.tick(self.ctx, self.clock.now)
                    planning.plan(self.ctx, self.clock.now)
                    housekeeping(self.ctx)
                    next_plan = self.clock.now + PLAN_EVERY
                sent += outbox.dispatch(self.ctx, self.clock.now).sent
                self._settle()
                due = self._next_due()
                step = min(x for x in (due, next_plan, target) if x is not None)
                if self.clock.now >= target:
                    break
                self.clock.now = max(step, self.clock.now)
        return sent

    def _next_due(self) -> datetime | None:
        """When the next owed message falls due (after now), if any is owed."""
        with self.ctx.db.transaction() as session:
            due = session.exec(
                select(func.min(Notification.due_at)).where(
                    col(Notification.status) == NotificationStatus.PENDING.value,
                    col(Notification.due_at) > self.clock.now,
                )
            ).one()
        if due is None:
            return None
        return due if due.tzinfo else due.replace(tzinfo=UTC)
