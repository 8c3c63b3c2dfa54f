"""The tables. Every datetime is aware UTC (:class:`storage.types.UTCDateTime`).

Personal data lives in ``slack_user``, ``participant`` and the ID columns of ``pair``;
``/mentor forget`` clears all of it (see :func:`storage.queries.forget_user`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, sealed_length, utcnow

#: The longest learning a reflection takes, and the longest learning goal, in characters.
LEARNED_MAX = 3000
GOAL_MAX = 300


class Role(StrEnum):
    """A participant's role; the values are the join modal's option values."""

    MENTOR = "mentor"
    MENTEE = "mentee"


class Cadence(StrEnum):
    """How often a cohort's pairs meet."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class ParticipantStatus(StrEnum):
    """Where a participant stands in the program."""

    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class PairStatus(StrEnum):
    """The life of a proposed pair."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"
    # Never introduced (Slack refused the intro for good): not a former pair.
    CANCELLED = "cancelled"


class Cohort(SQLModel, table=True):
    """A group of participants with its own pool, channel and cadence."""

    __tablename__ = "cohort"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    name_key: str = Field(max_length=40, unique=True)
    channel_id: str | None = Field(default=None, max_length=32)
    cadence: str = Field(default=Cadence.BIWEEKLY.value, max_length=16)
    is_open: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The term's last day (YYYY-MM-DD); six months after creation unless set.
    term_end: str | None = Field(default=None, max_length=10)
    # A pair with no session held for this many days is nudged, and then closed.
    nudge_days: int = Field(default=45, sa_column_kwargs={"server_default": "45"})
    close_days: int = Field(default=90, sa_column_kwargs={"server_default": "90"})


class SlackUser(SQLModel, table=True):
    """What ``users.info`` told us about a person, cached for a day."""

    __tablename__ = "slack_user"

    user_id: str = Field(primary_key=True, max_length=32)
    locale: str | None = Field(default=None, max_length=16)
    tz: str | None = Field(default=None, max_length=64)
    is_workspace_admin: bool = Field(default=False)
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The name Slack shows (display name, else real name): for the partner's name in
    # calendar events, which Slack cannot render from a mention.
    name: str | None = Field(default=None, max_length=120)


class Participant(SQLModel, table=True):
    """One person's enrollment; one row per person, in one cohort at a time."""

    __tablename__ = "participant"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32, unique=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    role: str = Field(max_length=8)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    department: str | None = Field(default=None, max_length=80)
    weekdays: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    time_window: str = Field(default="any", max_length=16)
    status: str = Field(default=ParticipantStatus.ACTIVE.value, max_length=8, index=True)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the person was told they are on the waiting list (cleared when matched), so a
    # second matching run does not tell them again.
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Pair(SQLModel, table=True):
    """A mentor and a mentee, from proposal to end.

    ``mentor_key``/``mentee_key`` are keyed hashes of the user IDs; they outlive
    ``/mentor forget`` so that a pair is never proposed again, while the plain IDs are
    cleared.
    """

    __tablename__ = "pair"
    __table_args__ = (
        Index("ix_pair_keys", "mentor_key", "mentee_key"),
        Index("ix_pair_mentor_id", "mentor_id"),
        Index("ix_pair_mentee_id", "mentee_id"),
        # Nobody is ever in two open pairs, whatever two matching runs do at once.
        Index(
            "uq_pair_open_mentor",
            "mentor_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'active')"),
            postgresql_where=text("status IN ('proposed', 'active')"),
        ),
        Index(
            "uq_pair_open_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'active')"),
            postgresql_where=text("status IN ('proposed', 'active')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    mentor_id: str | None = Field(default=None, max_length=32)
    mentee_id: str | None = Field(default=None, max_length=32)
    mentor_key: str = Field(max_length=64)
    mentee_key: str = Field(max_length=64)
    status: str = Field(default=PairStatus.PROPOSED.value, max_length=10, index=True)
    mentor_accepted: bool = Field(default=False)
    mentee_accepted: bool = Field(default=False)
    channel_id: str | None = Field(default=None, max_length=32)
    intro_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The recurring slot, fixed when the pair became active: weekday and wall-clock time
    # in the mentee's zone, and the date of the first session (the rhythm's anchor).
    slot_tz: str | None = Field(default=None, max_length=64)
    slot_weekday: int | None = Field(default=None)
    slot_time: str | None = Field(default=None, max_length=5)
    slot_anchor: str | None = Field(default=None, max_length=10)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why it ended, for the report's counts (never who asked): ``left``, ``forgot``,
    # ``rematch``; None while open, after a decline, and for pairs ended before it was kept.
    end_reason: str | None = Field(default=None, max_length=12)
    # Where the pair meets (an https:// link or a room), set by either person; shown in
    # reminders and calendar events.
    meeting_link: str | None = Field(default=None, max_length=300)


class CalendarFeed(SQLModel, table=True):
    """A person's calendar feed (``GET /calendar/<token>.ics``).

    The token is never stored: it is a keyed hash of ``nonce`` (see
    :mod:`bot.calendar.feed`), so the bot can show the same link again, and the database
    alone cannot; ``token_hash`` (SHA-256 of the token) finds the feed a request names.
    A new nonce (``calendar_reset``) ends the old link; ``/mentor forget`` and
    ``/mentor leave`` delete the row.
    """

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32, unique=True, index=True)
    nonce: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedEvent(SQLModel, table=True):
    """Event IDs already handled, so a redelivered event acts once."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class NotificationStatus(StrEnum):
    """Where a notification stands."""

    PENDING = "pending"
    SENT = "sent"
    MISSED = "missed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Notification(SQLModel, table=True):
    """One message the bot owes someone, sent exactly once by the dispatcher.

    The database is the source of truth: whatever produces work (matching, schedules)
    inserts rows with a unique ``key``; :func:`bot.outbox.dispatch` claims due rows, sends
    them through the gateway and marks each one sent in its own commit. What a message
    says is rendered at send time from the current state, so nothing a person wrote is
    copied here.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=128, unique=True)
    kind: str = Field(max_length=32)
    pair_id: int | None = Field(default=None, foreign_key="pair.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="mentoring_session.id", index=True)
    user_id: str | None = Field(default=None, max_length=32, index=True)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=NotificationStatus.PENDING.value, max_length=10)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=32)
    attempts: int = Field(default=0)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=200)
    announcement_id: int | None = Field(default=None, foreign_key="announcement.id", index=True)
    # What a sender needs beyond the rows it points to (a count, a session's former start):
    # never anything a person wrote.
    args: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Set while a dispatcher may be posting it (from just before its send until its
    # outcome is committed): a row claimed with this set was possibly delivered by a
    # dispatcher that died, and is checked against Slack before it is sent again.
    in_flight: bool = Field(default=False)


class AnnouncementStatus(StrEnum):
    """The life of an announcement."""

    # A second identical announcement within a minute, waiting for the admin's yes.
    HELD = "held"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Announcement(SQLModel, table=True):
    """A program owner's message to a cohort (or every open cohort): posted in the
    cohorts' channels and DMed to each active member, each through a notification row.

    ``author_id`` is kept only to show the author the progress; ``/mentor forget``
    clears it. ``digest`` (of the audience and the text) finds the same announcement sent
    twice within a minute; ``trigger_id`` finds a command Slack delivered twice.
    """

    __tablename__ = "announcement"

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", index=True)
    text: str = Field(max_length=4000)
    digest: str = Field(max_length=64, index=True)
    trigger_id: str | None = Field(default=None, max_length=128, unique=True)
    author_id: str | None = Field(default=None, max_length=32, index=True)
    author_lang: str = Field(default="en", max_length=8)
    status: str = Field(default=AnnouncementStatus.SENDING.value, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    progress_channel: str | None = Field(default=None, max_length=32)
    progress_ts: str | None = Field(default=None, max_length=32)
    progress_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress_handled: int = Field(default=0)


class SessionStatus(StrEnum):
    """The life of one scheduled session."""

    SCHEDULED = "scheduled"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class MentoringSession(SQLModel, table=True):
    """One meeting of an active pair, produced from the pair's recurring slot."""

    __tablename__ = "mentoring_session"
    __table_args__ = (UniqueConstraint("pair_id", "number", name="uq_session_pair_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    number: int
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    minutes: int = Field(default=45)
    status: str = Field(default=SessionStatus.SCHEDULED.value, max_length=10)
    agenda_kind: str | None = Field(default=None, max_length=8)
    agenda_ref: str | None = Field(default=None, max_length=40)
    # The series date this session stands for (YYYY-MM-DD in the slot's zone), before a
    # holiday or a move shifted it: the rhythm continues from it. None in rows planned
    # before it was kept (then the local date of ``starts_at`` stands in).
    series_date: str | None = Field(default=None, max_length=10)
    # Raised by each move, so what a move owes (a new reminder, the partner's notice)
    # has a key of its own, also when a session moves back to an earlier time.
    sequence: int = Field(default=0)


class Reflection(SQLModel, table=True):
    """What one person took from one session; readable only by its author.

    ``learned`` is encrypted (Fernet, ``MENTOR_ENCRYPTION_KEY``); the rating and whether the
    session happened feed the aggregate report.
    """

    __tablename__ = "reflection"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_reflection_author"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="mentoring_session.id", index=True)
    user_id: str = Field(max_length=32, index=True)
    happened: bool = Field(default=True)
    rating: int | None = Field(default=None)
    learned: str | None = Field(default=None, max_length=sealed_length(LEARNED_MAX))
    # Whether the author already shared a learning from this session (so a second
    # submission does not share it twice); the shared text itself has no link back.
    shared: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Goal(SQLModel, table=True):
    """A mentee's learning goal; the text is encrypted and shown only to the mentee."""

    __tablename__ = "goal"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32, index=True)
    text: str = Field(max_length=sealed_length(GOAL_MAX))
    progress: int | None = Field(default=None)
    done: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BestPractice(SQLModel, table=True):
    """A learning someone chose to share anonymously: no author's ID, only the month.

    ``author`` is a keyed hash of the author (see :func:`bot.reporting.hashes.author_hash`), never
    their ID, so that the playbook can count the people behind a group of learnings;
    ``/mentor forget`` replaces it with a random placeholder. None for learnings shared
    before it was kept (the playbook counts them as nobody).
    """

    __tablename__ = "best_practice"

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", index=True)
    topic: str | None = Field(default=None, max_length=40)
    # Encrypted like the reflection it was shared from.
    text: str = Field(max_length=sealed_length(LEARNED_MAX))
    month: str = Field(max_length=7)
    author: str | None = Field(default=None, max_length=32, index=True)


class SurveyKind(StrEnum):
    """The program cycle's private questions (SPEC.md, "Program cycle")."""

    # The mentee's confidence in the pair's topics when the pair becomes active.
    BASELINE = "baseline"
    # "How is it going with your partner?", 30 days in and at the middle of the term.
    PULSE = "pulse"
    # At the term's end: confidence again (mentee), would recommend (both).
    CLOSING = "closing"


class SurveyAnswer(SQLModel, table=True):
    """One person's answer to a self-assessment, a pulse or the closing survey; private
    like a reflection: only its author sees it (``/mentor export``), reports count only
    aggregates over 5 or more people, and ``/mentor forget`` deletes it.

    ``moment`` tells a pair's pulses apart (``30d``, ``mid``); ``confidence`` maps each of
    the pair's topics to 1-5 (the mentee's self-assessment and closing survey); ``score``
    is the pulse's 1-5 or the closing survey's would-recommend 0-10. A learning shared in
    the closing survey is stored only in the playbook, without the author's ID.
    """

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("pair_id", "user_id", "kind", "moment", name="uq_survey_answer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    user_id: str = Field(max_length=32, index=True)
    role: str = Field(max_length=8)
    kind: str = Field(max_length=10)
    moment: str = Field(default="", max_length=8)
    confidence: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    score: int | None = Field(default=None)
    new_partner: bool = Field(default=False)
    # Whether the closing survey's learning was shared (so a second submission does not
    # share it twice); the playbook's copy has no link back.
    shared: bool = Field(default=False)
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportRelease(SQLModel, table=True):
    """One figure an admin report or export showed, kept to check later ones against.

    Its contributions are what each person added to the figure (a membership, a side of a
    pair or session, a reflection, a rating, a goal), as ``[person, contribution]`` pairs
    of keyed hashes (a subkey of ``MENTOR_ENCRYPTION_KEY``, see
    :mod:`bot.reporting.hashes`), never Slack IDs. A row with a ``base_id`` holds what
    changed since that earlier release of the same metric, scope and period: ``added``
    the entries its base lacks, ``removed`` those of its base it lacks; a row without one
    holds them all in ``added`` (see :mod:`bot.reporting.releases`). ``/mentor forget``
    replaces the person's hashes with placeholders. A new value that, set against the
    earlier ones, would single out 1 to 4 people is not released (see
    docs/architecture.md, "Admin reports").
    """

    __tablename__ = "report_release"
    __table_args__ = (Index("ix_report_release_metric", "metric", "scope", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    metric: str = Field(max_length=32)
    # A cohort's id, or "all" for the total over every cohort.
    scope: str = Field(max_length=16)
    # "all" (everything so far) or a month, "YYYY-MM".
    period: str = Field(max_length=7)
    value: float
    # How many people the figure is over.
    people: int
    # The release this one is stored as a change of (None: every entry is in added).
    base_id: int | None = Field(default=None, index=True)
    added: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    removed: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    released_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
