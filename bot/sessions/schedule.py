"""Session scheduling as pure functions: the recurring slot of a pair and its session dates.

No database and no Slack. The caller stores what these functions return.

The slot
    :func:`choose_slot` picks one weekday and one wall-clock start time in the **mentee's**
    time zone (the recurrence's zone): a weekday both people prefer and a quarter-hour start
    at which a :data:`SESSION_MINUTES` session lies inside both people's preferred time
    windows, each in their own zone. The mentee is the senior leader, so when the windows do
    not overlap the mentee's window wins.

The sessions
    :func:`occurrences` expands a slot into session start instants (aware UTC datetimes). The
    recurrence is computed on the mentee's wall clock, so a daylight-saving change keeps the
    local time (10:00 in Berlin stays 10:00 in Berlin; the UTC instant moves by an hour).

    * Notice: the first session starts at least :data:`MIN_NOTICE` (two days) after ``after``,
      so people have time to block their calendars.
    * Cadence: ``"weekly"`` and ``"biweekly"`` repeat every 7 and 14 days. ``"monthly"`` is
      *the n-th weekday of each month* (for example the 2nd Tuesday), n taken from the first
      session's date (its ordinal 1..4, or "the last" when it is the 5th of that weekday in
      its month, because not every month has a 5th).
    * Holidays: a session whose date is a public holiday of the mentee's country (derived from
      the zone by :func:`country_of`, national holidays only, from the ``holidays`` package)
      or one of the ``skip`` dates moves to the next working day (Monday to Friday, neither a
      holiday nor skipped) **of the same week**; if the rest of the week has none, that one
      session is dropped. The rhythm continues from the original dates, so one moved or
      dropped session never shifts the later ones.
    * DST gaps and overlaps: a wall-clock time that does not exist on a day (the clocks jump
      forward over it) is read with the offset before the jump, which lands the same amount
      of time after the jump (02:30 in Berlin on the last Sunday of March becomes 03:30
      CEST); a time that occurs twice (the clocks go back) is the first occurrence. This is
      PEP 495's ``fold=0``; see :func:`local_start`.

Countries and holidays
    Which country a zone is in and that country's public holidays come from
    :mod:`bot.sessions.countries`.
"""

from __future__ import annotations

import calendar
import enum
import itertools
import logging
import zoneinfo
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from bot.sessions.countries import country_of, is_public_holiday

logger = logging.getLogger(__name__)

#: Days between two sessions for the fixed-period cadences ("monthly" is by calendar month).
CADENCE_DAYS: Final[Mapping[str, int]] = {"weekly": 7, "biweekly": 14}
#: Every cadence :func:`occurrences` accepts.
CADENCES: Final = ("weekly", "biweekly", "monthly")
#: Length of one session.
SESSION_MINUTES: Final = 45
#: The first session starts at least this long after ``after`` (see :func:`occurrences`).
MIN_NOTICE: Final = timedelta(days=2)
#: The weekday used when neither person gave one (Tuesday).
DEFAULT_WEEKDAY: Final = 1
#: Weekdays a session can fall on: Monday (0) to Friday (4).
WORKING_WEEKDAYS: Final = frozenset(range(5))
#: Local time windows as [start, end) wall-clock times; ``"any"`` is the working day.
TIME_WINDOWS: Final[Mapping[str, tuple[time, time]]] = {
    "any": (time(9), time(17)),
    "morning": (time(9), time(12)),
    "midday": (time(12), time(14)),
    "afternoon": (time(14), time(17)),
}
#: Start times are multiples of this many minutes.
QUARTER_HOUR: Final = 15
#: :func:`choose_slot` checks the zones on the chosen weekday of these two weeks (winter and
#: summer), so a slot fits both people whichever daylight-saving offsets apply.
REFERENCE_WEEKS: Final = (date(2026, 1, 12), date(2026, 7, 13))

_SESSION: Final = timedelta(minutes=SESSION_MINUTES)
_LAST: Final = -1  # "the last <weekday> of the month" for the monthly cadence


class _Auto(enum.Enum):
    AUTO = "auto"


#: Default of ``occurrences(country=...)``: the country of the slot's zone.
AUTO: Final = _Auto.AUTO


@dataclass(frozen=True)
class Person:
    """What the schedule needs to know about one side of a pair.

    Lenient like :mod:`bot.matching`, because the values come from storage: weekdays outside
    Monday..Friday are ignored (sessions are never on a weekend) and an unknown time window
    counts as ``"any"``.

    Attributes:
        tz: IANA time zone from the Slack profile; ``None`` (or a name the system does not
            know) means UTC.
        weekdays: Preferred weekdays, 0=Mon..4=Fri; empty means any.
        time_window: ``"any"`` (9-17), ``"morning"`` (9-12), ``"midday"`` (12-14) or
            ``"afternoon"`` (14-17), in the person's local time.
    """

    tz: str | None
    weekdays: frozenset[int] = frozenset()
    time_window: str = "any"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays) & WORKING_WEEKDAYS)
        if self.time_window not in TIME_WINDOWS:
            object.__setattr__(self, "time_window", "any")


