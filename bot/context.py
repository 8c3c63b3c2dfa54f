"""What every service needs, built once when the app starts."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.crypto import Vault
from bot.people import People
from bot.slack import SlackGateway
from storage.db import Database
from storage.types import utcnow

# Threads that run handlers after the ack (Bolt's default is 5, too few for bursts).
LISTENER_THREADS = 16


@dataclass
class Context:
    """The bot's services and resources; handed to handlers through Bolt's context.

    Attributes:
        settings: The validated configuration.
        db: The database (unit-of-work factory).
        slack: The gateway for every call to Slack.
        vault: Encryption and keyed hashes.
        people: Locale, time zone and admin rights of Slack users, cached.
        clock: Returns the current aware UTC time (replaceable in tests and demos).
        executor: Runs handlers after Slack has been answered.
    """

    settings: Settings
    db: Database
    slack: SlackGateway
    vault: Vault
    people: People
    clock: Callable[[], datetime] = field(default=utcnow)
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(LISTENER_THREADS, "listener")
    )

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        db: Database | None = None,
        slack: SlackGateway | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> Context:
        """Build the services for ``settings``."""
        db = db or Database.from_url(settings.database_url)
        slack = slack or SlackGateway.create(settings.bot_token, settings.api_url)
        people = People(db, slack, admin_ids=settings.admin_ids, clock=clock)
        return cls(
            settings=settings,
            db=db,
            slack=slack,
            vault=Vault(settings.encryption_key),
            people=people,
            clock=clock,
        )

    def close(self) -> None:
        """Let running handlers finish, then release the database connections."""
        self.executor.shutdown(wait=True)
        self.db.dispose()
