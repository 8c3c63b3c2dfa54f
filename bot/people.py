"""Who a Slack user is to the bot: language, time zone, admin rights.

``users.info`` is asked once a day per person (or after a ``user_change`` event); the
answer is cached in ``slack_user``. Slack calls happen outside database transactions, and
a lookup made while Slack waits for the bot's answer never waits long: a stale cache
entry is used and refreshed in the background, and a first lookup that Slack does not
answer at once falls back to English.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import lang_of
from bot.slack import SlackGateway
from storage import queries
from storage.db import Database
from storage.models import SlackUser

logger = logging.getLogger(__name__)

CACHE_FOR = timedelta(days=1)

Later = Callable[..., None]


@dataclass(frozen=True)
class Person:
    """The facts about a Slack user that the bot needs to talk to them.

    Attributes:
        user_id: The Slack user ID.
        lang: ``de`` or ``en``.
        tz: IANA time zone name, or None when Slack did not say.
        is_admin: Listed in ``MENTOR_ADMIN_IDS`` or a workspace admin/owner.
    """

    user_id: str
    lang: str
    tz: str | None
    is_admin: bool


class People:
    """Looks people up, through the cache.

    Args:
        db: The database.
        slack: The gateway, for ``users.info``.
        admin_ids: ``MENTOR_ADMIN_IDS``.
        clock: The current time.
        later: Runs a function in the background (refreshes of stale entries).
    """

    def __init__(
        self,
        db: Database,
        slack: SlackGateway,
        *,
        admin_ids: frozenset[str],
        clock: Callable[[], datetime],
        later: Later,
    ) -> None:
        self._db = db
        self._slack = slack
        self._admin_ids = admin_ids
        self._clock = clock
        self._later = later

    def get(self, user_id: str, *, remember: bool = True, patient: bool = False) -> Person:
        """The person, quickly: cached, else a quick ``users.info``, else English.

        Args:
            user_id: The Slack user ID.
            remember: Cache what ``users.info`` says; False when the person is about to be
                forgotten, so that looking them up stores nothing new.
            patient: Wait out Slack's rate limits on a cache miss (for work in the
                background, where nobody waits on an answer).
        """
        with self._db.transaction(write=False) as session:
            row = queries.cached_user(session, user_id)
        if row is not None:
            if remember and self._clock() - row.fetched_at > CACHE_FOR:
                self._later(self.refresh, user_id)
            return self._person(row)
        fetched = self._fetch(user_id, quick=not patient)
        if fetched is None:
            if remember:
                self._later(self.refresh, user_id)
            return Person(user_id, "en", None, user_id in self._admin_ids)
        if remember:
            self._save(fetched)
        return self._person(fetched)

    def get_many(self, user_ids: set[str], *, patient: bool = False) -> dict[str, Person]:
        """:meth:`get` for many people, with one query for all that are cached."""
        with self._db.transaction(write=False) as session:
            rows = queries.cached_users(session, user_ids)
        found = {}
        for row in rows:
            if self._clock() - row.fetched_at > CACHE_FOR:
                self._later(self.refresh, row.user_id)
            found[row.user_id] = self._person(row)
        for user_id in user_ids - set(found):
            found[user_id] = self.get(user_id, patient=patient)
        return found

    def refresh(self, user_id: str) -> SlackUser | None:
        """Ask ``users.info`` again (waiting out rate limits) and cache the answer."""
        row = self._fetch(user_id, quick=False)
        if row is not None:
            self._save(row)
        return row

    def refresh_if_known(self, user_id: str) -> None:
        """On ``user_change``: refresh a person the bot already caches, ignore others."""
        with self._db.transaction(write=False) as session:
            known = queries.cached_user(session, user_id) is not None
        if known:
            self.refresh(user_id)

    def _fetch(self, user_id: str, *, quick: bool) -> SlackUser | None:
        try:
            user = self._slack.user_info(user_id, quick=quick)
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("users.info failed: %s", error)
            return None
        return SlackUser(
            user_id=user_id,
            locale=user.get("locale"),
            tz=user.get("tz"),
            is_workspace_admin=bool(user.get("is_admin") or user.get("is_owner")),
            fetched_at=self._clock(),
        )

    def _save(self, row: SlackUser) -> None:
        with self._db.transaction() as session:
            queries.save_user(session, row)

    def _person(self, row: SlackUser) -> Person:
        return Person(
            user_id=row.user_id,
            lang=lang_of(row.locale),
            tz=row.tz,
            is_admin=row.user_id in self._admin_ids or row.is_workspace_admin,
        )