@dataclass(frozen=True)
class Slot:
    """A pair's recurring slot, on the mentee's wall clock.

    Attributes:
        weekday: 0=Mon..4=Fri, in the mentee's zone.
        local_time: Naive wall-clock start time in the mentee's zone.
        tz: The mentee's IANA zone (``"UTC"`` when unknown); the recurrence's zone.
    """

    weekday: int
    local_time: time
    tz: str

    def __post_init__(self) -> None:
        if self.weekday not in WORKING_WEEKDAYS:
            raise ValueError(f"slot weekday must be 0..4 (Mon..Fri), got {self.weekday!r}")
        if self.local_time.tzinfo is not None:
            raise ValueError("slot local_time must be a naive wall-clock time")


# --------------------------------------------------------------------------- zones


def zone(tz: str | None) -> zoneinfo.ZoneInfo:
    """The zone for an IANA name, UTC when the name is missing or unknown.

    Args:
        tz: An IANA zone name such as ``"Europe/Berlin"``, or ``None``.

    Returns:
        The :class:`zoneinfo.ZoneInfo`; ``ZoneInfo("UTC")`` for ``None``, ``""`` or a name
        the system's time zone data does not have.
    """
    if tz:
        try:
            return zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            logger.debug("unknown time zone %r, using UTC", tz)
    return zoneinfo.ZoneInfo("UTC")


def local_start(day: date, at: time, tz: str | None) -> datetime:
    """The UTC instant of wall-clock time ``at`` on ``day`` in zone ``tz``.

    A time in a DST gap (it does not exist that day) is read with the offset before the
    gap, so it lands as far after the jump as it was after the last valid time (02:30 on a
    spring-forward night at 02:00 becomes 03:30). A time that occurs twice (fall-back) is its
    first occurrence, the one with the summer offset. This is PEP 495's ``fold=0``.

    Args:
        day: The local calendar date.
        at: A naive wall-clock time.
        tz: The IANA zone; ``None`` or unknown means UTC.

    Returns:
        An aware datetime in UTC.

    Raises:
        ValueError: If ``at`` carries a tzinfo.
    """
    if at.tzinfo is not None:
        raise ValueError("a wall-clock time must be naive")
    local = datetime.combine(day, at.replace(fold=0), tzinfo=zone(tz))
    return local.astimezone(UTC)


def local_date(moment: datetime, tz: str | None) -> date:
    """The calendar date of the instant ``moment`` in zone ``tz`` (UTC when unknown)."""
    return moment.astimezone(zone(tz)).date()


# ------------------------------------------------------------------------- the slot


def choose_slot(mentor: Person, mentee: Person, *, reference: date | None = None) -> Slot:
    """Choose a pair's recurring weekday and start time, in the mentee's zone.

    Weekday: the earliest weekday (Monday first) that both prefer, an empty preference
    counting as every weekday. When the two preferences do not meet: the mentee's earliest
    preferred weekday. When neither gave one: Tuesday.

    Time: the earliest quarter hour in the mentee's window (so from 9:00 at the earliest) at
    which the whole session also lies inside the mentor's window in the mentor's zone,
    checked on the chosen weekday in a winter and a summer week (:data:`REFERENCE_WEEKS`)
    so daylight-saving differences between the zones do not break it. When no time fits on
    both dates, the earliest that fits on one of them; when none fits at all, the start of
    the mentee's window (the mentee's calendar wins).

    The result depends only on the arguments.

    Args:
        mentor: The mentor's zone and preferences.
        mentee: The mentee's zone and preferences.
        reference: Check the zones on this date only (for example the pair's start date)
            instead of :data:`REFERENCE_WEEKS`; its own weekday is irrelevant, the chosen
            weekday of its week is used.

    Returns:
        The slot, its ``tz`` being the mentee's zone name (``"UTC"`` when unknown).
    """
    weekday = _choose_weekday(mentor.weekdays, mentee.weekdays)
    tz = zone(mentee.tz).key
    weeks = (reference,) if reference is not None else REFERENCE_WEEKS
    days = [_monday_of(week) + timedelta(days=weekday) for week in weeks]
    candidates = _quarter_hours(*TIME_WINDOWS[mentee.time_window])
    fits = {
        start: [_fits(mentor, local_start(day, start, tz)) for day in days] for start in candidates
    }
    for good in (all, any):
        for start in candidates:
            if good(fits[start]):
                return Slot(weekday=weekday, local_time=start, tz=tz)
    return Slot(weekday=weekday, local_time=candidates[0], tz=tz)


