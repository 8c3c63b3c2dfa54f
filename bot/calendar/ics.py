"""iCalendar (RFC 5545) for a person's sessions, with the ``icalendar`` library.

Pure: it gets plain :class:`Event` values (what the feed decided to show, already in the
person's language) and returns the bytes of one ``VCALENDAR``. Each event is at its
instant in the pair's zone (the mentee's): ``DTSTART;TZID=…`` with that zone's
``VTIMEZONE``, so a calendar in any zone shows the same instant and a series keeps its
wall-clock time across daylight saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

PRODID = "-//reverse-mentoring-bot//calendar//EN"


@dataclass(frozen=True)
class Event:
    """One session as a calendar shows it.

    Attributes:
        uid: Stable for the session's whole life (moves included).
        start: The instant it starts (aware).
        minutes: How long it lasts.
        tz: IANA zone the session is planned in (the mentee's).
        summary: The title, naming the partner and the program.
        description: The agenda and what to do (plain text).
        location: The pair's meeting link or room, if set.
        sequence: Raised by each move (RFC 5545 ``SEQUENCE``).
        cancelled: Skipped, or its pair ended (``STATUS:CANCELLED``).
        stamp: When this version of the event was made (``DTSTAMP``).
    """

    uid: str
    start: datetime
    minutes: int
    tz: str
    summary: str
    description: str
    location: str | None
    sequence: int
    cancelled: bool
    stamp: datetime


def build_calendar(events: list[Event], *, name: str) -> bytes:
    """One ``VCALENDAR`` with the events (in order of start) and a ``VTIMEZONE`` for each
    zone they use."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    zones = sorted({event.tz for event in events})
    if events:
        first = min(event.start for event in events).date() - timedelta(days=1)
        last = max(event.start for event in events).date() + timedelta(days=1)
        for tz in zones:
            calendar.add_component(_vtimezone(tz, first.year, last.year))
    for event in sorted(events, key=lambda e: (e.start, e.uid)):
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def _vevent(event: Event) -> VEvent:
    zone = ZoneInfo(event.tz)
    local = event.start.astimezone(zone)
    vevent = VEvent()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.stamp.astimezone(UTC))
    vevent.add("dtstart", local)
    vevent.add("dtend", local + timedelta(minutes=event.minutes))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
        if event.location.startswith("https://"):
            vevent.add("url", event.location)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if event.cancelled else "OPAQUE")
    return vevent


@lru_cache(maxsize=256)
def _vtimezone(tz: str, first_year: int, last_year: int) -> Timezone:
    """The zone's rules from a year before the first event to a year after the last
    (whole years, so the feed's text changes only when its events do)."""
    return Timezone.from_tzinfo(
        ZoneInfo(tz), first_date=date(first_year - 1, 1, 1), last_date=date(last_year + 1, 12, 31)
    )
