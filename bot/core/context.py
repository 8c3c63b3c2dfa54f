"""What every service needs, built once when the app starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.background import Background
from bot.core.config import Settings
from bot.core.crypto import Vault
from bot.core.people import People
from bot.slack.gateway import SlackGateway
from storage.db import Database
from storage.types import utcnow


class Dispatcher(Protocol):
    """What services ask of the outbox (:class:`bot.delivery.outbox.Outbox`, built with
    every kind of message by the app at start-up)."""

    def kick(self, ctx: Context) -> None:
        """Send what is due now, in the background."""

    def stop(self) -> None:
        """Start no further send; what is left stays owed."""


@dataclass
class Context:
    """The bot's services and resources; handed to handlers through Bolt's context.

    Attributes:
        settings: The validated configuration.
        db: The database (unit-of-work factory).
        slack: The gateway for every call to Slack.
        vault: Encryption and keyed hashes.
        people: Locale, time zone and admin rights of Slack users, cached.
        background: Runs work after Slack has been answered.
        outbox: Sends every message a person is owed (see :mod:`bot.delivery.outbox`).
        clock: Returns the current aware UTC time (replaceable in tests and demos).
    """

    settings: Settings
    db: Database
    slack: SlackGateway
    vault: Vault
    people: People
    background: Background
    outbox: Dispatcher
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        outbox: Dispatcher,
        db: Database | None = None,
        slack: SlackGateway | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> Context:
        """Build the services for ``settings``."""
        db = db or Database.from_url(settings.database_url)
        slack = slack or SlackGateway.create(
            settings.bot_token.get_secret_value(), settings.api_url
        )
        background = Background()
        people = People(
            db, slack, admin_ids=settings.admin_ids, clock=clock, later=background.later
        )
        return cls(
            settings=settings,
            db=db,
            slack=slack,
            vault=Vault(settings.encryption_key.get_secret_value()),
            people=people,
            background=background,
            outbox=outbox,
            clock=clock,
        )

    def later(self, function: Callable[..., object], *args: object) -> None:
        """Run ``function(*args)`` after Slack has been answered; failures are logged."""
        self.background.later(function, *args)

    def close(self) -> None:
        """Stop the outbox from starting further sends (what is left stays owed, due at
        once for the next start), let background work finish, then release the database
        connections."""
        self.outbox.stop()
        self.background.drain()
        self.db.dispose()
