"""The real bot, talking to the local Slack stand-in.

Slack's requests are signed and handed to the bot's WSGI application in the test's process
(the same bytes, headers and checks as over HTTP); the HTTP server starts when a test asks
for ``bot.url``, and ``running_bot(..., http=True)`` sends every request over HTTP.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app.factory import create_app
from bot.app.kinds import build_outbox
from bot.app.server import HttpServer
from bot.app.startup import check_slack
from bot.app.wsgi import create_wsgi
from bot.core.config import Settings
from bot.core.context import Context
from bot.core.crypto import generate_key
from bot.fakeslack.driver import SlackDriver, WsgiApp
from bot.fakeslack.server import FakeSlack
from bot.slack.gateway import SlackGateway
from bot.slack.pacing import Pacer
from storage.db import Database

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
ADMIN = "UADMIN01"


#: The bot's public address in tests (calendar feed links start with it).
PUBLIC_URL = "https://mentor.example.com"


@dataclass
class Clock:
    """A clock the tests can move forward."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class SlackTime:
    """The clock the bot's pacer waits on (one-second spacing per channel, a 429's
    Retry-After, back-off between retries).

    While the stand-in enforces no rate limits, as in most tests, those waits pass at once:
    the clock moves on by the time waited instead of the test sleeping it (the pacer still
    decides every wait; nothing on Slack's side depends on them). Once a test turns the
    stand-in's limits on, or starts the bot with ``real_slack_time``, they are waited out
    for real, on the same clock, so the pacer's spacing meets the stand-in's limits and a
    429 holds a send up for its Retry-After.
    """

    def __init__(self, fake: FakeSlack, *, real: bool = False) -> None:
        self._fake = fake
        self.real = real
        self._skipped = 0.0
        self._lock = threading.Lock()

    def clock(self) -> float:
        return time.monotonic() + self._skipped

    def sleep(self, seconds: float) -> None:
        if self.real or self._fake.rate_limits is not None:
            time.sleep(seconds)
            return
        with self._lock:
            self._skipped += max(seconds, 0.0)
        time.sleep(0)  # let the other threads run, as a real wait would


@dataclass
class Bot:
    """A running bot: its services, the Slack stand-in, and a driver that signs requests."""

    ctx: Context
    fake: FakeSlack
    slack: SlackDriver
    wsgi: WsgiApp
    clock: Clock
    slack_time: SlackTime
    server: HttpServer | None = None

    @property
    def url(self) -> str:
        """The bot's base URL over HTTP (its server starts on first use)."""
        if self.server is None:
            self.server = HttpServer(self.wsgi, host="127.0.0.1", port=0, threads=8).start()
        return f"http://127.0.0.1:{self.server.port}"

    def command(self, user_id: str, text: str = "") -> Any:
        """Send ``/mentor text`` as ``user_id``; returns the HTTP response."""
        return self.slack.command(user_id, text)

    def reply(self, user_id: str, text: str = "") -> str:
        """Send ``/mentor text`` and return the text of the immediate (ephemeral) answer."""
        response = self.command(user_id, text)
        assert response.status == 200, response.body
        body = response.json()
        return str(body.get("text", ""))

    def join(self, user_id: str, **answers: Any) -> Any:
        """Open the join modal with ``/mentor join`` and submit it with ``answers``."""
        before = len(self.fake.opened_views(user_id))
        response = self.command(user_id, "join")
        assert response.status == 200
        assert self.fake.wait_for(lambda: len(self.fake.opened_views(user_id)) > before)
        view = self.fake.opened_views(user_id)[-1]
        defaults: dict[str, Any] = {"role": "mentee", "topics": ["genai"]}
        defaults.update(answers)
        values = self.slack.state_from(view, defaults)
        response = self.slack.view_submission(user_id, view, values)
        # The confirmation DM and the home tab follow in the background; let them land so
        # a test's "messages before / after" counts are about what it does next.
        assert self.ctx.background.wait_idle()
        return response