def _choose_weekday(mentor_days: frozenset[int], mentee_days: frozenset[int]) -> int:
    if not mentor_days and not mentee_days:
        return DEFAULT_WEEKDAY
    common = (mentor_days or WORKING_WEEKDAYS) & (mentee_days or WORKING_WEEKDAYS)
    return min(common or mentee_days)


def _quarter_hours(start: time, end: time) -> list[time]:
    """Quarter-hour start times from ``start`` at which a session ends by ``end``."""
    first = _minutes(start)
    first += -first % QUARTER_HOUR
    last = _minutes(end) - SESSION_MINUTES
    return [time(m // 60, m % 60) for m in range(first, last + 1, QUARTER_HOUR)]


def _fits(person: Person, start: datetime) -> bool:
    """Whether a session starting at ``start`` lies inside ``person``'s window, locally."""
    window_start, window_end = TIME_WINDOWS[person.time_window]
    tz = zone(person.tz)
    begin, end = start.astimezone(tz), (start + _SESSION).astimezone(tz)
    return (
        begin.date() == end.date()
        and _minutes(window_start) <= _minutes(begin.time())
        and _minutes(end.time()) <= _minutes(window_end)
    )


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ---------------------------------------------------------------------- occurrences


def occurrences(
    slot: Slot,
    cadence: str,
    *,
    after: datetime,
    count: int,
    country: str | None | _Auto = AUTO,
    subdivision: str | None = None,
    skip: Collection[date] = (),
    anchor: date | None = None,
    notice: timedelta = MIN_NOTICE,
) -> list[datetime]:
    """The next ``count`` session starts of a slot, as aware UTC datetimes.

    Every returned start is strictly after ``after`` and at least ``notice`` (two days by
    default) after it. Without ``anchor`` the series starts on the first date on the slot's
    weekday whose start is that far ahead; it then repeats by ``cadence`` on the mentee's
    wall clock (see the module docstring for "monthly"). A date that is a public holiday or
    in ``skip`` moves to the next working day of the same Monday-to-Friday week, or is
    dropped when there is none; later sessions keep their original dates. Dropped sessions
    do not count towards ``count``.

    To continue an existing series (after a pause, or to extend the stored sessions), pass
    its first date as ``anchor``: the dates are then ``anchor`` plus whole periods (for
    "monthly": the anchor's n-th weekday of each month), keeping the series' rhythm,
    whatever ``after`` is.

    Args:
        slot: The recurring slot (mentee's weekday, wall-clock time and zone).
        cadence: ``"weekly"``, ``"biweekly"`` or ``"monthly"``.
        after: An aware datetime (any zone); the sessions start after it.
        count: How many session starts to return (0 or more).
        country: ISO 3166 code whose public holidays are avoided; ``None`` for none. By
            default the country of ``slot.tz`` (:func:`country_of`), none when unknown.
        subdivision: A ``holidays`` subdivision (for example the German Land ``"BY"``) when
            known; by default national holidays only.
        skip: Further local dates (in the slot's zone) to avoid, like holidays.
        anchor: The first date of the series to continue; must be on the slot's weekday.
        notice: Minimum time between ``after`` and the first returned start.

    Returns:
        ``count`` aware UTC datetimes in ascending order.

    Raises:
        ValueError: For an unknown cadence, a negative count or notice, a naive ``after``,
            or an anchor that is not on the slot's weekday.
    """
    _check_occurrences(slot, cadence, after=after, count=count, anchor=anchor, notice=notice)
    earliest = after + notice
    starts = _starts(
        slot,
        cadence,
        anchor=anchor if anchor is not None else _first_date(slot, earliest),
        earliest=earliest,
        after=after,
        country=country_of(slot.tz) if isinstance(country, _Auto) else country,
        subdivision=subdivision,
        blocked=frozenset(skip),
    )
    return list(itertools.islice(starts, count))


def _check_occurrences(
    slot: Slot,
    cadence: str,
    *,
    after: datetime,
    count: int,
    anchor: date | None,
    notice: timedelta,
) -> None:
    """Raise the ValueError :func:`occurrences` documents for arguments it cannot use."""
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}; expected one of {', '.join(CADENCES)}")
    if count < 0:
        raise ValueError("count must not be negative")
    if notice < timedelta(0):
        raise ValueError("notice must not be negative")
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    if anchor is not None and anchor.weekday() != slot.weekday:
        raise ValueError(f"anchor {anchor} is not on the slot's weekday {slot.weekday}")


def _starts(
    slot: Slot,
    cadence: str,
    *,
    anchor: date,
    earliest: datetime,
    after: datetime,
    country: str | None,
    subdivision: str | None,
    blocked: frozenset[date],
) -> Iterator[datetime]:
    """The series' starts from ``anchor`` on, without end: a series date whose own start
    is before ``earliest`` is passed over, a holiday or blocked date moves to the next
    working day of its week (or is dropped), and only starts after ``after`` count."""
    for day in _series(anchor, cadence):
        if local_start(day, slot.local_time, slot.tz) < earliest:
            continue
        moved = _working_day(day, country=country, subdivision=subdivision, blocked=blocked)
        if moved is None:
            continue
        start = local_start(moved, slot.local_time, slot.tz)
        if start > after:
            yield start


def series(
    slot: Slot,
    cadence: str,
    *,
    anchor: date,
    since: date | None = None,
    earliest: datetime,
    country: str | None | _Auto = AUTO,
    subdivision: str | None = None,
    limit: int = 520,
) -> Iterator[tuple[date, datetime]]:
    """A series' sessions from ``anchor`` on, each as (series date, start), without end.

    The series date is the date the rhythm gives (``anchor`` plus whole periods); the
    start is on that date or, when it is a public holiday, on the next working day of the
    same week (a date with none is left out). Only dates after ``since`` and starts at or
    after ``earliest`` are yielded. The caller stores the series date with each session,
    so a moved or holiday-shifted session never shifts the rhythm.

    Args:
        slot: The recurring slot.
        cadence: ``"weekly"``, ``"biweekly"`` or ``"monthly"``.
        anchor: The series' first date; a date off the slot's weekday (an anchor stored
            after a holiday moved it) is read as the slot's weekday of the same week.
        since: Yield only series dates after this one (the last one already planned).
        earliest: Yield only starts at or after this instant.
        country: As for :func:`occurrences`.
        subdivision: As for :func:`occurrences`.
        limit: Give up after this many series dates (ten years of weekly sessions).

    Raises:
        ValueError: For an unknown cadence or a naive ``earliest``.
    """
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}; expected one of {', '.join(CADENCES)}")
    if earliest.tzinfo is None or earliest.utcoffset() is None:
        raise ValueError("earliest must be an aware datetime")
    code = country_of(slot.tz) if isinstance(country, _Auto) else country
    anchor = on_weekday(anchor, slot.weekday)
    for index, day in enumerate(_series(anchor, cadence)):
        if index >= limit:
            return
        if since is not None and day <= since:
            continue
        moved = _working_day(day, country=code, subdivision=subdivision, blocked=frozenset())
        if moved is None:
            continue
        start = local_start(moved, slot.local_time, slot.tz)
        if start >= earliest:
            yield day, start


