"""Who a Slack user is to the bot: language, time zone, admin rights.

``users.info`` is asked once a day per person (or after a ``user_change`` event). Only
participants (anyone with an enrollment, whatever its state) and admins have the answer
stored, in ``slack_user``; everyone else's is kept in this process's memory for a day at
most (:class:`Recent`), so a person who only asked for help, or who used ``/mentor
forget``, leaves no row behind. Slack calls happen outside database transactions, and a
lookup made while Slack waits for the bot's answer never waits long: a stale stored entry
is used and refreshed in the background, and a first lookup that Slack does not answer at
once falls back to English.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session, col, delete, select

from bot.core.i18n import lang_of
from bot.slack.gateway import SlackGateway
from storage import queries
from storage.db import Database
from storage.models import Participant, SlackUser

logger = logging.getLogger(__name__)

CACHE_FOR = timedelta(days=1)
RECENT_SIZE = 10_000
"""How many people who are not stored :class:`Recent` remembers at most."""

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


class Recent:
    """``users.info`` answers about people the bot does not store, in memory only.

    An answer is used for a day after Slack gave it (``keep_for``) and held no longer
    than a day; when ``size`` are held, the oldest go first. Safe to use from several
    threads.
    """

    def __init__(
        self, clock: Callable[[], datetime], *, keep_for: timedelta = CACHE_FOR, size: int
    ) -> None:
        self._clock = clock
        self._keep_for = keep_for
        self._size = size
        # user ID -> (when it was put here, the answer); the oldest first
        self._rows: OrderedDict[str, tuple[datetime, SlackUser]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: str) -> SlackUser | None:
        """The answer about ``user_id`` if Slack gave it less than a day ago."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            entry = self._rows.get(user_id)
        if entry is None or now - entry[1].fetched_at > self._keep_for:
            return None
        return entry[1]

    def put(self, row: SlackUser) -> None:
        """Remember ``row`` (replacing what is held about the same person); an answer
        older than a day is not kept."""
        now = self._clock()
        with self._lock:
            self._rows.pop(row.user_id, None)
            if now - row.fetched_at <= self._keep_for:
                self._rows[row.user_id] = (now, row)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)
            self._expire(now)

    def drop(self, user_id: str) -> None:
        """Forget what is held about ``user_id``."""
        with self._lock:
            self._rows.pop(user_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._rows)

    def _expire(self, now: datetime) -> None:
        while self._rows:
            put_at, _ = next(iter(self._rows.values()))
            if now - put_at <= self._keep_for:
                break
            self._rows.popitem(last=False)


def _enrolled(session: Session, user_id: str, *, lock: bool = False) -> bool:
    """Whether ``user_id`` has an enrollment; with ``lock``, a concurrent ``forget``
    (which deletes it) waits for this unit of work, or this one sees it gone."""
    query = select(Participant.id).where(col(Participant.user_id) == user_id)
    if lock:  # FOR KEY SHARE on PostgreSQL; SQLite writers are serialized anyway
        query = query.with_for_update(read=True, key_share=True)
    return session.exec(query).first() is not None


def _name_of(user: dict[str, Any]) -> str | None:
    """A person's name for others to read: the full name, else the display name, else
    the handle."""
    profile = user.get("profile") or {}
    for name in (
        profile.get("real_name"),
        user.get("real_name"),
        profile.get("display_name"),
        user.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return name.strip()[:120]
    return None


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
        self.recent = Recent(clock, size=RECENT_SIZE)

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
            enrolled = _enrolled(session, user_id)
        if row is not None:
            if not (enrolled or self._is_admin(row)):
                # Stored before only participants and admins were, or their enrollment
                # or admin rights are gone: keep it in memory, drop it from the database.
                self.recent.put(row)
                self._later(self._prune, user_id)
            elif remember and self._clock() - row.fetched_at > CACHE_FOR:
                self._later(self.refresh, user_id)
            return self._person(row)
        recent = self.recent.get(user_id)
        if recent is not None:
            if enrolled and remember:  # joined since Slack was asked: store it now
                self._store(recent)
            return self._person(recent)
        fetched = self._fetch(user_id, quick=not patient)
        if fetched is None:
            if remember:
                self._later(self.refresh, user_id)
            return Person(user_id, "en", None, user_id in self._admin_ids)
        if remember:
            self._store(fetched, enrolled=enrolled)
        return self._person(fetched)

    def get_many(self, user_ids: set[str], *, patient: bool = False) -> dict[str, Person]:
        """:meth:`get` for many people, with one query for all that are stored."""
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
        """Ask ``users.info`` again (waiting out rate limits) and cache the answer.

        What Slack says is stored only if the person is a participant or an admin when
        the answer comes, so a refresh that ends after ``forget`` stores nothing.
        """
        row = self._fetch(user_id, quick=False)
        if row is not None:
            self._store(row)
        return row

    def refresh_if_known(self, user_id: str) -> None:
        """On ``user_change``: refresh a person the bot already caches, ignore others."""
        with self._db.transaction(write=False) as session:
            known = queries.cached_user(session, user_id) is not None
        if known or self.recent.get(user_id) is not None:
            self.refresh(user_id)

    def forget(self, user_id: str) -> None:
        """Drop what this process remembers about ``user_id`` (the database is
        :func:`bot.privacy.forget`'s)."""
        self.recent.drop(user_id)

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
            name=_name_of(user),
        )

    def _store(self, row: SlackUser, *, enrolled: bool | None = None) -> None:
        """Store ``row`` if the person is a participant or an admin, else remember it in
        memory (and delete what the database still holds about them).

        Args:
            row: What ``users.info`` said.
            enrolled: False when the caller has just seen that the person has no
                enrollment and no stored row (nothing to write then); None to check.
        """
        user_id = row.user_id
        if self._is_admin(row):
            kept = True
            with self._db.transaction() as session:
                queries.save_user(session, row)
        elif enrolled is False:
            kept = False
        else:
            with self._db.transaction() as session:
                kept = _enrolled(session, user_id, lock=True)
                if kept:
                    queries.save_user(session, row)
                else:
                    session.execute(delete(SlackUser).where(col(SlackUser.user_id) == user_id))
        if kept:
            self.recent.drop(user_id)
        else:
            self.recent.put(row)

    def _prune(self, user_id: str) -> None:
        """Delete the stored row of someone who is neither a participant nor an admin."""
        with self._db.transaction() as session:
            row = queries.cached_user(session, user_id)
            if row is None or self._is_admin(row) or _enrolled(session, user_id, lock=True):
                return
            session.execute(delete(SlackUser).where(col(SlackUser.user_id) == user_id))

    def _is_admin(self, row: SlackUser) -> bool:
        return row.user_id in self._admin_ids or row.is_workspace_admin

    def _person(self, row: SlackUser) -> Person:
        return Person(
            user_id=row.user_id,
            lang=lang_of(row.locale),
            tz=row.tz,
            is_admin=self._is_admin(row),
        )