@contextmanager
def running_bot(
    database: Database,
    *,
    admin_ids: frozenset[str] = frozenset({ADMIN}),
    http: bool = False,
    real_slack_time: bool = False,
    public_url: str | None = PUBLIC_URL,
    **fake_options: Any,
) -> Iterator[Bot]:
    """Start the stand-in, the bot's WSGI app, and a signing driver that hands requests
    to it in this process (``http``: over HTTP, to the app under waitress;
    ``real_slack_time``: the pacer's waits take real time, see :class:`SlackTime`)."""
    with FakeSlack(bot_token=BOT_TOKEN, **fake_options) as fake:
        slack_time = SlackTime(fake, real=real_slack_time)
        pacer = Pacer(clock=slack_time.clock, sleep=slack_time.sleep)
        settings = Settings(
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            api_url=fake.api_url,
            database_url=str(database.engine.url),
            admin_ids=admin_ids,
            encryption_key=generate_key(),
            scheduler=False,
            public_url=public_url,
        )
        clock = Clock()
        slack = SlackGateway.create(BOT_TOKEN, fake.api_url, pacer)
        ctx = Context.create(settings, outbox=build_outbox(), db=database, slack=slack, clock=clock)
        app = create_app(ctx, check_slack(ctx.slack.client, fake.api_url))
        wsgi = create_wsgi(ctx, app)
        bot = Bot(
            ctx=ctx,
            fake=fake,
            slack=SlackDriver("http://127.0.0.1/slack/events", SIGNING_SECRET, fake, wsgi=wsgi),
            wsgi=wsgi,
            clock=clock,
            slack_time=slack_time,
        )
        if http:
            bot.slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, fake)
        try:
            yield bot
        finally:
            if bot.server is not None:
                bot.server.stop()
            ctx.outbox.stop()  # as at shutdown: no further sends; what is left stays owed
            ctx.background.drain()  # handlers finish before Slack goes away


def make_pair(bot: Bot, mentor: str, mentee: str, *, status: str = "active") -> int:
    """Put two enrolled people into a pair in their cohort (as matching will)."""
    from storage import queries
    from storage.models import Pair

    vault = bot.ctx.vault
    with bot.ctx.db.transaction() as session:
        participant = queries.participant_of(session, mentor)
        assert participant is not None
        pair = Pair(
            cohort_id=participant.cohort_id,
            mentor_id=mentor,
            mentee_id=mentee,
            mentor_key=vault.user_key(mentor),
            mentee_key=vault.user_key(mentee),
            status=status,
            channel_id="G0PAIR",
            mentor_accepted=status == "active",
            mentee_accepted=status == "active",
        )
        session.add(pair)
        session.flush()
        assert pair.id is not None
        return pair.id


def make_session(bot: Bot, pair_id: int, starts_at: Any, number: int = 1) -> int:
    """A session of a pair (as the schedule will create them)."""
    from storage.models import MentoringSession

    with bot.ctx.db.transaction() as session:
        row = MentoringSession(
            pair_id=pair_id,
            number=number,
            starts_at=starts_at,
            agenda_kind="topic",
            agenda_ref="genai",
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def activate_pairs(bot: Bot, count: int) -> list[tuple[str, str]]:
    """``count`` active pairs of Berlin-based people, enrolled and accepted directly."""
    from sqlmodel import select

    from bot.delivery import outbox
    from bot.enrollment import service as enrollment
    from bot.matching import consent as pairing

    people = [(f"UM{n}", "mentor") for n in range(count)]
    people += [(f"UE{n}", "mentee") for n in range(count)]
    for user, role in people:
        bot.fake.add_user(user, name=user.lower(), tz="Europe/Berlin")
        enrollment.enroll(
            bot.ctx, user, enrollment.JoinForm(role=role, topics=["genai"], department=None)
        )
    outbox.dispatch(bot.ctx)  # the join confirmations, as after the join modal
    [cohort] = pairing.cohorts_to_match(bot.ctx, None)
    pairing.match_cohort(bot.ctx, cohort)
    assert bot.ctx.background.wait_idle()
    with bot.ctx.db.transaction() as session:
        proposed = [
            (p.id or 0, p.mentor_id or "", p.mentee_id or "")
            for p in session.exec(select(pairing.Pair))
        ]
    assert len(proposed) == count
    for pair_id, mentor, mentee in proposed:
        pairing.answer(bot.ctx, pair_id, mentor, accept=True)
        assert pairing.answer(bot.ctx, pair_id, mentee, accept=True) == "active"
    assert bot.ctx.background.wait_idle()
    return people


def dispatch_env(bot: Bot) -> dict[str, str]:
    """The environment for `mentor-bot dispatch` against this bot's database and Slack."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": bot.fake.api_url,
        "DATABASE_URL": bot.ctx.db.engine.url.render_as_string(hide_password=False),
        "MENTOR_ENCRYPTION_KEY": bot.ctx.settings.encryption_key.get_secret_value(),
    }


def match_and_accept(bot: Bot, mentor: str = "UEN", mentee: str = "UDE") -> None:
    """The admin matches; both people say yes in the intro, as they would in Slack."""
    from bot.slack import ids

    bot.reply(ADMIN, "admin match")
    assert bot.ctx.background.wait_idle()
    intro = next(m for m in bot.fake.messages_for(mentor) if ids.PAIR_ACCEPT in m.action_ids())
    for user in (mentor, mentee):
        bot.slack.block_action(user, ids.PAIR_ACCEPT, message=intro)
    assert bot.ctx.background.wait_idle()