def on_weekday(day: date, weekday: int) -> date:
    """``day``, or the given weekday earlier in the same Monday-to-Sunday week."""
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def first_date(slot: Slot, earliest: datetime) -> date:
    """The first date on the slot's weekday whose session starts at ``earliest`` or later."""
    return _first_date(slot, earliest)


def _first_date(slot: Slot, earliest: datetime) -> date:
    """The first date on the slot's weekday whose session starts at ``earliest`` or later."""
    day = earliest.astimezone(zone(slot.tz)).date()
    day += timedelta(days=(slot.weekday - day.weekday()) % 7)
    while local_start(day, slot.local_time, slot.tz) < earliest:
        day += timedelta(days=7)
    return day


def _series(anchor: date, cadence: str) -> Iterator[date]:
    """The original dates of the series from ``anchor`` on, without end."""
    if cadence in CADENCE_DAYS:
        step = timedelta(days=CADENCE_DAYS[cadence])
        day = anchor
        while True:
            yield day
            day += step
    ordinal = (anchor.day - 1) // 7 + 1
    nth = ordinal if ordinal <= 4 else _LAST
    year, month = anchor.year, anchor.month
    while True:
        yield nth_weekday(year, month, anchor.weekday(), nth)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` given weekday of a month; ``nth=-1`` is the last one.

    Args:
        year: The year.
        month: The month, 1..12.
        weekday: 0=Mon..6=Sun.
        nth: 1..4 (every month has at least four of each weekday), or -1 for the last.

    Returns:
        The date.

    Raises:
        ValueError: For ``nth`` outside 1..4 and -1.
    """
    if nth == _LAST:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    if not 1 <= nth <= 4:
        raise ValueError(f"nth must be 1..4 or -1, got {nth!r}")
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _working_day(
    day: date, *, country: str | None, subdivision: str | None, blocked: frozenset[date]
) -> date | None:
    """``day`` or the next working day after it in the same Monday-to-Friday week."""
    candidate = day
    while candidate.weekday() in WORKING_WEEKDAYS:
        if candidate not in blocked and not is_public_holiday(
            candidate, country, subdivision=subdivision
        ):
            return candidate
        candidate += timedelta(days=1)
    return None
