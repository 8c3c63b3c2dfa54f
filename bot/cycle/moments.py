"""When the program cycle asks something of a pair (pure: dates in, moments out).

Every moment is 10:00 on a day in the mentee's zone (the pair's slot zone), so nobody is
asked at night. A moment is owed by the hourly pass once it has come, and not when it
is more than :data:`STALE` in the past (a term edited meanwhile, or a pass missed for
a week): a question that late no longer fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.sessions import schedule

MORNING = time(10, 0)
STALE = timedelta(days=7)
#: The first pulse, counted in days from the pair's start.
FIRST_PULSE_DAYS = 30
#: The mid-term pulse needs a pair at least this old, and this far from the first pulse
#: (otherwise the one pulse stands for both).
PULSE_GAP_DAYS = 14
#: How long before the close the nudge must have gone out at least (a pair back from a
#: long pause, or after an outage, is nudged first and closed only this much later).
CLOSE_NOTICE_DAYS = 14

PULSE_30D = "30d"
PULSE_MID = "mid"


def morning(day: date, tz: str) -> datetime:
    """10:00 on ``day`` in ``tz``, in UTC."""
    return schedule.local_start(day, MORNING, tz)


def middle(start: date, end: date) -> date:
    """The middle day of a term from ``start`` to ``end``."""
    return start + (end - start) // 2


def pulses(
    activated_at: datetime, term_start: date, term_end: date, tz: str
) -> list[tuple[str, datetime]]:
    """A pair's pulse moments: 30 days after its start (when that is within the term),
    and the middle of the term (when the pair is at least two weeks old by then and the
    first pulse is not within two weeks of it)."""
    start = schedule.local_date(activated_at, tz)
    first = start + timedelta(days=FIRST_PULSE_DAYS)
    mid = middle(term_start, term_end)
    found = []
    if first <= term_end:
        found.append((PULSE_30D, morning(first, tz)))
    if (mid - start).days >= PULSE_GAP_DAYS and abs((mid - first).days) >= PULSE_GAP_DAYS:
        found.append((PULSE_MID, morning(mid, tz)))
    return sorted(found, key=lambda item: item[1])


def due(moment: datetime, now: datetime) -> bool:
    """Whether a moment has come and is not stale."""
    return moment <= now < moment + STALE


@dataclass(frozen=True)
class Lapse:
    """When a pair that stopped meeting is nudged, and when closed."""

    nudge_at: datetime
    close_at: datetime


def lapse(since: datetime, tz: str, nudge_days: int, close_days: int) -> Lapse:
    """The nudge ``nudge_days`` and the close ``close_days`` after ``since`` (the last
    session reported held, or the pair's start), each at 10:00 in ``tz``."""
    day = schedule.local_date(since, tz)
    return Lapse(
        nudge_at=morning(day + timedelta(days=nudge_days), tz),
        close_at=morning(day + timedelta(days=max(close_days, nudge_days)), tz),
    )


def may_close(lapsed: Lapse, nudged_at: datetime | None, now: datetime) -> bool:
    """Whether a pair may be closed now: its close has come, and it was nudged (for the
    same lapse) at least :data:`CLOSE_NOTICE_DAYS` before, or as long as the cohort's
    rules leave between nudge and close when that is shorter."""
    if now < lapsed.close_at or nudged_at is None:
        return False
    notice = min(timedelta(days=CLOSE_NOTICE_DAYS), lapsed.close_at - lapsed.nudge_at)
    return now - nudged_at >= notice
